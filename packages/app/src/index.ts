/**
 * `@globus-tokenstorage/app`: `UserApp` and `ClientApp`, which log in, keep, validate and renew
 * tokens in one object, and the login flow managers they use.
 *
 * @packageDocumentation
 */
export { UserApp } from './user-app';
export { ClientApp, type ClientAppOptions } from './client-app';
export { GlobusApp, type GlobusAppOptions, type LoginOptions, type LogoutOptions } from './globus-app';
export {
  GLOBUS_APP_CONFIG_KEYS,
  type GlobusAppConfig,
  type TokenStorageContext,
  type TokenStorageProvider,
  type LoginFlowManagerContext,
  type LoginFlowManagerProvider,
  type TokenValidationErrorHandler,
} from './globus-app-config';
export { AppAuthorizer } from './app-authorizer';
export { GlobusSdkManager, type GlobusSdkManagerOptions, type GlobusSdkToken, type GlobusSdkTokenLookup } from './globus-sdk-manager';
export {
  LoginWaitTimeoutError,
  MissingDependencyError,
  type LoginWaitTimeoutErrorOptions,
  type MissingDependencyErrorOptions,
} from './app-errors';
export { defaultTokenFilePath, slugifyAppName, type DefaultTokenFilePathOptions, type TokenPathPlatform } from './default-token-path';
export { authorizationParametersOfGare } from './gare';
export type { ScopeRequirementsInput } from './scope-requirements';
export type { GlobusAuthorizationParameters } from './authorization-parameters';
export type { LoginFlowManager, LoginFlowOptions } from './login-flow-manager';
export { CommandLineLoginFlowManager, type CommandLineLoginFlowManagerOptions } from './command-line-login-flow-manager';
export { LocalServerLoginFlowManager, type LocalServerLoginFlowManagerOptions } from './local-server-login-flow-manager';
export type { LoginClient, LoginFlowManagerOptions } from './login-flow/login-flow-manager-options';
export {
  CommandLineLoginFlowEOFError,
  InvalidAuthorizationCodeError,
  LoginFlowTimeoutError,
  LoginFlowAbortedError,
  LocalServerEnvironmentError,
  type LoginFlowTimeoutErrorOptions,
} from './login-flow/login-flow-errors';
