/**
 * `@globus-tokenstorage/core/backend`: the kit for writing a storage backend. What several backends
 * share lives here, not in core's main entry (the public contract): option and text checks with one
 * rule each, stored-entry parsing, the platform-neutral model of the 2.0 token file, redaction.
 * Runs everywhere core's main entry runs (no `node:` imports; see `./node` for those).
 *
 * @packageDocumentation
 */
export { assertKnownOptions } from '../arguments/assert-known-options';
export type { EntriesByNamespace, RewriteAllEntries } from './entries-by-namespace';
export { TokenFileDocument, type TokenFileSource, type NamespaceEntries, type EntryRemoval } from './token-file-document';
