/**
 * `@globus-tokenstorage/core`: the token storage contract and everything backends share.
 * Runs in Node.js, browsers and edge runtimes (no `node:` imports here; see `./node` for those).
 *
 * @packageDocumentation
 */
export * from './errors';
export { TokenStorageData, type TokenStorageDataInit, type TokenDataDict } from './tokens/token-storage-data';
export {
  OAuthTokenResponse,
  TokenResponseScopeIndex,
  type GrantType,
  type TokenDict,
  type OAuthTokenResponseOptions,
} from './tokens/oauth-token-response';
export {
  IDTokenDecoder,
  type IDTokenDecoderLike,
  type IDTokenDecoderOptions,
  type IDTokenClaims,
  type JSONWebKey,
  type JSONWebKeySet,
  type OpenIDConfiguration,
} from './tokens/id-token-decoder';
export { toPythonJSON } from './tokens/python-json';
export {
  TokenStorage,
  TOKEN_STORAGE_OPTION_KEYS,
  type RunExclusive,
  type TokenStorageOptions,
} from './storage/token-storage';
export { assertKnownOptions } from './arguments/assert-known-options';
export { checkedClock } from './arguments/checked-clock';
export { checkedMilliseconds, MAX_MILLISECONDS, type MillisecondsKind } from './arguments/checked-milliseconds';
export { assertWellFormedText } from './arguments/assert-well-formed-text';
export type { TokenStorageLike } from './storage/token-storage-like';
export { hasRunExclusive, type TokenStorageWithRunExclusive } from './storage/has-run-exclusive';
export type { StoredEntry } from './storage/stored-entry';
export { Scope, type ScopeOptions } from './scopes/scope';
export { ScopeParser, type ScopeCollection } from './scopes/scope-parser';
export * from './validation';
export {
  tokenEntrySchema,
  tokenFileV2Schema,
  tokenFileV1Schema,
  legacySimpleJSONFileSchema,
  validateTokenFile,
  validateTokenEntry,
  type JSONSchemaDocument,
  type SchemaProblem,
  type TokenFileKind,
  type TokenFileValidation,
  type TokenEntryValidation,
} from './schemas';
export { REDACTED } from './redaction';
export { setOwnEntry } from './objects/set-own-entry';
export { describeNetworkError, type NetworkErrorDescription } from './network/describe-network-error';
export { abortable } from './network/abortable';
