/**
 * `@globus-tokenstorage/authorizers`: authorizers that put Globus (OAuth2) tokens on HTTP requests
 * and renew them, `authorizedFetch`, and the Globus Auth login clients. Runs in Node.js, browsers
 * and edge runtimes (no `node:` imports).
 *
 * @packageDocumentation
 */
export type { GlobusAuthorizer } from './globus-authorizer';
export { StaticGlobusAuthorizer } from './static-globus-authorizer';
export { NullAuthorizer } from './null-authorizer';
export { BasicAuthorizer } from './basic-authorizer';
export { AccessTokenAuthorizer } from './access-token-authorizer';
export {
  RenewingAuthorizer,
  type InitialAccessToken,
  type RenewingAuthorizerOptions,
  type RenewingAuthorizerSettings,
  type OnRefreshCallback,
} from './renewing-authorizer';
export { RefreshTokenAuthorizer, type RefreshTokenClient } from './refresh-token-authorizer';
export { StorageBackedAuthorizer, type StorageBackedAuthorizerOptions } from './storage-backed-authorizer';
export { ClientCredentialsAuthorizer, type ClientCredentialsClient } from './client-credentials-authorizer';
export { authorizedFetch, createAuthorizedFetch, type AuthorizedFetchOptions, type FetchFunction } from './authorized-fetch';
export {
  AuthLoginClient,
  type AuthLoginClientOptions,
  type AuthRequestOptions,
  type AuthorizeUrlOptions,
  type OAuth2Flow,
} from './auth-login-client';
export { NativeAppAuthClient, type NativeAppFlowOptions } from './native-app-auth-client';
export {
  ConfidentialAppAuthClient,
  type ConfidentialAppFlowOptions,
  type ConsentListResponse,
  type DependentTokenOptions,
} from './confidential-app-auth-client';
