import { Pool, type PoolClient } from 'pg';
import { inTransaction, type PostgresPool } from '@globus-tokenstorage/postgres';
import type { PostgresTarget } from './postgres-target';

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
 * @returns What `work` returns, once its transaction has ended well.
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
