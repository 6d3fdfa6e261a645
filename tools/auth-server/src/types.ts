// The shapes the server's modules pass around and show to tests: types only, no code. The modules
// are JavaScript checked by tsc (JSDoc); the child-process client (process.ts) shares these types.

/** A group as the Globus Groups API lists it (`GET /v2/groups/my_groups`), trimmed to what examples print. */
export interface Group {
  readonly id: string;
  readonly name: string;
  readonly group_type: string;
  readonly enforce_session: boolean;
  readonly my_memberships: ReadonlyArray<{ readonly role: string }>;
}

/** A user who can log in; `identityId` becomes the `sub` claim (a Globus identity ID). */
export interface User {
  readonly username: string;
  readonly password: string;
  readonly identityId: string;
  readonly name: string;
  readonly email: string;
  readonly groups: readonly Group[];
}

/** Globus Auth `authorization_parameters` the protected API can ask for in a `403`. */
export interface AuthorizationParameters {
  required_scopes?: string[];
  session_message?: string;
  session_required_identities?: string[];
  session_required_single_domain?: string[];
  session_required_policies?: string[];
  session_required_mfa?: boolean;
  prompt?: string;
}

/** The counters of the server (`GET /__control/stats`). */
export interface AuthServerStats {
  tokenRequests: { total: number; byGrantType: Record<string, number> };
  apiRequests: { total: number; unauthorized: number };
}

/** One API token answer of `issueTokens`. */
export interface IssuedToken {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  resource_server: string;
  scope: string;
  token_type: string;
  identity_id: string;
}

/** What `startAuthServer` takes (see the README). */
export interface StartAuthServerOptions {
  rotateRefreshTokens?: boolean;
  omitUnrotatedRefreshToken?: boolean;
  accessTokenTTL?: number;
  refreshTokenTTL?: number;
  users?: readonly User[];
  port?: number;
  apiPort?: number;
  stateFile?: string;
}

/** The server's settings, from the options; `authorizationRequirements` changes at run time. */
export interface Settings {
  rotateRefreshTokens: boolean;
  omitUnrotatedRefreshToken: boolean;
  accessTokenTTL: number;
  refreshTokenTTL: number;
  users: readonly User[];
  /** Set by `requireAuthorization`: the next `remaining` API requests answer a Globus Auth requirements error. */
  authorizationRequirements: { remaining: number; parameters: AuthorizationParameters };
}

/** What `login` takes: the authorize URL a client built and who logs in. */
export interface LoginRequest {
  authorizeUrl: string;
  username: string;
  password?: string;
  clientId?: string;
  consent?: boolean;
}

/** What `issueTokens` takes. */
export interface IssueRequest {
  username: string;
  count?: number;
}

/** What `requireAuthorization` takes. */
export interface AuthorizationRequirementsRequest {
  count?: number;
  authorization_parameters?: AuthorizationParameters;
}

/** The fixed names of the server: what its CLI prints once it listens, and what `startAuthServer` resolves to. */
export interface AuthServerInfo {
  issuer: string;
  baseUrl: string;
  apiUrl: string;
  clients: {
    native: { clientId: string; redirectUri: string };
    confidential: { clientId: string; clientSecret: string; redirectUri: string };
  };
  resourceServers: { api: string; auth: string };
  scopes: { api: string; oidc: string };
  users: Array<{ username: string; password: string; identityId: string }>;
}

/** A server started in this process by `startAuthServer`. */
export interface AuthServer extends AuthServerInfo {
  /** Live counters. */
  stats: AuthServerStats;
  /** Whether the state file's keys, grants and tokens were used. */
  stateRestored: boolean;
  login(request: LoginRequest): Promise<string>;
  issueTokens(request: IssueRequest): Promise<IssuedToken[]>;
  requireAuthorization(request?: AuthorizationRequirementsRequest): void;
  resetStats(): void;
  close(): Promise<void>;
}
