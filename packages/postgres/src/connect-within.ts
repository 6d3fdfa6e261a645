import type { PoolClient, QueryConfig, QueryResult, QueryResultRow } from 'pg';
import { MAX_MILLISECONDS } from '@globus-tokenstorage/core/backend';
import type { PostgresPool } from './postgres-connection';
import { sqlStateOf } from './postgres-errors';

/** What {@link within} resolves to when the time ran out first. */
export const TIMED_OUT: unique symbol = Symbol('timed out');

/** How one call reaches the database: a pool, or {@link boundedConnections} of one. */
export interface Connections {
  query<Row extends QueryResultRow>(statement: QueryConfig): Promise<QueryResult<Row>>;
  connect(): Promise<PoolClient>;
}

/**
 * Waits for `promise` at most `ms` milliseconds. The promise is not cancelled: what it gives after
 * the time ran out is the caller's to clean up.
 *
 * @returns What `promise` resolves to, or {@link TIMED_OUT}.
 * @throws whatever `promise` rejects with in time.
 */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), Math.min(Math.max(0, ms), MAX_MILLISECONDS));
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Takes a connection from `pool`, waiting at most `ms` milliseconds (pg-pool itself waits for ever
 * unless `connectionTimeoutMillis` is set). A connection the pool hands out later goes straight back.
 *
 * @returns The connection, or `null` if none came in time.
 * @throws whatever `pool.connect()` rejects with in time.
 */
export async function connectWithin(pool: PostgresPool, ms: number): Promise<PoolClient | null> {
  const connecting = pool.connect();
  const client = await within(connecting, ms);
  if (client !== TIMED_OUT) return client;
  connecting.then(
    (late) => late.release(),
    () => undefined,
  );
  return null;
}

/**
 * `pool`, but every wait for a connection lasts at most `ms` milliseconds, then rejects with
 * `timedOut()`, and every query at most `queryTimeoutMs` when given (pg's `query_timeout`: it rejects
 * with "Query read timeout" and the connection is closed). Queries run as `pool.query` runs them: on a
 * connection of their own, given back after.
 */
export function boundedConnections(pool: PostgresPool, ms: number, queryTimeoutMs: number | undefined, timedOut: () => Error): Connections {
  const connect = async () => {
    const client = await connectWithin(pool, ms);
    if (client === null) throw timedOut();
    return client;
  };
  return {
    connect,
    async query<Row extends QueryResultRow>(statement: QueryConfig) {
      const client = await connect();
      // A checked-out client has no listener of pg-pool's: a connection lost during the query
      // would emit an 'error' nobody handles (and end the process). The query rejects anyway.
      const ignore = () => undefined;
      client.on('error', ignore);
      try {
        const result = await client.query<Row>(
          queryTimeoutMs === undefined ? statement : ({ ...statement, query_timeout: queryTimeoutMs } as QueryConfig),
        );
        client.off('error', ignore);
        client.release();
        return result;
      } catch (error) {
        // An error without a SQLSTATE may have left the connection broken: the pool closes it
        // (keeping our listener, for what it emits while closing).
        const isBroken = sqlStateOf(error) === undefined;
        if (!isBroken) client.off('error', ignore);
        client.release(isBroken);
        throw error;
      }
    },
  };
}
