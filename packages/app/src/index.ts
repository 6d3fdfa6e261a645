/**
 * `@globus-tokenstorage/app`: `UserApp` and `ClientApp`, which log in, keep, validate and renew
 * tokens in one object, and the login flow managers they use.
 *
 * @packageDocumentation
 */
export type { GlobusAuthorizationParameters } from './authorization-parameters';
export type { LoginFlowManager, LoginFlowOptions } from './login-flow-manager';
