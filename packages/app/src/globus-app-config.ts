import type { IDTokenDecoderLike, TokenStorageLike, TokenValidationError } from '@globus-tokenstorage/core';
import type { ConfidentialAppAuthClient, NativeAppAuthClient } from '@globus-tokenstorage/authorizers';
import type { LoginFlowManager } from './login-flow-manager';

/** What a {@link TokenStorageProvider} is told about the app. */
export interface TokenStorageContext {
  /** The app's client ID. */
  readonly clientId: string;
  /** The app's name. */
  readonly appName: string;
  /** The Globus environment (`production`, `sandbox`, …). */
  readonly environment: string;
  /** The namespace the app keeps its tokens in. */
  readonly namespace: string;
}

/** Makes the app's token storage; the app closes what it returns. */
export type TokenStorageProvider = (context: TokenStorageContext) => TokenStorageLike | Promise<TokenStorageLike>;

/** What a {@link LoginFlowManagerProvider} is told about the app. */
export interface LoginFlowManagerContext {
  /** The app's name (Python uses `"{appName} on {hostname}"` to name the grant). */
  readonly appName: string;
  /** The app's login client. */
  readonly loginClient: NativeAppAuthClient | ConfidentialAppAuthClient;
  /** The resolved configuration. */
  readonly config: Readonly<GlobusAppConfig>;
}

/** Makes the app's login flow manager. */
export type LoginFlowManagerProvider = (context: LoginFlowManagerContext) => LoginFlowManager;

/**
 * Called when stored tokens fail validation (missing, expired, lacking a scope, another identity)
 * while the app needs them. The default logs in again (`app.login({ force: true })`), except for an
 * `IdentityMismatchError`, which it rethrows.
 */
export type TokenValidationErrorHandler<App = unknown> = (app: App, error: TokenValidationError) => void | Promise<void>;

/** The configuration of a `UserApp` or `ClientApp`: Python's `GlobusAppConfig`, plus `namespace`, `authBaseUrl`, `authResourceServer` and `loginWaitTimeoutMs`. */
export interface GlobusAppConfig {
  /**
   * How a `UserApp` logs in: `'command-line'` (print the URL, read the code), `'local-server'`
   * (browser and a redirect to 127.0.0.1), an instance, or a provider. `ClientApp` refuses it.
   * @default 'command-line'
   */
  readonly loginFlowManager?: 'command-line' | 'local-server' | LoginFlowManager | LoginFlowManagerProvider;
  /**
   * Redirect URI of the command-line login. Required with a client secret; refused with `'local-server'`.
   * @default `<authBaseUrl>/v2/web/auth-code` (Globus shows the code to copy)
   */
  readonly loginRedirectUri?: string;
  /**
   * Where tokens are kept: `'json'` (Python's default file), `'sqlite'` (the same path with `.db`;
   * needs `@globus-tokenstorage/sqlite`), `'memory'`, a storage instance (never closed by the app),
   * or a provider (closed by the app).
   * @default 'json'
   */
  readonly tokenStorage?: 'json' | 'sqlite' | 'memory' | TokenStorageLike | TokenStorageProvider;
  /** Ask for refresh tokens; without them the app logs in again when the access tokens expire. @default false */
  readonly requestRefreshTokens?: boolean;
  /** On a 403 carrying Globus Auth requirements, log in with them and retry once (`app.fetch`). @default false */
  readonly autoRedriveGares?: boolean;
  /** See {@link TokenValidationErrorHandler}; `null` turns automatic login off (the error is thrown). @default log in again */
  readonly tokenValidationErrorHandler?: TokenValidationErrorHandler | null;
  /** Verifies id_tokens. @default an `IDTokenDecoder` for the auth server and client ID */
  readonly idTokenDecoder?: IDTokenDecoderLike;
  /** The Globus environment; names the auth server and the token file. @default `$GLOBUS_SDK_ENVIRONMENT`, else `production` */
  readonly environment?: string;
  /** The namespace of the storages the app creates (Python always uses `DEFAULT`). @default 'DEFAULT' */
  readonly namespace?: string;
  /** The auth server, for any OAuth2 server of Globus Auth's shape. @default Globus Auth of `environment` */
  readonly authBaseUrl?: string;
  /** The resource server of the auth server's own (OpenID) tokens, which the app always requires. @default 'auth.globus.org' */
  readonly authResourceServer?: string;
  /** How long a process waits for another process of the app that is logging in. @default 900000 (15 minutes) */
  readonly loginWaitTimeoutMs?: number;
}

/** Every key of {@link GlobusAppConfig}, to refuse unknown ones. */
export const GLOBUS_APP_CONFIG_KEYS: readonly string[] = [
  'loginFlowManager',
  'loginRedirectUri',
  'tokenStorage',
  'requestRefreshTokens',
  'autoRedriveGares',
  'tokenValidationErrorHandler',
  'idTokenDecoder',
  'environment',
  'namespace',
  'authBaseUrl',
  'authResourceServer',
  'loginWaitTimeoutMs',
];
