import pg from 'pg';
import { PostgresTokenStorage } from '@globus-tokenstorage/postgres';
import { startPostgresServer } from '@globus-tokenstorage/postgres-server';
import { tokenData } from './fixtures';
import { compare } from './harness';

const RESOURCE_SERVERS = ['auth.globus.org', 'transfer.api.globus.org', 'groups.api.globus.org'];

/**
 * A table of `namespaces` x 3 resource servers in schema `s<namespaces>`: created by
 * PostgresTokenStorage, filled by one raw statement (fast even at 100 000 namespaces).
 */
export async function buildTable(pool: pg.Pool, namespaces: number): Promise<string> {
  const schema = `s${namespaces}`;
  await new PostgresTokenStorage(pool, { schema }).migrate();
  const texts = RESOURCE_SERVERS.map((rs) => JSON.stringify(tokenData(rs, 0).toDict()));
  await pool.query(
    `INSERT INTO ${schema}.token_storage (namespace, resource_server, token_data)
     SELECT 'ns-' || i, entry.rs, entry.data::jsonb FROM generate_series(0, $1::int - 1) AS i, unnest($2::text[], $3::text[]) AS entry(rs, data)`,
    [namespaces, RESOURCE_SERVERS, texts],
  );
  await pool.query(`ANALYZE ${schema}.token_storage`);
  return schema;
}

/**
 * PostgresTokenStorage against raw pg on the same pool, on a throw-away local server (fsync off, so
 * that the disk, which both would wait for alike, does not hide the client's own cost), on 1 and
 * 100 000 namespaces x 3 resource servers: one `pool.query` of the same row for reads, one upsert
 * statement (one transaction) of the same 3 rows for writes (and, for information, the same as
 * named prepared statements, which the storage uses). Then each at 100 000 namespaces against 1.
 */
export async function run(): Promise<void> {
  const server = await startPostgresServer();
  const pool = new pg.Pool({ connectionString: server.url, max: 2 });
  const storages: PostgresTokenStorage[] = [];
  try {
    const bySize = new Map<number, { get: () => Promise<unknown>; store: () => Promise<unknown> }>();
    for (const namespaces of [1, 100000]) {
      const schema = await buildTable(pool, namespaces);
      const namespace = `ns-${Math.floor(namespaces / 2)}`;
      const storage = new PostgresTokenStorage(pool, { schema, namespace });
      storages.push(storage);
      await storage.getTokenData('transfer.api.globus.org');
      const get = () => storage.getTokenData('transfer.api.globus.org');
      await compare(
        `postgres: getTokenData, ${namespaces.toLocaleString('en-US')} namespace(s) x 3 resource servers`,
        {
          label: 'pg pool.query SELECT token_data',
          fn: async () =>
            (
              await pool.query(`SELECT token_data FROM ${schema}.token_storage WHERE namespace = $1 AND resource_server = $2`, [
                namespace,
                'transfer.api.globus.org',
              ])
            ).rows[0],
        },
        [
          { label: 'PostgresTokenStorage.getTokenData', fn: get, targetRatio: 1.3 },
          // The tighter limit, for information: what the storage itself does (a named, prepared statement).
          {
            label: 'pg pool.query SELECT token_data, prepared',
            fn: async () =>
              (
                await pool.query({
                  name: `raw-get-${schema}`,
                  text: `SELECT token_data FROM ${schema}.token_storage WHERE namespace = $1 AND resource_server = $2`,
                  values: [namespace, 'transfer.api.globus.org'],
                })
              ).rows[0],
          },
        ],
      );

      let rawGeneration = 0;
      const rawUpsert = `INSERT INTO ${schema}.token_storage (namespace, resource_server, token_data)
        VALUES ($1, $2, $3::jsonb), ($1, $4, $5::jsonb), ($1, $6, $7::jsonb)
        ON CONFLICT (namespace, resource_server) DO UPDATE SET token_data = EXCLUDED.token_data`;
      let generation = 0;
      const store = () => {
        generation += 1;
        return storage.storeTokenDataByResourceServer(Object.fromEntries(RESOURCE_SERVERS.map((rs) => [rs, tokenData(rs, generation)])));
      };
      await compare(
        `postgres: storeTokenDataByResourceServer (3 entries), ${namespaces.toLocaleString('en-US')} namespace(s)`,
        {
          label: 'pg pool.query upsert of 3 rows (one transaction)',
          fn: () => {
            rawGeneration += 1;
            const values = RESOURCE_SERVERS.flatMap((rs) => [rs, JSON.stringify(tokenData(rs, rawGeneration).toDict())]);
            return pool.query(rawUpsert, [namespace, ...values]);
          },
        },
        [
          { label: 'PostgresTokenStorage.storeTokenDataByResourceServer', fn: store, targetRatio: 1.3 },
          {
            label: 'pg pool.query upsert of 3 rows, prepared',
            fn: () => {
              rawGeneration += 1;
              const values = RESOURCE_SERVERS.flatMap((rs) => [rs, JSON.stringify(tokenData(rs, rawGeneration).toDict())]);
              return pool.query({ name: `raw-upsert-${schema}`, text: rawUpsert, values: [namespace, ...values] });
            },
          },
        ],
      );
      bySize.set(namespaces, { get, store });
    }
    const one = bySize.get(1)!;
    const many = bySize.get(100000)!;
    await compare('postgres: getTokenData on 100,000 namespaces against 1 namespace', { label: 'getTokenData, 1 namespace', fn: one.get }, [
      { label: 'getTokenData, 100,000 namespaces', fn: many.get, targetRatio: 1.3 },
    ]);
    await compare(
      'postgres: storeTokenDataByResourceServer on 100,000 namespaces against 1 namespace',
      { label: 'store, 1 namespace', fn: one.store },
      [{ label: 'store, 100,000 namespaces', fn: many.store, targetRatio: 1.3 }],
    );
  } finally {
    for (const storage of storages) await storage.close();
    await pool.end();
    await server.close();
  }
}
