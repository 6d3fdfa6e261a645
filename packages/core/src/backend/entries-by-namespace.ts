import type { TokenStorageData } from '../tokens/token-storage-data';

/**
 * Token data of a whole store: by namespace, then by resource server. What the storages'
 * `rewriteAllEntries` hands to its `change` and takes back from it.
 */
export type EntriesByNamespace = ReadonlyMap<string, Readonly<Record<string, TokenStorageData>>>;

/**
 * Rewrites every entry of a store (see the storages' `rewriteAllEntries`).
 *
 * @param entries - Every entry, by namespace then resource server; the caller's to keep or change.
 * @returns The entries to write, replacing whole entries of the same keys.
 */
export type RewriteAllEntries = (entries: Map<string, Record<string, TokenStorageData>>) => Promise<EntriesByNamespace>;
