/**
 * `@globus-tokenstorage/app`: `UserApp` and `ClientApp`, which log in, keep, validate and renew
 * tokens in one object, and the login flow managers they use.
 *
 * @packageDocumentation
 */
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
