import { closeSync, fsyncSync, openSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { OAuthTokenResponse, TokenStorageData } from '@globus-tokenstorage/core';
import { toPythonJSON } from '@globus-tokenstorage/core/backend';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';

/** The fixed clock of the seed data (epoch seconds). */
export const NOW = 2_000_000_000;

/** The resource servers of each namespace in the seed data. */
export const RESOURCE_SERVERS = ['auth.globus.org', 'transfer.api.globus.org', 'groups.api.globus.org'];

/**
 * @param resourceServer - The entry's key.
 * @param generation - Varies the token values (a store of a new generation changes the bytes).
 * @returns A realistic entry (about 380 bytes as JSON).
 */
export function tokenData(resourceServer: string, generation = 0): TokenStorageData {
  return new TokenStorageData({
    resourceServer,
    identityId: '11111111-2222-4333-8444-555555555555',
    scope: `urn:globus:auth:scope:${resourceServer}:all`,
    accessToken: `AT-${resourceServer}-${generation}-${'a'.repeat(40)}`,
    refreshToken: `RT-${resourceServer}-${generation}-${'r'.repeat(40)}`,
    expiresAtSeconds: NOW + 172_800 + generation,
    tokenType: 'Bearer',
  });
}

/**
 * @param resourceServer - The one resource server of the response.
 * @returns A token response for it; with the fixed clock, storing it again writes the same bytes.
 */
export function tokenResponse(resourceServer: string): OAuthTokenResponse {
  const data = tokenData(resourceServer);
  return OAuthTokenResponse.fromJSON(
    {
      access_token: data.accessToken,
      refresh_token: data.refreshToken,
      expires_in: 172_800,
      resource_server: resourceServer,
      scope: data.scope,
      token_type: 'Bearer',
      other_tokens: [],
    },
    { now: () => NOW },
  );
}

/** The name of the `index`-th namespace of the seed data. */
export const namespaceName = (index: number): string => `ns-${index}`;

/**
 * Writes a format 2.0 token file of `namespaces` × {@link RESOURCE_SERVERS}, as JSONTokenStorage
 * would (built as text: storing 100 000 namespaces one by one would take hours).
 *
 * @returns The file's size in bytes.
 */
export function writeTokenFile(path: string, namespaces: number): number {
  const entries = RESOURCE_SERVERS.map((rs) => `${toPythonJSON(rs)}: ${toPythonJSON(tokenData(rs).toDict())}`).join(', ');
  const members = Array.from({ length: namespaces }, (_, index) => `${toPythonJSON(namespaceName(index))}: {${entries}}`);
  const text = `{"data": {${members.join(', ')}}, "format_version": "2.0", "globus-sdk.version": "bench"}`;
  writeFileSync(path, text, { mode: 0o600 });
  flushToDisk(path);
  return Buffer.byteLength(text);
}

/**
 * The raw limit of a durable file replacement, done directly with synchronous system calls: a new
 * temporary file (`0600`), written, fsynced, renamed over the target, then the directory fsynced.
 */
export function rawAtomicWrite(target: string, bytes: Uint8Array): void {
  const temporary = join(dirname(target), '.raw-write.tmp');
  const fd = openSync(temporary, 'wx', 0o600);
  try {
    writeSync(fd, bytes);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temporary, target);
  const directory = openSync(dirname(target), 'r');
  try {
    fsyncSync(directory);
  } finally {
    closeSync(directory);
  }
}

/** The parts of better-sqlite3 the baselines use (the driver is a dependency of the sqlite package, not of bench). */
export interface RawStatement {
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): unknown;
  pluck(): RawStatement;
}

/** A raw better-sqlite3 connection. */
export interface RawDatabase {
  prepare(sql: string): RawStatement;
  pragma(sql: string): unknown;
  transaction(fn: () => void): { immediate(): void };
  close(): void;
}
type RawDatabaseConstructor = new (filename: string, options?: Record<string, unknown>) => RawDatabase;

const Database = createRequire(import.meta.resolve('@globus-tokenstorage/sqlite'))('better-sqlite3') as RawDatabaseConstructor;

/**
 * A database of `namespaces` × {@link RESOURCE_SERVERS}: the schema comes from SQLiteTokenStorage,
 * the rows from one raw transaction (fast to build even at 100 000 namespaces).
 *
 * @returns The database file.
 */
export async function buildDatabase(dir: string, namespaces: number): Promise<string> {
  const filepath = join(dir, `tokens-${namespaces}.db`);
  const creator = new SQLiteTokenStorage(filepath);
  await creator.getTokenData('none');
  await creator.close();
  const db = new Database(filepath);
  const insert = db.prepare('INSERT INTO token_storage (namespace, resource_server, token_data_json) VALUES (?, ?, ?)');
  const texts = RESOURCE_SERVERS.map((rs) => toPythonJSON(tokenData(rs).toDict()));
  db.transaction(() => {
    for (let index = 0; index < namespaces; index += 1) {
      RESOURCE_SERVERS.forEach((rs, position) => insert.run(namespaceName(index), rs, texts[position]));
    }
  }).immediate();
  db.close();
  flushToDisk(filepath);
  return filepath;
}

/**
 * Writes a seed file's pages to disk now: otherwise the kernel writes them back while the
 * benchmarks run, and every fsync measured then waits for that too.
 */
function flushToDisk(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * @returns A raw connection with the pragmas SQLiteTokenStorage uses (WAL, synchronous FULL), and
 *   the prepared SELECT the raw reads use.
 */
export function rawConnection(filepath: string): { db: RawDatabase; select: RawStatement } {
  const db = new Database(filepath, { timeout: 0 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const select = db.prepare('SELECT token_data_json FROM token_storage WHERE namespace = ? AND resource_server = ?').pluck();
  return { db, select };
}
