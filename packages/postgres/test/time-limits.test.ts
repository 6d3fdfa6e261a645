import { createServer, type Server, type Socket } from 'node:net';
import { Client, Pool } from 'pg';
import { ErrorCodes, InvalidArgumentError, type StorageUnavailableError } from '@globus-tokenstorage/core';
import { sampleTokenData } from '@globus-tokenstorage/core/conformance';
import { PostgresTokenStorage, type PostgresTokenStorageOptions } from '@globus-tokenstorage/postgres';
import type { PostgresPoolOrConfig } from '../src/postgres-connection';
import { caught, TestDatabase } from './support';
import { thrownBy } from '@globus-tokenstorage/test-support/thrown';

// Every call is bounded by queryTimeoutMs: a server that never answers, and a table another
// session keeps locked, end in StorageUnavailableError naming host:port/database.

const opened: PostgresTokenStorage[] = [];
const pools: Pool[] = [];
afterEach(async () => {
  for (const storage of opened.splice(0)) await storage.close();
  for (const pool of pools.splice(0)) await pool.end();
});

function storage(config: PostgresPoolOrConfig, options: PostgresTokenStorageOptions = {}): PostgresTokenStorage {
  const made = new PostgresTokenStorage(config, options);
  opened.push(made);
  return made;
}

function givenPool(url: string): Pool {
  const pool = new Pool({ connectionString: url, max: 3 });
  pool.on('error', () => undefined);
  pools.push(pool);
  return pool;
}

/** Everything a log would show of an error. */
const shown = (error: unknown) =>
  `${String(error)} ${(error as Error).stack ?? ''} ${JSON.stringify(error)} ${String((error as Error).cause)}`;

describe('queryTimeoutMs', () => {
  it.each([[0], [-1], [1.5], [2 ** 31], ['1000'], [Infinity]])('refuses %p', (value) => {
    expect(thrownBy(() => new PostgresTokenStorage('postgres://u:p@127.0.0.1:1/db', { queryTimeoutMs: value as never }))).toBeInstanceOf(
      InvalidArgumentError,
    );
  });
});

describe('a server that accepts connections and never answers', () => {
  let silent: Server;
  const sockets = new Set<Socket>();
  let port: number;
  beforeAll(async () => {
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    port = (silent.address() as { port: number }).port;
  });
  // Lets the connections of the given pools fail, so that the pools can end.
  afterEach(() => {
    for (const socket of sockets) socket.destroy();
  });
  afterAll(async () => {
    await new Promise((resolve) => silent?.close(resolve));
  });

  const url = () => `postgres://app:silent-password-value@127.0.0.1:${port}/tokens`;

  it.each([
    ['a pool the storage makes from a URL', () => url()],
    ['a pg.Pool it is given (without connectionTimeoutMillis)', () => givenPool(url())],
  ])('with %s, every call rejects with StorageUnavailableError within queryTimeoutMs', async (_, config) => {
    const made = storage(config(), { queryTimeoutMs: 300 });
    const calls: Array<[string, () => Promise<unknown>]> = [
      ['getTokenData', () => made.getTokenData('rs')],
      ['storeTokenDataByResourceServer', () => made.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') })],
      ['migrate', () => made.migrate()],
    ];
    for (const [name, call] of calls) {
      const error = await caught(call);
      expect([name, error.code]).toEqual([name, ErrorCodes.STORAGE_UNAVAILABLE]);
      expect((error as StorageUnavailableError).resource).toBe(`127.0.0.1:${port}/tokens`);
      expect(error.message).toContain(`127.0.0.1:${port}/tokens`);
      expect(error.message).toContain('queryTimeoutMs');
      expect(shown(error)).not.toContain('silent-password-value');
    }
  });

  it('connecting is bounded by default (connectionTimeoutMillis of the pool the storage makes)', async () => {
    const started = Date.now();
    const error = await caught(() => storage(url()).getTokenData('rs'));
    expect(error.code).toBe(ErrorCodes.STORAGE_UNAVAILABLE);
    expect(Date.now() - started).toBeLessThan(20000);
  }, 30000);
});

describe('a token table another session keeps locked', () => {
  let database: TestDatabase;
  let holder: Client;
  beforeAll(async () => {
    database = await TestDatabase.create('time_limits');
    const setUp = new PostgresTokenStorage(database.url);
    await setUp.migrate();
    await setUp.close();
    holder = new Client({ connectionString: database.url });
    holder.on('error', () => undefined);
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE token_storage');
  });
  afterAll(async () => {
    await holder?.query('ROLLBACK').catch(() => undefined);
    await holder?.end();
    await database?.drop();
  });

  it.each([
    ['a pool the storage makes (the server cancels the statement)', () => database.url, '57014'],
    ['a pg.Pool it is given (the client stops waiting)', () => givenPool(database.url), 'Query read timeout'],
  ])('with %s, getTokenData and stores reject with StorageUnavailableError', async (_, config, why) => {
    const made = storage(config(), { queryTimeoutMs: 300 });
    for (const call of [() => made.getTokenData('rs'), () => made.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') })]) {
      const error = await caught(call);
      expect(error.code).toBe(ErrorCodes.STORAGE_UNAVAILABLE);
      expect(error.message).toContain(why);
      expect(error.message).toContain('queryTimeoutMs');
      expect((error as StorageUnavailableError).resource).toMatch(/^127\.0\.0\.1:\d+\/gts_time_limits_/);
    }
  });

  it("pg's own query_timeout, set on the pool configuration, is typed as StorageUnavailableError", async () => {
    const made = storage({ connectionString: database.url, query_timeout: 300 }, { queryTimeoutMs: 20000 });
    const error = await caught(() => made.getTokenData('rs'));
    expect(error.code).toBe(ErrorCodes.STORAGE_UNAVAILABLE);
    expect(error.message).toContain('Query read timeout');
  });
});
