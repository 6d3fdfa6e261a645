/**
 * `@globus-tokenstorage/core/backend`: the kit for writing a storage backend. What several backends
 * share lives here, not in core's main entry (the public contract): option and text checks with one
 * rule each, stored-entry parsing, the platform-neutral model of the 2.0 token file, redaction.
 * Runs everywhere core's main entry runs (no `node:` imports; see `./node` for those).
 *
 * @packageDocumentation
 */
export { assertKnownOptions } from '../arguments/assert-known-options';
export { checkedClock } from '../arguments/checked-clock';
export { checkedMilliseconds, MAX_MILLISECONDS, type MillisecondsKind } from '../arguments/checked-milliseconds';
export { assertWellFormedText, isWellFormedText } from '../arguments/assert-well-formed-text';
export { setOwnEntry } from '../objects/set-own-entry';
export { safeErrorName } from '../errors/safe-error-name';
export { REDACTED, INSPECT_CUSTOM, redactSecret } from '../redaction';
export { describeNetworkError, type NetworkErrorDescription } from '../network/describe-network-error';
export { abortable } from '../network/abortable';
export { toPythonJSON } from '../tokens/python-json';
export { findDeepJSONNesting, MAX_JSON_DEPTH } from '../json/json-nesting';
export { parseBoundedJSON, JSONNestingError } from '../json/parse-bounded-json';
export { parseStoredEntry } from '../storage/parse-stored-entry';
export { ParsedEntryCache } from '../storage/parsed-entry-cache';
export type { RenamedOption, RenamedOptions } from '../arguments/renamed-options';
export type { EntriesByNamespace, RewriteAllEntries } from './entries-by-namespace';
export { TokenFileDocument, type TokenFileSource, type NamespaceEntries, type EntryRemoval } from './token-file-document';
