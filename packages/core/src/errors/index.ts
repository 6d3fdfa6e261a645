export { ErrorCodes, type ErrorCode } from './error-codes';
export { TokenStorageError, type TokenStorageErrorOptions } from './token-storage-error';
export {
  InvalidArgumentError,
  InvalidTokenDataError,
  TokenFileFormatError,
  UnsupportedFormatVersionError,
  StorageLockTimeoutError,
  StorageClosedError,
  StorageQuotaExceededError,
  StorageUnavailableError,
  IdentityExtractionError,
  AuthAPIError,
  LoginCallbackError,
  AuthRequestTimeoutError,
  AuthRequestAbortedError,
  TokenFileAccessError,
  type ErrorCodesOfAuthAPI,
  type TokenFileFormatErrorOptions,
  type UnsupportedFormatVersionErrorOptions,
  type StorageLockTimeoutErrorOptions,
  type StorageQuotaExceededErrorOptions,
  type StorageUnavailableErrorOptions,
  type AuthAPIErrorOptions,
  type LoginCallbackErrorOptions,
  type AuthRequestTimeoutErrorOptions,
  type TokenFileAccessErrorOptions,
} from './storage-errors';
export {
  TokenValidationError,
  ExpiredTokenError,
  MissingTokenError,
  UnmetScopeRequirementsError,
  IdentityValidationError,
  MissingIdentityError,
  IdentityMismatchError,
  type ErrorCodesOfValidation,
  type ExpiredTokenErrorOptions,
  type MissingTokenErrorOptions,
  type UnmetScopeRequirementsErrorOptions,
  type IdentityMismatchErrorOptions,
} from './validation-errors';
export { ScopeParseError, ScopeCycleError, ConsentParseError } from './scope-errors';
export { safeErrorName } from './safe-error-name';
