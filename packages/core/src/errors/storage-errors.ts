import { ErrorCodes } from './error-codes';
import { defineHidden, TokenStorageError, type TokenStorageErrorOptions } from './token-storage-error';

/** An argument of a public function or constructor has the wrong type or value. */
export class InvalidArgumentError extends TokenStorageError {
  static override readonly errorName: string = 'InvalidArgumentError';
  static override readonly code = ErrorCodes.INVALID_ARGUMENT;
  declare readonly code: typeof ErrorCodes.INVALID_ARGUMENT;
}

/** Token data (a constructor argument, a stored entry or a token response) has the wrong shape. */
export class InvalidTokenDataError extends TokenStorageError {
  static override readonly errorName: string = 'InvalidTokenDataError';
  static override readonly code = ErrorCodes.INVALID_TOKEN_DATA;
  declare readonly code: typeof ErrorCodes.INVALID_TOKEN_DATA;
}

/** Options of {@link TokenFileFormatError}. */
export interface TokenFileFormatErrorOptions extends TokenStorageErrorOptions {
  /** The file that could not be read. */
  filePath: string;
}

/**
 * A token file cannot be parsed or has the wrong shape. The file is never overwritten: fix or move
 * it, then retry.
 */
export class TokenFileFormatError extends TokenStorageError {
  static override readonly errorName: string = 'TokenFileFormatError';
  static override readonly code: typeof ErrorCodes.TOKEN_FILE_FORMAT | typeof ErrorCodes.UNSUPPORTED_FORMAT_VERSION =
    ErrorCodes.TOKEN_FILE_FORMAT;
  declare readonly code: typeof ErrorCodes.TOKEN_FILE_FORMAT | typeof ErrorCodes.UNSUPPORTED_FORMAT_VERSION;
  /** The file that could not be read. */
  declare readonly filePath: string;

  /**
   * @param message - What is wrong with the file; should name it.
   * @param options - `filePath` and an optional `cause`.
   */
  constructor(message: string, options: TokenFileFormatErrorOptions) {
    super(message, options);
    defineHidden(this, 'filePath', options.filePath);
  }
}

/** Options of {@link UnsupportedFormatVersionError}. */
export interface UnsupportedFormatVersionErrorOptions extends TokenFileFormatErrorOptions {
  /** The `format_version` value found in the file (`undefined` when the key is missing). */
  formatVersion: unknown;
}

/** A token file declares a `format_version` this library cannot read (or declares none). */
export class UnsupportedFormatVersionError extends TokenFileFormatError {
  static override readonly errorName: string = 'UnsupportedFormatVersionError';
  static override readonly code = ErrorCodes.UNSUPPORTED_FORMAT_VERSION;
  declare readonly code: typeof ErrorCodes.UNSUPPORTED_FORMAT_VERSION;
  /** The `format_version` value found in the file (`undefined` when the key is missing). */
  declare readonly formatVersion: unknown;

  /**
   * @param message - What was found; should name the file.
   * @param options - `filePath`, `formatVersion` and an optional `cause`.
   */
  constructor(message: string, options: UnsupportedFormatVersionErrorOptions) {
    super(message, options);
    defineHidden(this, 'formatVersion', options.formatVersion);
  }
}

/** Options of {@link StorageLockTimeoutError}. */
export interface StorageLockTimeoutErrorOptions extends TokenStorageErrorOptions {
  /** The file (or other resource) whose lock could not be taken. */
  resource: string;
  /** How long the caller waited, in milliseconds. */
  timeoutMs: number;
}

/** Another process held the storage's lock for longer than the configured timeout. */
export class StorageLockTimeoutError extends TokenStorageError {
  static override readonly errorName: string = 'StorageLockTimeoutError';
  static override readonly code = ErrorCodes.STORAGE_LOCK_TIMEOUT;
  declare readonly code: typeof ErrorCodes.STORAGE_LOCK_TIMEOUT;
  /** The file (or other resource) whose lock could not be taken. */
  declare readonly resource: string;
  /** How long the caller waited, in milliseconds. */
  declare readonly timeoutMs: number;

  /**
   * @param message - What could not be locked; should name the resource.
   * @param options - `resource`, `timeoutMs` and an optional `cause`.
   */
  constructor(message: string, options: StorageLockTimeoutErrorOptions) {
    super(message, options);
    defineHidden(this, 'resource', options.resource);
    defineHidden(this, 'timeoutMs', options.timeoutMs);
  }
}

/** A storage was used after `close()`. */
export class StorageClosedError extends TokenStorageError {
  static override readonly errorName: string = 'StorageClosedError';
  static override readonly code = ErrorCodes.STORAGE_CLOSED;
  declare readonly code: typeof ErrorCodes.STORAGE_CLOSED;
}

