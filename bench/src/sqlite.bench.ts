import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toPythonJSON } from '@globus-tokenstorage/core/backend';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { buildDatabase, namespaceName, rawConnection, RESOURCE_SERVERS, tokenData, type RawDatabase } from './fixtures';
import { compare } from './harness';

/**
 * SQLiteTokenStorage against raw better-sqlite3 with the same pragmas (WAL, synchronous FULL) on
 * the same file, for 2 and 100 000 namespaces × 3 resource servers:
 * - getTokenData against a prepared SELECT + JSON.parse (target <= 1.5x);
 * - storeTokenDataByResourceServer against a REPLACE of the same rows (the same Python-format text)
 *   in one transaction (target <= 1.5x, a guard: both wait for the same fsync, and ours measures
 *   1.0-1.3x; the WAL checkpoints both trigger make this row the noisiest).
 * Then, informative: reads that cannot reuse an earlier parse.
 */
export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gts-bench-sqlite-'));
  const storages: SQLiteTokenStorage[] = [];
  const raws: RawDatabase[] = [];
  try {
    for (const namespaces of [2, 100_000]) {
      const filepath = await buildDatabase(dir, namespaces);
      const namespace = namespaceName(Math.floor(namespaces / 2));
      const storage = new SQLiteTokenStorage(filepath, { namespace });
      storages.push(storage);
      const raw = rawConnection(filepath);
      raws.push(raw.db);
      const count = namespaces.toLocaleString('en-US');
      await compare(
        `sqlite: getTokenData, ${count} namespaces x 3 resource servers`,
        {
          label: 'raw: prepared SELECT + JSON.parse',
          fn: () => JSON.parse(raw.select.get(namespace, 'transfer.api.globus.org') as string),
        },
        [{ label: 'SQLiteTokenStorage.getTokenData', fn: () => storage.getTokenData('transfer.api.globus.org'), targetRatio: 1.5 }],
      );

      const replace = raw.db.prepare('REPLACE INTO token_storage (namespace, resource_server, token_data_json) VALUES (?, ?, ?)');
      let rawGeneration = 0;
      const rawStore = raw.db.transaction(() => {
        rawGeneration += 1;
        for (const rs of RESOURCE_SERVERS) replace.run(namespace, rs, toPythonJSON(tokenData(rs, rawGeneration).toDict()));
      });
      let generation = 0;
      await compare(
        `sqlite: storeTokenDataByResourceServer (3 entries), ${count} namespaces`,
        { label: 'raw: REPLACE x 3 in one transaction', fn: () => rawStore.immediate() },
        [
          {
            label: 'SQLiteTokenStorage.storeTokenDataByResourceServer',
            fn: () => {
              generation += 1;
              return storage.storeTokenDataByResourceServer(
                Object.fromEntries(RESOURCE_SERVERS.map((rs) => [rs, tokenData(rs, generation)])),
              );
            },
            targetRatio: 1.5,
          },
        ],
      );
    }
    await compareWithoutReuse(dir, storages, raws);
  } finally {
    for (const storage of storages) await storage.close();
    for (const raw of raws) raw.close();
    rmSync(dir, { recursive: true, force: true });
  }
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
  await storage.storeTokenDataByResourceServer(Object.fromEntries(keys.map((key) => [key, tokenData(key)])));
  const raw = rawConnection(filepath);
  raws.push(raw.db);
  let rawTurn = 0;
  let turn = 0;
  await compare(
    'sqlite: getTokenData without reuse (300 resource servers read in turn)',
    {
      label: 'raw: prepared SELECT + JSON.parse',
      fn: () => JSON.parse(raw.select.get('DEFAULT', keys[(rawTurn += 1) % keys.length]) as string),
    },
    [
      {
        label: 'SQLiteTokenStorage.getTokenData (parses every row)',
        fn: () => storage.getTokenData(keys[(turn += 1) % keys.length] as string),
      },
    ],
  );
}
