import { Pool, type PoolClient } from 'pg';
import { inTransaction, PostgresTokenStorage, type PostgresPool } from '@globus-tokenstorage/postgres';
import { parsePostgresTarget, type PostgresTarget } from './postgres-target';
import type { TokenFile } from './token-file';

/** A pool for the CLI's one command: a pool, not a connection, so that `runExclusive` would work too. */
export function poolFor(target: PostgresTarget): Pool {
  const pool = new Pool({ connectionString: target.connectionString, max: 2 });
  // An idle connection the server closes is dropped by the pool; without a listener it would end the process.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Runs `work` in one transaction on one connection of `pool`: the storages `work` makes on the
 * pool-like object it is given write together, or not at all. Every connection it hands out is that
 * transaction's, whose release does nothing, so the storages must be made with `createTables: false`
 * (creating tables runs a transaction of its own, which would end this one).
 *
 * @returns What `work` returns, once committed.
 */
export function inStorageTransaction<T>(pool: Pool, work: (transaction: PostgresPool) => Promise<T>): Promise<T> {
  return inTransaction(pool, (client) => {
    const connection = {
      query: client.query.bind(client),
      on: (event: 'error', listener: (error: Error) => void) => (client.on(event, listener), connection),
      off: (event: 'error', listener: (error: Error) => void) => (client.off(event, listener), connection),
      release: () => undefined,
    } as unknown as PoolClient;
    return work({
      query: client.query.bind(client),
      connect: (() => Promise.resolve(connection)) as PostgresPool['connect'],
      // Names the server in the storages' messages.
      options: pool.options,
    });
  });
}

/**
 * A PostgreSQL token table as a token file: every namespace through one pool. Nothing is created:
 * a database without the table is reported, not changed.
 *
 * @param url - `postgres://user:password@host:port/database?schema=S&table=T`.
 */
export function openPostgres(url: string): TokenFile {
  const target = parsePostgresTarget(url);
  const pool = poolFor(target);
  const storages = new Map<string, PostgresTokenStorage>();
  const storage = (namespace: string) => {
    let opened = storages.get(namespace);
    if (!opened) {
      opened = new PostgresTokenStorage(pool, { namespace, schema: target.schema, table: target.table, createTables: false });
      storages.set(namespace, opened);
    }
    return opened;
  };
  return {
    path: target.display,
    kind: 'postgres',
    listNamespaces: () => storage('DEFAULT').listNamespaces(),
    read: (namespace) => storage(namespace).getTokenDataByResourceServer(),
    entries: () => storage('DEFAULT').iterAllEntries(),
    storage,
    close: async () => {
      for (const opened of storages.values()) await opened.close();
      // Idempotent, as the other kinds' close: pg refuses a second end().
      if (!pool.ended) await pool.end();
    },
  };
}