/** Options of {@link StorageQuotaExceededError}. */
export interface StorageQuotaExceededErrorOptions extends TokenStorageErrorOptions {
  /** Where the write went (e.g. `localStorage["globus-tokenstorage:DEFAULT"]`). */
  resource: string;
}

/**
 * The backing store refused a write for lack of space (a browser's storage quota). Nothing was
 * changed: the previous content is still there. Free space (remove other data) and retry.
 */
export class StorageQuotaExceededError extends TokenStorageError {
  static override readonly errorName: string = 'StorageQuotaExceededError';
  static override readonly code = ErrorCodes.STORAGE_QUOTA_EXCEEDED;
  declare readonly code: typeof ErrorCodes.STORAGE_QUOTA_EXCEEDED;
  /** Where the write went. */
  declare readonly resource: string;

  /**
   * @param message - What could not be written; should name the resource.
   * @param options - `resource` and an optional `cause`.
   */
  constructor(message: string, options: StorageQuotaExceededErrorOptions) {
    super(message, options);
    defineHidden(this, 'resource', options.resource);
  }
}

/** Options of {@link StorageUnavailableError}. */
export interface StorageUnavailableErrorOptions extends TokenStorageErrorOptions {
  /**
   * The server that could not be used, as `host:port/database` (never with a user name or password).
   */
  resource: string;
}

/**
 * The storage's server (e.g. PostgreSQL) could not be reached, refused the connection, or dropped
 * it mid-call. Nothing was written by the failed call unless its message says otherwise; the next
 * call connects again, so retrying once the server is back works.
 */
export class StorageUnavailableError extends TokenStorageError {
  static override readonly errorName: string = 'StorageUnavailableError';
  static override readonly code = ErrorCodes.STORAGE_UNAVAILABLE;
  declare readonly code: typeof ErrorCodes.STORAGE_UNAVAILABLE;
  /** The server that could not be used, as `host:port/database`. */
  declare readonly resource: string;

  /**
   * @param message - What failed; should name the server, never a password or token.
   * @param options - `resource` and an optional `cause`.
   */
  constructor(message: string, options: StorageUnavailableErrorOptions) {
    super(message, options);
    defineHidden(this, 'resource', options.resource);
  }
}

/** The identity could not be read from a token response's id_token (bad signature, audience, …). */
export class IdentityExtractionError extends TokenStorageError {
  static override readonly errorName: string = 'IdentityExtractionError';
  static override readonly code = ErrorCodes.IDENTITY_EXTRACTION_FAILED;
  declare readonly code: typeof ErrorCodes.IDENTITY_EXTRACTION_FAILED;
}

/** Options of {@link AuthAPIError}. */
export interface AuthAPIErrorOptions extends TokenStorageErrorOptions {
  /** HTTP status of the answer (0 when no answer arrived). */
  httpStatus: number;
  /** The OAuth2 `error` code of the answer, if it had one. */
  errorCode?: string | null;
  /** The OAuth2 `error_description` of the answer, if it had one. */
  description?: string | null;
}

/** The codes an {@link AuthAPIError} may carry. */
export type ErrorCodesOfAuthAPI =
  | typeof ErrorCodes.AUTH_API_ERROR
  | typeof ErrorCodes.AUTH_REQUEST_TIMEOUT
  | typeof ErrorCodes.AUTH_REQUEST_ABORTED;

/**
 * An error answer from an OAuth2 / Globus Auth endpoint, or no answer (`httpStatus` 0: the server
 * could not be reached; `cause` then holds the network error, with its system code). Holds no token
 * from the request.
 */
export class AuthAPIError extends TokenStorageError {
  static override readonly errorName: string = 'AuthAPIError';
  static override readonly code: ErrorCodesOfAuthAPI = ErrorCodes.AUTH_API_ERROR;
  declare readonly code: ErrorCodesOfAuthAPI;
  /** HTTP status of the answer (0 when no answer arrived). */
  declare readonly httpStatus: number;
  /** The OAuth2 `error` code of the answer, or `null`. */
  declare readonly errorCode: string | null;
  /** The OAuth2 `error_description` of the answer, or `null`. */
  declare readonly description: string | null;

  /**
   * @param message - What failed; should name the endpoint, never a token.
   * @param options - `httpStatus`, `errorCode`, `description` and an optional `cause`.
   */
  constructor(message: string, options: AuthAPIErrorOptions) {
    super(message, options);
    defineHidden(this, 'httpStatus', options.httpStatus);
    defineHidden(this, 'errorCode', options.errorCode ?? null);
    defineHidden(this, 'description', options.description ?? null);
  }
}

