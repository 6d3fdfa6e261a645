import type { Scope } from '../scopes/scope';
import { ErrorCodes } from './error-codes';
import { defineHidden, TokenStorageError, type TokenStorageErrorOptions } from './token-storage-error';

/** Base class of the errors raised by token data validators (see `ValidatingTokenStorage`). */
export class TokenValidationError extends TokenStorageError {
  static override readonly errorName: string = 'TokenValidationError';
  static override readonly code: ErrorCodesOfValidation = ErrorCodes.TOKEN_VALIDATION_FAILED;
  declare readonly code: ErrorCodesOfValidation;
}

/** The codes a {@link TokenValidationError} may carry. */
export type ErrorCodesOfValidation =
  | typeof ErrorCodes.TOKEN_VALIDATION_FAILED
  | typeof ErrorCodes.EXPIRED_TOKEN
  | typeof ErrorCodes.MISSING_TOKEN
  | typeof ErrorCodes.UNMET_SCOPE_REQUIREMENTS
  | typeof ErrorCodes.IDENTITY_VALIDATION_FAILED
  | typeof ErrorCodes.MISSING_IDENTITY
  | typeof ErrorCodes.IDENTITY_MISMATCH;

/** Options of {@link ExpiredTokenError}. */
export interface ExpiredTokenErrorOptions extends TokenStorageErrorOptions {
  /** The resource server whose token expired. */
  resourceServer: string;
  /** When the token expired, in epoch seconds. */
  expiresAtSeconds: number;
}

/** A stored access token has expired. */
export class ExpiredTokenError extends TokenValidationError {
  static override readonly errorName: string = 'ExpiredTokenError';
  static override readonly code = ErrorCodes.EXPIRED_TOKEN;
  declare readonly code: typeof ErrorCodes.EXPIRED_TOKEN;
  /** The resource server whose token expired. */
  declare readonly resourceServer: string;
  /** When the token expired, in epoch seconds. */
  declare readonly expiresAtSeconds: number;

  /**
   * @param message - Should name the resource server and the expiry time.
   * @param options - `resourceServer`, `expiresAtSeconds` and an optional `cause`.
   */
  constructor(message: string, options: ExpiredTokenErrorOptions) {
    super(message, options);
    defineHidden(this, 'resourceServer', options.resourceServer);
    defineHidden(this, 'expiresAtSeconds', options.expiresAtSeconds);
  }
}

/** Options of {@link MissingTokenError}. */
export interface MissingTokenErrorOptions extends TokenStorageErrorOptions {
  /** The resource server that has no token (or no refresh token). */
  resourceServer: string;
}

/** No token (or no refresh token) is stored for a resource server. */
export class MissingTokenError extends TokenValidationError {
  static override readonly errorName: string = 'MissingTokenError';
  static override readonly code = ErrorCodes.MISSING_TOKEN;
  declare readonly code: typeof ErrorCodes.MISSING_TOKEN;
  /** The resource server that has no token (or no refresh token). */
  declare readonly resourceServer: string;

  /**
   * @param message - Should name the resource server.
   * @param options - `resourceServer` and an optional `cause`.
   */
  constructor(message: string, options: MissingTokenErrorOptions) {
    super(message, options);
    defineHidden(this, 'resourceServer', options.resourceServer);
  }
}

/** Options of {@link UnmetScopeRequirementsError}. */
export interface UnmetScopeRequirementsErrorOptions extends TokenStorageErrorOptions {
  /** The full requirement map of the validator (every resource server, not only the unmet one). */
  scopeRequirements: Readonly<Record<string, readonly Scope[]>>;
}

/** Stored tokens do not carry the scopes (or dependent consents) the application requires. */
export class UnmetScopeRequirementsError extends TokenValidationError {
  static override readonly errorName: string = 'UnmetScopeRequirementsError';
  static override readonly code = ErrorCodes.UNMET_SCOPE_REQUIREMENTS;
  declare readonly code: typeof ErrorCodes.UNMET_SCOPE_REQUIREMENTS;
  /** The full requirement map of the validator (every resource server, not only the unmet one). */
  declare readonly scopeRequirements: Readonly<Record<string, readonly Scope[]>>;

  /**
   * @param message - What is unmet.
   * @param options - `scopeRequirements` and an optional `cause`.
   */
  constructor(message: string, options: UnmetScopeRequirementsErrorOptions) {
    super(message, options);
    defineHidden(this, 'scopeRequirements', options.scopeRequirements);
  }
}

/** Base class of identity checks that failed. */
export class IdentityValidationError extends TokenValidationError {
  static override readonly errorName: string = 'IdentityValidationError';
  static override readonly code:
    | typeof ErrorCodes.IDENTITY_VALIDATION_FAILED
    | typeof ErrorCodes.MISSING_IDENTITY
    | typeof ErrorCodes.IDENTITY_MISMATCH = ErrorCodes.IDENTITY_VALIDATION_FAILED;
  declare readonly code:
    | typeof ErrorCodes.IDENTITY_VALIDATION_FAILED
    | typeof ErrorCodes.MISSING_IDENTITY
    | typeof ErrorCodes.IDENTITY_MISMATCH;
}

/** Token data to be stored carries no identity (the login did not request `openid`). */
export class MissingIdentityError extends IdentityValidationError {
  static override readonly errorName: string = 'MissingIdentityError';
  static override readonly code = ErrorCodes.MISSING_IDENTITY;
  declare readonly code: typeof ErrorCodes.MISSING_IDENTITY;
}

/** Options of {@link IdentityMismatchError}. */
export interface IdentityMismatchErrorOptions extends TokenStorageErrorOptions {
  /** The identity already associated with the storage (or the first one found). */
  storedId: string | null;
  /** The other identity found. */
  newId: string | null;
}

/** Token data belongs to another identity than the one already stored. */
export class IdentityMismatchError extends IdentityValidationError {
  static override readonly errorName: string = 'IdentityMismatchError';
  static override readonly code = ErrorCodes.IDENTITY_MISMATCH;
  declare readonly code: typeof ErrorCodes.IDENTITY_MISMATCH;
  /** The identity already associated with the storage (or the first one found). */
  declare readonly storedId: string | null;
  /** The other identity found. */
  declare readonly newId: string | null;

  /**
   * @param message - What mismatched.
   * @param options - `storedId`, `newId` and an optional `cause`.
   */
  constructor(message: string, options: IdentityMismatchErrorOptions) {
    super(message, options);
    defineHidden(this, 'storedId', options.storedId);
    defineHidden(this, 'newId', options.newId);
  }
}
