import { ErrorCodes } from './error-codes';
import { TokenStorageError } from './token-storage-error';

/** A scope string does not follow the scope grammar (see `ScopeParser.parse`). */
export class ScopeParseError extends TokenStorageError {
  static override readonly errorName: string = 'ScopeParseError';
  static override readonly code: typeof ErrorCodes.SCOPE_PARSE_ERROR | typeof ErrorCodes.SCOPE_CYCLE = ErrorCodes.SCOPE_PARSE_ERROR;
  declare readonly code: typeof ErrorCodes.SCOPE_PARSE_ERROR | typeof ErrorCodes.SCOPE_CYCLE;
}

/** A scope string makes a scope depend on itself, directly or through others. */
export class ScopeCycleError extends ScopeParseError {
  static override readonly errorName: string = 'ScopeCycleError';
  static override readonly code = ErrorCodes.SCOPE_CYCLE;
  declare readonly code: typeof ErrorCodes.SCOPE_CYCLE;
}

/** A consent record returned by Globus Auth lacks a required key or refers to a missing parent. */
export class ConsentParseError extends TokenStorageError {
  static override readonly errorName: string = 'ConsentParseError';
  static override readonly code = ErrorCodes.CONSENT_PARSE_ERROR;
  declare readonly code: typeof ErrorCodes.CONSENT_PARSE_ERROR;
}
