import { ErrorCodes, TokenStorageError, type TokenStorageErrorOptions } from '@globus-tokenstorage/core';

/**
 * The input of {@link CommandLineLoginFlowManager} ended (EOF) before an authorization code was
 * entered: Python's `CommandLineLoginFlowEOFError`. Typically stdin is not a terminal and was
 * empty or closed; run the login where a user can type, or use another flow.
 */
export class CommandLineLoginFlowEOFError extends TokenStorageError {
  static override readonly errorName: string = 'CommandLineLoginFlowEOFError';
  static override readonly code = ErrorCodes.LOGIN_FLOW_EOF;
  declare readonly code: typeof ErrorCodes.LOGIN_FLOW_EOF;
}

/**
 * What was entered as the authorization code cannot be one: empty, too long, or with spaces or
 * control characters inside. The message never repeats what was entered.
 */
export class InvalidAuthorizationCodeError extends TokenStorageError {
  static override readonly errorName: string = 'InvalidAuthorizationCodeError';
  static override readonly code = ErrorCodes.LOGIN_FLOW_INVALID_CODE;
  declare readonly code: typeof ErrorCodes.LOGIN_FLOW_INVALID_CODE;
}

/** Options of {@link LoginFlowTimeoutError}. */
export interface LoginFlowTimeoutErrorOptions extends TokenStorageErrorOptions {
  /** The time limit that was reached, in milliseconds. */
  timeoutMs: number;
}

/** The user did not complete the login within the manager's `timeoutMs`. */
export class LoginFlowTimeoutError extends TokenStorageError {
  static override readonly errorName: string = 'LoginFlowTimeoutError';
  static override readonly code = ErrorCodes.LOGIN_FLOW_TIMEOUT;
  declare readonly code: typeof ErrorCodes.LOGIN_FLOW_TIMEOUT;
  /** The time limit that was reached, in milliseconds. */
  declare readonly timeoutMs: number;

  /**
   * @param message - What was waited for.
   * @param options - `timeoutMs` and an optional `cause`.
   */
  constructor(message: string, options: LoginFlowTimeoutErrorOptions) {
    super(message, options);
    Object.defineProperty(this, 'timeoutMs', { value: options.timeoutMs, enumerable: false, configurable: true });
  }
}

/** The login was cancelled through the `signal` of `runLoginFlow`; `cause` is the signal's reason. */
export class LoginFlowAbortedError extends TokenStorageError {
  static override readonly errorName: string = 'LoginFlowAbortedError';
  static override readonly code = ErrorCodes.LOGIN_FLOW_ABORTED;
  declare readonly code: typeof ErrorCodes.LOGIN_FLOW_ABORTED;
}

/**
 * {@link LocalServerLoginFlowManager} cannot log in here: the session is remote (SSH), the browser
 * is text-only, or no browser could be started. The message suggests the command-line flow
 * (Python's `LocalServerEnvironmentalLoginError`).
 */
export class LocalServerEnvironmentError extends TokenStorageError {
  static override readonly errorName: string = 'LocalServerEnvironmentError';
  static override readonly code = ErrorCodes.LOGIN_FLOW_ENVIRONMENT;
  declare readonly code: typeof ErrorCodes.LOGIN_FLOW_ENVIRONMENT;
}
