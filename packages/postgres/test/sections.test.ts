import { Pool } from 'pg';
import { ErrorCodes } from '@globus-tokenstorage/core';
import { PostgresTokenStorage, type PostgresPoolOrConfig } from '@globus-tokenstorage/postgres';
import { killAll, requireBuiltPackages, startChild } from './children';
import { caught, TestDatabase } from './support';

let database: TestDatabase;
beforeAll(async () => {
  requireBuiltPackages('core', 'postgres');
  database = await TestDatabase.create('sections');
});
afterAll(async () => {
  killAll();
  await database?.drop();
});

const opened: PostgresTokenStorage[] = [];
afterEach(async () => {
  for (const storage of opened.splice(0)) await storage.close();
});

function storage(
  options: ConstructorParameters<typeof PostgresTokenStorage>[1] = {},
  pool: PostgresPoolOrConfig = database.url,
): PostgresTokenStorage {
  const made = new PostgresTokenStorage(pool, options);
  opened.push(made);
  return made;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Backends of this database holding an advisory lock. */
async function advisoryHolders(): Promise<number[]> {
  const rows = await database.query<{ pid: number }>(
    "SELECT DISTINCT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
  );
  return rows.map((row) => row.pid);
}

describe('runExclusive across processes', () => {
  it('a holder killed with SIGKILL releases the section at once; until then waiters time out with StorageLockTimeoutError', async () => {
    await storage().migrate();
    const holder = startChild('hold-section.mjs', [database.url, 'user-1/transfer.api.globus.org']);
    await holder.line((line) => line === 'held');
    const waiter = storage({ sectionTimeoutMs: 300 });
    const timeout = await caught(() => waiter.runExclusive('user-1/transfer.api.globus.org', async () => 'no'));
    expect(timeout.code).toBe(ErrorCodes.STORAGE_LOCK_TIMEOUT);
    expect(timeout).toMatchObject({ timeoutMs: 300 });
    expect(timeout.message).toContain("'user-1/transfer.api.globus.org' of 127.0.0.1:");
    // Other sections are free meanwhile.
    expect(await waiter.runExclusive('user-2/transfer.api.globus.org', async () => 'other')).toBe('other');

    holder.process.kill('SIGKILL');
    await holder.exited;
    const started = Date.now();
    expect(await storage().runExclusive('user-1/transfer.api.globus.org', async () => 'mine')).toBe('mine');
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('a holder whose connection is cut (pg_terminate_backend) releases the section, and the holder does not crash', async () => {
    await storage().migrate();
    const holder = startChild('hold-section.mjs', [database.url, 'cut']);
    await holder.line((line) => line === 'held');
    const [backend] = await advisoryHolders();
    expect(backend).toEqual(expect.any(Number));
    await database.query('SELECT pg_terminate_backend($1)', [backend]);
    const started = Date.now();
    expect(await storage().runExclusive('cut', async () => 'taken over')).toBe('taken over');
    expect(Date.now() - started).toBeLessThan(2000);
    await pause(200);
    expect([holder.process.exitCode, holder.process.signalCode, holder.stderr()]).toEqual([null, null, '']);
  });
});

describe('runExclusive in one process', () => {
  it('calls with the same key run one at a time on one pool, other keys alongside, and a local waiter times out', async () => {
    const pool = new Pool({ connectionString: database.url, max: 4 });
    try {
      const first = storage({ sectionTimeoutMs: 5000 }, pool);
      const second = storage({ sectionTimeoutMs: 100 }, pool);
      let active = 0;
      let mostActive = 0;
      const work = async () => {
        active += 1;
        mostActive = Math.max(mostActive, active);
        await pause(20);
        active -= 1;
      };
      let keyReleased = false;
      const held = first
        .runExclusive('key', () => pause(400))
        .then(() => {
          keyReleased = true;
        });
      await pause(50);
      const timedOut = caught(() => second.runExclusive('key', async () => 'late'));
      // Through a storage of its own: 100 ms is too short for a new lock session's connection on a busy
      // machine. It runs while 'key' is still held.
      const other = storage({ sectionTimeoutMs: 5000 }, pool).runExclusive('other key', async () => (keyReleased ? 'after' : 'alongside'));
      await Promise.all([...Array.from({ length: 6 }, () => first.runExclusive('key', work)), held]);
      expect((await timedOut).code).toBe(ErrorCodes.STORAGE_LOCK_TIMEOUT);
      expect(await other).toBe('alongside');
      expect(mostActive).toBe(1);
      // Every lock is released and the lock session went back to the pool.
      expect(await advisoryHolders()).toEqual([]);
      expect(pool.idleCount).toBe(pool.totalCount);
    } finally {
      await pool.end();
    }
  });

  it('a cut lock session lets fn finish, and the next call opens a new one', async () => {
    const holder = storage();
    await holder.migrate();
    let finished = false;
    await holder.runExclusive('key', async () => {
      const [backend] = await advisoryHolders();
      await database.query('SELECT pg_terminate_backend($1)', [backend]);
      expect(await storage().runExclusive('key', async () => 'free')).toBe('free');
      finished = true;
    });
    expect(finished).toBe(true);
    expect(await holder.runExclusive('key', async () => 'again')).toBe('again');
  });

  it('refuses a pool of one connection (fn would wait for ever for a second one)', async () => {
    const pool = new Pool({ connectionString: database.url, max: 1 });
    try {
      expect((await caught(() => storage({}, pool).runExclusive('key', async () => 'no'))).code).toBe(ErrorCodes.INVALID_ARGUMENT);
    } finally {
      await pool.end();
    }
  });

  it('a waiter whose storage is closed stops waiting with StorageClosedError', async () => {
    const holder = storage();
    const waiter = storage();
    let release = () => undefined as void;
    const held = holder.runExclusive('key', () => new Promise<void>((resolve) => (release = resolve)));
    await pause(100);
    const waiting = caught(() => waiter.runExclusive('key', async () => 'no'));
    await pause(100);
    await waiter.close();
    expect((await waiting).code).toBe(ErrorCodes.STORAGE_CLOSED);
    release();
    await held;
  });

  it('is not re-entrant: the same key inside its own section waits until sectionTimeoutMs and throws StorageLockTimeoutError', async () => {
    const inner = storage({ sectionTimeoutMs: 200 });
    const error = await inner.runExclusive('key', () => caught(() => inner.runExclusive('key', async () => 'no')));
    expect(error.code).toBe(ErrorCodes.STORAGE_LOCK_TIMEOUT);
  });
});

describe('runExclusive on a pool that has no connection to spare', () => {
  it('a pool wrapper around a pool of one connection: calls inside fn reject after sectionTimeoutMs, and the section is released', async () => {
    const inner = new Pool({ connectionString: database.url, max: 1 });
    try {
      // No `options`: the size check cannot see that the pool has a single connection.
      const wrapper = { query: inner.query.bind(inner), connect: inner.connect.bind(inner) };
      const wrapped = storage({ sectionTimeoutMs: 1000, schema: 'wrapped' }, wrapper);
      for (const round of ['first use (tables created inside fn)', 'tables ready']) {
        const started = Date.now();
        const error = await caught(() => wrapped.runExclusive('k', () => wrapped.getTokenData('rs')));
        expect([round, error.code]).toEqual([round, ErrorCodes.STORAGE_UNAVAILABLE]);
        expect(error.message).toContain('inside runExclusive');
        expect(Date.now() - started).toBeLessThan(4000);
        expect(await advisoryHolders()).toEqual([]);
        await wrapped.migrate();
      }
      expect(await wrapped.getTokenData('rs')).toBeNull();
    } finally {
      await inner.end();
    }
  }, 15000);

  it('a pool of 2 connections whose other one the application holds (LISTEN): the calls of fn reject after sectionTimeoutMs, and another pool gets the section', async () => {
    const pool = new Pool({ connectionString: database.url, max: 2 });
    const listener = await pool.connect();
    try {
      await listener.query('LISTEN gts_test');
      const held = storage({ sectionTimeoutMs: 1000, schema: 'listening' }, pool);
      await storage({ schema: 'listening' }).migrate();
      const started = Date.now();
      const error = await caught(() => held.runExclusive('k', () => held.getTokenData('rs')));
      expect(error.code).toBe(ErrorCodes.STORAGE_UNAVAILABLE);
      expect(Date.now() - started).toBeLessThan(4000);
      expect(await storage({ sectionTimeoutMs: 1000, schema: 'listening' }).runExclusive('k', async () => 'free')).toBe('free');
    } finally {
      listener.release();
      await pool.end();
    }
  }, 15000);

  it('a pool busy with long queries: runExclusive rejects with StorageLockTimeoutError after sectionTimeoutMs, and gives back the connection it gets later', async () => {
    const pool = new Pool({ connectionString: database.url, max: 2 });
    try {
      const busy = storage({ sectionTimeoutMs: 500 }, pool);
      const sleeps = [pool.query('SELECT pg_sleep(2)'), pool.query('SELECT pg_sleep(2)')];
      await pause(100);
      const started = Date.now();
      const error = await caught(() => busy.runExclusive('k', async () => 'late'));
      expect(error.code).toBe(ErrorCodes.STORAGE_LOCK_TIMEOUT);
      expect(Date.now() - started).toBeLessThan(1500);
      await Promise.all(sleeps);
      await pause(100);
      expect(pool.idleCount).toBe(pool.totalCount);
      expect(await advisoryHolders()).toEqual([]);
      expect(await busy.runExclusive('k', async () => 'now')).toBe('now');
    } finally {
      await pool.end();
    }
  }, 15000);
});