/** Options of {@link LoginCallbackError}. */
export interface LoginCallbackErrorOptions extends TokenStorageErrorOptions {
  /**
   * Why: the OAuth2 `error` the server sent back (e.g. `access_denied`), or one of
   * `no_login_started`, `not_redirect_uri`, `state_mismatch`, `missing_code`.
   */
  reason: string;
  /** The server's `error_description`, if it sent one. */
  description?: string | null;
}

/**
 * The redirect back from a login cannot complete it: the server sent an error, the address is not
 * the login's redirect URI, the `state` does not match the login this browser tab started (a forged
 * or stale redirect), no login was started, or the redirect carries no code. No token was requested
 * or stored.
 */
export class LoginCallbackError extends TokenStorageError {
  static override readonly errorName: string = 'LoginCallbackError';
  static override readonly code = ErrorCodes.LOGIN_CALLBACK_FAILED;
  declare readonly code: typeof ErrorCodes.LOGIN_CALLBACK_FAILED;
  /** The OAuth2 `error` of the redirect, or `no_login_started`, `not_redirect_uri`, `state_mismatch`, `missing_code`. */
  declare readonly reason: string;
  /** The server's `error_description`, or `null`. */
  declare readonly description: string | null;

  /**
   * @param message - What went wrong; never contains the code or the state.
   * @param options - `reason`, `description` and an optional `cause`.
   */
  constructor(message: string, options: LoginCallbackErrorOptions) {
    super(message, options);
    defineHidden(this, 'reason', options.reason);
    defineHidden(this, 'description', options.description ?? null);
  }
}

/** Options of {@link AuthRequestTimeoutError}. */
export interface AuthRequestTimeoutErrorOptions extends TokenStorageErrorOptions {
  /** The time limit that was reached, in milliseconds. */
  timeoutMs: number;
}

/**
 * A request to the auth server (retries included) did not finish within its time limit
 * (`timeoutMs` of the login client or authorizer), or a `StorageBackedAuthorizer` renewal did not
 * (its storage calls included; the message names the step). `httpStatus` is 0. The server may still
 * have handled it: a refresh that timed out may have rotated the refresh token.
 */
export class AuthRequestTimeoutError extends AuthAPIError {
  static override readonly errorName: string = 'AuthRequestTimeoutError';
  static override readonly code = ErrorCodes.AUTH_REQUEST_TIMEOUT;
  declare readonly code: typeof ErrorCodes.AUTH_REQUEST_TIMEOUT;
  /** The time limit that was reached, in milliseconds. */
  declare readonly timeoutMs: number;

  /**
   * @param message - What timed out; should name the endpoint, never a token.
   * @param options - `timeoutMs` and an optional `cause`.
   */
  constructor(message: string, options: AuthRequestTimeoutErrorOptions) {
    super(message, { httpStatus: 0, cause: options.cause });
    defineHidden(this, 'timeoutMs', options.timeoutMs);
  }
}

/**
 * A request to the auth server was cancelled through the `signal` given to the login client, the
 * authorizer or the call. `cause` is the signal's `reason`; `httpStatus` is 0.
 */
export class AuthRequestAbortedError extends AuthAPIError {
  static override readonly errorName: string = 'AuthRequestAbortedError';
  static override readonly code = ErrorCodes.AUTH_REQUEST_ABORTED;
  declare readonly code: typeof ErrorCodes.AUTH_REQUEST_ABORTED;

  /**
   * @param message - What was cancelled; should name the endpoint, never a token.
   * @param options - An optional `cause` (the signal's reason).
   */
  constructor(message: string, options: TokenStorageErrorOptions = {}) {
    super(message, { httpStatus: 0, cause: options.cause });
  }
}

/** Options of {@link TokenFileAccessError}. */
export interface TokenFileAccessErrorOptions extends TokenStorageErrorOptions {
  /** The token file (or database) concerned. */
  filePath: string;
}

/**
 * A token file (or database) cannot be read or written: permissions, a read-only file or file
 * system, a directory in its place, a full disk. Its content is not the problem, and it was not
 * changed. `cause` is the system error (its `code`, such as `EACCES`, is in the message too).
 */
export class TokenFileAccessError extends TokenStorageError {
  static override readonly errorName: string = 'TokenFileAccessError';
  static override readonly code = ErrorCodes.TOKEN_FILE_ACCESS;
  declare readonly code: typeof ErrorCodes.TOKEN_FILE_ACCESS;
  /** The token file (or database) concerned. */
  declare readonly filePath: string;

  /**
   * @param message - What failed; should name the file.
   * @param options - `filePath` and an optional `cause`.
   */
  constructor(message: string, options: TokenFileAccessErrorOptions) {
    super(message, options);
    defineHidden(this, 'filePath', options.filePath);
  }
}
