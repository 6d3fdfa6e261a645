// Types of the parts of the private local auth server (plain ESM JavaScript) this example uses.
declare module '@globus-tokenstorage/auth-server' {
  /** The running server. */
  export interface AuthServer {
    baseUrl: string;
    apiUrl: string;
    stateRestored: boolean;
    clients: { native: { clientId: string } };
    resourceServers: { api: string; auth: string };
    scopes: { api: string; oidc: string };
    stats: { tokenRequests: { total: number; byGrantType: Record<string, number> } };
    login(options: { authorizeUrl: string; username: string }): Promise<string>;
    close(): Promise<void>;
  }

  export function startAuthServer(options?: { stateFile?: string; accessTokenTTL?: number }): Promise<AuthServer>;
}
