// Types of the parts of the private local auth server (plain ESM JavaScript) this example uses.
declare module '@globus-tokenstorage/auth-server' {
  /** The running server. */
  export interface AuthServer {
    baseUrl: string;
    apiUrl: string;
    clients: { native: { clientId: string } };
    resourceServers: { api: string; auth: string };
    scopes: { api: string };
    login(options: { authorizeUrl: string; username: string }): Promise<string>;
    close(): Promise<void>;
  }

  export function startAuthServer(options?: { stateFile?: string }): Promise<AuthServer>;
}
