import { UnsupportedFormatVersionError, type TokenStorageData } from '@globus-tokenstorage/core';
import type { EntriesByNamespace } from '@globus-tokenstorage/core/backend';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { PostgresTokenStorage } from '@globus-tokenstorage/postgres';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { CliError, ExitCodes } from './cli-error';
import { inStorageTransaction, poolFor } from './postgres-file';
import { parsePostgresTarget } from './postgres-target';
import { detectKind } from './token-file';

/** Token data by namespace, then by resource server. */
export type StoreEntries = Map<string, Record<string, TokenStorageData>>;

/**
 * Rewrites every entry of a token store at once: `change` gets all of them, read under the store's
 * write lock (the JSON file's lock, a SQLite write transaction, a PostgreSQL transaction), and
 * returns the new entries. Nothing is written if it throws; otherwise every entry is written in one
 * atomic step (a file replacement, or one transaction).
 *
 * @returns How many entries were rewritten.
 */
export async function rewriteStore(path: string, change: (entries: StoreEntries) => Promise<EntriesByNamespace>): Promise<number> {
  const kind = await detectKind(path);
  if (kind === 'json') return rewriteJSON(path, change);
  if (kind === 'sqlite') return rewriteSQLite(path, change);
  if (kind === 'postgres') return rewritePostgres(path, change);
  throw new CliError(`'${path}' is a legacy single-token file; run 'globus-tokens migrate ${path}' first`, ExitCodes.REFUSED);
}

async function rewriteJSON(path: string, change: (entries: StoreEntries) => Promise<EntriesByNamespace>): Promise<number> {
  const storage = new JSONTokenStorage(path);
  try {
    return await storage.rewriteAllEntries(change);
  } catch (error) {
    if (UnsupportedFormatVersionError.isInstance(error) && error.formatVersion === '1.0') {
      throw new CliError(`'${path}' is not a format 2.0 token file; run 'globus-tokens migrate ${path}' first`, ExitCodes.REFUSED);
    }
    throw error;
  } finally {
    await storage.close();
  }
}

async function rewriteSQLite(path: string, change: (entries: StoreEntries) => Promise<EntriesByNamespace>): Promise<number> {
  const storage = new SQLiteTokenStorage(path, { connectParams: { fileMustExist: true }, lockTimeoutMs: 10_000 });
  try {
    return await storage.rewriteAllEntries(change);
  } finally {
    await storage.close();
  }
}

async function rewritePostgres(url: string, change: (entries: StoreEntries) => Promise<EntriesByNamespace>): Promise<number> {
  const target = parsePostgresTarget(url);
  const pool = poolFor(target);
  try {
    const namespaces = await new PostgresTokenStorage(pool, {
      schema: target.schema,
      table: target.table,
      createTables: false,
    }).listNamespaces();
    return await inStorageTransaction(pool, async (transaction) => {
      const storage = (namespace: string) =>
        new PostgresTokenStorage(transaction, { namespace, schema: target.schema, table: target.table, createTables: false });
      const entries: StoreEntries = new Map();
      for (const namespace of namespaces) entries.set(namespace, await storage(namespace).getTokenDataByResourceServer());
      let count = 0;
      for (const [namespace, mapping] of await change(entries)) {
        await storage(namespace).storeTokenDataByResourceServer(mapping);
        count += Object.keys(mapping).length;
      }
      return count;
    });
  } finally {
    await pool.end();
  }
}
