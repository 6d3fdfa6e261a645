import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenStorageData } from '@globus-tokenstorage/core';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { compare } from './harness';

/** The parts of better-sqlite3 the baselines use (the driver is a dependency of the sqlite package, not of bench). */
interface RawStatement {
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): unknown;
  pluck(): RawStatement;
}
interface RawDatabase {
  prepare(sql: string): RawStatement;
  pragma(sql: string): unknown;
  transaction(fn: () => void): { immediate(): void };
  close(): void;
}
type RawDatabaseConstructor = new (filename: string, options?: Record<string, unknown>) => RawDatabase;

const Database = createRequire(import.meta.resolve('@globus-tokenstorage/sqlite'))('better-sqlite3') as RawDatabaseConstructor;

const RESOURCE_SERVERS = ['auth.globus.org', 'transfer.api.globus.org', 'groups.api.globus.org'];

function tokenData(resourceServer: string, generation: number): TokenStorageData {
  return new TokenStorageData({
    resourceServer,
    identityId: '11111111-2222-4333-8444-555555555555',
    scope: `urn:globus:auth:scope:${resourceServer}:all`,
    accessToken: `AT-${resourceServer}-${generation}-${'a'.repeat(40)}`,
    refreshToken: `RT-${resourceServer}-${generation}-${'r'.repeat(40)}`,
    expiresAtSeconds: 2000000000 + generation,
    tokenType: 'Bearer',
  });
}

/**
 * A database of `namespaces` × 3 resource servers: the schema comes from SQLiteTokenStorage, the
 * rows from one raw transaction (fast to build even at 100 000 namespaces).
 */
async function buildDatabase(dir: string, namespaces: number): Promise<string> {
  const filepath = join(dir, `tokens-${namespaces}.db`);
  const creator = new SQLiteTokenStorage(filepath);
  await creator.getTokenData('none');
  await creator.close();
  const db = new Database(filepath);
  const insert = db.prepare('INSERT INTO token_storage (namespace, resource_server, token_data_json) VALUES (?, ?, ?)');
  const texts = RESOURCE_SERVERS.map((rs) => JSON.stringify(tokenData(rs, 0).toDict()));
  db.transaction(() => {
    for (let index = 0; index < namespaces; index += 1) {
      RESOURCE_SERVERS.forEach((rs, position) => insert.run(`ns-${index}`, rs, texts[position]));
    }
  }).immediate();
  db.close();
  return filepath;
}

/** A raw connection with the pragmas SQLiteTokenStorage uses. */
function rawConnection(filepath: string): RawDatabase {
  const db = new Database(filepath, { timeout: 0 });
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  return db;
}

/**
 * Reads that cannot reuse an earlier parse: 300 resource servers read in turn (more than the
 * storage keeps parsed), so every call parses and validates its row. Informative, no target.
 */
async function compareWithoutReuse(dir: string, storages: SQLiteTokenStorage[], raws: RawDatabase[]): Promise<void> {
  const filepath = join(dir, 'wide.db');
  const keys = Array.from({ length: 300 }, (_, index) => `rs-${index}.example.org`);
  const storage = new SQLiteTokenStorage(filepath);
  storages.push(storage);
  await storage.storeTokenDataByResourceServer(Object.fromEntries(keys.map((key) => [key, tokenData(key, 0)])));
  const raw = rawConnection(filepath);
  raws.push(raw);
  const select = raw.prepare('SELECT token_data_json FROM token_storage WHERE namespace = ? AND resource_server = ?').pluck();
  let rawTurn = 0;
  let turn = 0;
  await compare(
    'sqlite: getTokenData without reuse (300 resource servers read in turn)',
    { label: 'better-sqlite3 SELECT + JSON.parse', fn: () => JSON.parse(select.get('DEFAULT', keys[(rawTurn += 1) % keys.length]) as string) },
    [{ label: 'SQLiteTokenStorage.getTokenData (parses every row)', fn: () => storage.getTokenData(keys[(turn += 1) % keys.length] as string) }],
  );
}

/**
 * SQLiteTokenStorage against raw better-sqlite3 with the same pragmas, on 1, 1000 and 100 000
 * namespaces × 3 resource servers: a prepared SELECT + JSON.parse for reads, a REPLACE of the same
 * rows in one transaction for writes. Then reads on 100 000 namespaces against reads on 1.
 */
export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gts-sqlite-bench-'));
  const storages: SQLiteTokenStorage[] = [];
  const raws: RawDatabase[] = [];
  try {
    const getBySize = new Map<number, () => Promise<unknown>>();
    for (const namespaces of [1, 1000, 100000]) {
      const filepath = await buildDatabase(dir, namespaces);
      const namespace = `ns-${Math.floor(namespaces / 2)}`;
      const storage = new SQLiteTokenStorage(filepath, { namespace });
      storages.push(storage);
      await storage.getTokenData('transfer.api.globus.org');
      const raw = rawConnection(filepath);
      raws.push(raw);
      const select = raw.prepare('SELECT token_data_json FROM token_storage WHERE namespace = ? AND resource_server = ?').pluck();
      const get = () => storage.getTokenData('transfer.api.globus.org');
      getBySize.set(namespaces, get);
      await compare(
        `sqlite: getTokenData, ${namespaces.toLocaleString('en-US')} namespace(s) x 3 resource servers`,
        { label: 'better-sqlite3 SELECT + JSON.parse', fn: () => JSON.parse(select.get(namespace, 'transfer.api.globus.org') as string) },
        [{ label: 'SQLiteTokenStorage.getTokenData', fn: get, targetRatio: 1.5 }],
      );

      const replace = raw.prepare('REPLACE INTO token_storage (namespace, resource_server, token_data_json) VALUES (?, ?, ?)');
      let rawGeneration = 0;
      const rawStore = raw.transaction(() => {
        rawGeneration += 1;
        for (const rs of RESOURCE_SERVERS) replace.run(namespace, rs, JSON.stringify(tokenData(rs, rawGeneration).toDict()));
      });
      let generation = 0;
      await compare(
        `sqlite: storeTokenDataByResourceServer (3 entries), ${namespaces.toLocaleString('en-US')} namespace(s)`,
        { label: 'better-sqlite3 REPLACE x 3 in one transaction', fn: () => rawStore.immediate() },
        [
          {
            label: 'SQLiteTokenStorage.storeTokenDataByResourceServer',
            fn: () => {
              generation += 1;
              return storage.storeTokenDataByResourceServer(Object.fromEntries(RESOURCE_SERVERS.map((rs) => [rs, tokenData(rs, generation)])));
            },
            targetRatio: 1.5,
          },
        ],
      );
    }
    await compareWithoutReuse(dir, storages, raws);
    await compare(
      'sqlite: getTokenData on 100,000 namespaces against 1 namespace',
      { label: 'getTokenData, 1 namespace', fn: getBySize.get(1) as () => Promise<unknown> },
      [{ label: 'getTokenData, 100,000 namespaces', fn: getBySize.get(100000) as () => Promise<unknown>, targetRatio: 2 }],
    );
  } finally {
    for (const storage of storages) await storage.close();
    for (const raw of raws) raw.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
