import type { PoolClient } from 'pg';

/** What {@link inTransaction} needs of a pool: a connection of its own. */
export interface ConnectionSource {
  connect(): Promise<PoolClient>;
}

/**
 * Runs `work` in a transaction on one connection of `pool`: committed if `work` succeeds, rolled
 * back if anything fails. After a failure the connection may be broken or mid-transaction, so it
 * is closed rather than given back to the pool.
 *
 * @param pool - Where the connection comes from (a `pg.Pool`).
 * @param work - The statements, sent on `client`.
 * @returns What `work` returns.
 * @throws whatever `work`, `BEGIN` or `COMMIT` throws.
 */
export async function inTransaction<T>(pool: ConnectionSource, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let failed = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    failed = true;
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release(failed);
  }
}
