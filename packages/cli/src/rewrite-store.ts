import Database from 'better-sqlite3';
import { InvalidArgumentError, TokenStorageData } from '@globus-tokenstorage/core';
import { parseBoundedJSON, setOwnEntry, toPythonJSON } from '@globus-tokenstorage/core/backend';
import { withFileLock, writeFileAtomic, writeTarget } from '@globus-tokenstorage/core/node';
import { PostgresTokenStorage } from '@globus-tokenstorage/postgres';
import { CliError, ExitCodes } from './cli-error';
import { inStorageTransaction, poolFor } from './postgres-file';
import { parsePostgresTarget } from './postgres-target';
import { detectKind } from './token-file';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';

/** Token data by namespace, then by resource server. */
export type StoreEntries = Map<string, Record<string, TokenStorageData>>;

/**
 * Rewrites every entry of a token store at once: `change` gets all of them, read under the store's
 * write lock (the JSON file's lock, a SQLite write transaction, a PostgreSQL transaction), and
 * returns the new entries. Nothing is written if it throws; otherwise every entry is written in one
 * atomic step (a file replacement, or one commit).
 *
 * @returns How many entries were rewritten.
 */
export async function rewriteStore(path: string, change: (entries: StoreEntries) => Promise<StoreEntries>): Promise<number> {
  const kind = await detectKind(path);
  if (kind === 'json') return rewriteJSON(path, change);
  if (kind === 'sqlite') return rewriteSQLite(path, change);
  if (kind === 'postgres') return rewritePostgres(path, change);
  throw new CliError(`'${path}' is a legacy single-token file; run 'globus-tokens migrate ${path}' first`, ExitCodes.REFUSED);
}

function count(entries: StoreEntries): number {
  let total = 0;
  for (const namespace of entries.values()) total += Object.keys(namespace).length;
  return total;
}

async function rewriteJSON(path: string, change: (entries: StoreEntries) => Promise<StoreEntries>): Promise<number> {
  const absolute = resolve(path);
  return withFileLock(`${writeTarget(absolute)}.lock`, async (lock) => {
    const root = parseBoundedJSON(await readFile(absolute, 'utf8')) as { format_version?: unknown; data?: Record<string, Record<string, unknown>> };
    if (root.format_version !== '2.0' || typeof root.data !== 'object' || root.data === null) {
      throw new CliError(`'${path}' is not a format 2.0 token file; run 'globus-tokens migrate ${path}' first`, ExitCodes.REFUSED);
    }
    const entries: StoreEntries = new Map();
    for (const [namespace, dicts] of Object.entries(root.data)) {
      const mapping: Record<string, TokenStorageData> = {};
      for (const [key, dict] of Object.entries(dicts ?? {})) setOwnEntry(mapping, key, TokenStorageData.fromDict(dict));
      entries.set(namespace, mapping);
    }
    const next = await change(entries);
    for (const [namespace, mapping] of next) {
      for (const [key, data] of Object.entries(mapping)) setOwnEntry(root.data[namespace] as object, key, data.toDict());
    }
    lock.assertHeld();
    await writeFileAtomic(absolute, toPythonJSON(root));
    return count(next);
  }, { timeoutMs: 10_000 });
}

async function rewriteSQLite(path: string, change: (entries: StoreEntries) => Promise<StoreEntries>): Promise<number> {
  const db = new Database(path, { fileMustExist: true, timeout: 10_000 });
  try {
    // The replaced values must not survive in freed pages (or, below, in the write-ahead log).
    db.pragma('secure_delete = ON');
    db.exec('BEGIN IMMEDIATE');
    try {
      const rows = db.prepare<[], { namespace: string; resource_server: string; token_data_json: string }>('SELECT namespace, resource_server, token_data_json FROM token_storage').all();
      const entries: StoreEntries = new Map();
      for (const row of rows) {
        const mapping = entries.get(row.namespace) ?? {};
        setOwnEntry(mapping, row.resource_server, TokenStorageData.fromDict(JSON.parse(row.token_data_json)));
        entries.set(row.namespace, mapping);
      }
      const next = await change(entries);
      const update = db.prepare('UPDATE token_storage SET token_data_json = ? WHERE namespace = ? AND resource_server = ?');
      for (const [namespace, mapping] of next) {
        for (const [key, data] of Object.entries(mapping)) update.run(toPythonJSON(data.toDict()), namespace, key);
      }
      db.exec('COMMIT');
      db.pragma('wal_checkpoint(TRUNCATE)');
      return count(next);
    } catch (error) {
      if (db.inTransaction) db.exec('ROLLBACK');
      if (error instanceof SyntaxError) throw new InvalidArgumentError(`'${path}' holds an entry that is not JSON; run 'globus-tokens check ${path}'`);
      throw error;
    }
  } finally {
    db.close();
  }
}

async function rewritePostgres(url: string, change: (entries: StoreEntries) => Promise<StoreEntries>): Promise<number> {
  const target = parsePostgresTarget(url);
  const pool = poolFor(target);
  try {
    const namespaces = await new PostgresTokenStorage(pool, { schema: target.schema, table: target.table, createTables: false }).listNamespaces();
    return await inStorageTransaction(pool, async (transaction) => {
      const storage = (namespace: string) => new PostgresTokenStorage(transaction, { namespace, schema: target.schema, table: target.table, createTables: false });
      const entries: StoreEntries = new Map();
      for (const namespace of namespaces) entries.set(namespace, await storage(namespace).getTokenDataByResourceServer());
      const next = await change(entries);
      for (const [namespace, mapping] of next) await storage(namespace).storeTokenDataByResourceServer(mapping);
      return count(next);
    });
  } finally {
    await pool.end();
  }
}
