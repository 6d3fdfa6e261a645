import { ErrorCodes, TokenStorageError, type TokenStorageErrorOptions } from '@globus-tokenstorage/core';

/** Options of {@link LoginWaitTimeoutError}. */
export interface LoginWaitTimeoutErrorOptions extends TokenStorageErrorOptions {
  /** How long the process waited, in milliseconds. */
  waitedMs: number;
}

/**
 * Another process of the same app was logging in, and its login did not end within the app's
 * `loginWaitTimeoutMs`. Nothing was stored; try again, or raise the limit.
 */
export class LoginWaitTimeoutError extends TokenStorageError {
  static override readonly errorName: string = 'LoginWaitTimeoutError';
  static override readonly code = ErrorCodes.LOGIN_WAIT_TIMEOUT;
  declare readonly code: typeof ErrorCodes.LOGIN_WAIT_TIMEOUT;
  /** How long the process waited, in milliseconds. */
  declare readonly waitedMs: number;

  /**
   * @param message - What was waited for.
   * @param options - `waitedMs` and an optional `cause`.
   */
  constructor(message: string, options: LoginWaitTimeoutErrorOptions) {
    super(message, options);
    Object.defineProperty(this, 'waitedMs', { value: options.waitedMs, enumerable: false });
  }
}

/** Options of {@link MissingDependencyError}. */
export interface MissingDependencyErrorOptions extends TokenStorageErrorOptions {
  /** The npm package to install. */
  packageName: string;
}

/**
 * An optional package the chosen configuration needs is not installed, e.g.
 * `@globus-tokenstorage/sqlite` for `tokenStorage: 'sqlite'`. The message says what to install.
 */
export class MissingDependencyError extends TokenStorageError {
  static override readonly errorName: string = 'MissingDependencyError';
  static override readonly code = ErrorCodes.MISSING_DEPENDENCY;
  declare readonly code: typeof ErrorCodes.MISSING_DEPENDENCY;
  /** The npm package to install. */
  declare readonly packageName: string;

  /**
   * @param message - What needs the package.
   * @param options - `packageName` and an optional `cause`.
   */
  constructor(message: string, options: MissingDependencyErrorOptions) {
    super(message, options);
    Object.defineProperty(this, 'packageName', { value: options.packageName, enumerable: false });
  }
}
