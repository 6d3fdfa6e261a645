import { inspect } from 'node:util';
import { Pool, type PoolConfig } from 'pg';
import { startPostgresServerProcess, type PostgresServerProcess } from '@globus-tokenstorage/postgres-server/process';
import { ErrorCodes, StorageUnavailableError } from '@globus-tokenstorage/core';
import { sampleTokenData } from '@globus-tokenstorage/core/conformance';
import { PostgresTokenStorage } from '@globus-tokenstorage/postgres';
import { caught, withDatabase } from './support';

// This file stops and restarts a server: its own, not the one the other test files share.
let server: PostgresServerProcess;
beforeAll(async () => {
  server = await startPostgresServerProcess();
}, 60000);
afterAll(async () => {
  await server?.close();
});

const opened: PostgresTokenStorage[] = [];
afterEach(async () => {
  for (const storage of opened.splice(0)) await storage.close();
});
function storage(
  pool: Pool | string | PoolConfig,
  options: ConstructorParameters<typeof PostgresTokenStorage>[1] = {},
): PostgresTokenStorage {
  const made = new PostgresTokenStorage(pool, options);
  opened.push(made);
  return made;
}

/** Everything an error shows in a log: message, stack, inspect and JSON, with its causes. */
function shown(error: unknown): string {
  return [String(error), (error as Error).stack, inspect(error, { depth: 5 }), JSON.stringify(error), inspect((error as Error).cause)].join(
    '\n',
  );
}

/** The calls of every method, each expected to fail while the server is down. */
function everyCall(target: PostgresTokenStorage): Array<[string, () => Promise<unknown>]> {
  return [
    ['getTokenData', () => target.getTokenData('rs')],
    ['getTokenDataByResourceServer', () => target.getTokenDataByResourceServer()],
    ['storeTokenDataByResourceServer', () => target.storeTokenDataByResourceServer({ other: sampleTokenData('other') })],
    ['removeTokenData', () => target.removeTokenData('rs')],
    ['listNamespaces', () => target.listNamespaces()],
    ['runExclusive', () => target.runExclusive('key', async () => 'no')],
    ['migrate', () => target.migrate()],
  ];
}

describe('a server that is down, then back', () => {
  it('every call fails with StorageUnavailableError naming host, port and database, never the password; the next call after the restart works', async () => {
    const given = new Pool({ connectionString: server.url, max: 3 });
    given.on('error', () => undefined);
    try {
      const own = storage(server.url, { namespace: 'own' });
      const onGiven = storage(given, { namespace: 'given' });
      const stored = sampleTokenData('rs');
      await own.storeTokenDataByResourceServer({ rs: stored });
      await onGiven.storeTokenDataByResourceServer({ rs: stored });

      await server.stop();
      for (const target of [own, onGiven]) {
        for (const [name, call] of everyCall(target)) {
          const error = await caught(call);
          expect([name, error.code]).toEqual([name, ErrorCodes.STORAGE_UNAVAILABLE]);
          expect(StorageUnavailableError.isInstance(error)).toBe(true);
          expect((error as StorageUnavailableError).resource).toBe(`127.0.0.1:${server.port}/postgres`);
          expect(error.message).toContain(`the PostgreSQL server 127.0.0.1:${server.port}/postgres cannot be used`);
          const text = shown(error);
          expect(text).not.toContain(server.password);
          expect(text).not.toContain(encodeURIComponent(server.password));
          expect(text).not.toContain(stored.accessToken);
        }
      }

      await server.start();
      expect((await own.getTokenData('rs'))?.accessToken).toBe(stored.accessToken);
      expect((await onGiven.getTokenData('rs'))?.accessToken).toBe(stored.accessToken);
      expect(await own.runExclusive('key', async () => 'works')).toBe('works');
    } finally {
      await server.start();
      await given.end();
    }
  }, 60000);

  it('a restart in the middle of a run fails only the calls made while it is down, each with a typed error, and frees held sections', async () => {
    const writer = storage(server.url, { namespace: 'run' });
    const holder = storage(server.url);
    await writer.migrate();
    let releaseHolder = () => undefined as void;
    const held = holder.runExclusive('held across the restart', () => new Promise<void>((resolve) => (releaseHolder = resolve)));
    const failures: string[] = [];
    let successes = 0;
    let stopping = true;
    const writing = (async () => {
      for (let round = 0; stopping || round < 5; round += 1) {
        try {
          await writer.storeTokenDataByResourceServer({ [`rs-${round}`]: sampleTokenData(`rs-${round}`) });
          successes += 1;
        } catch (error) {
          failures.push((error as { code?: string }).code ?? String(error));
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 200));
    try {
      await server.stop();
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      await server.start();
      stopping = false;
    }
    await writing;
    expect(successes).toBeGreaterThan(5);
    expect(failures.length).toBeGreaterThan(0);
    expect(new Set(failures)).toEqual(new Set([ErrorCodes.STORAGE_UNAVAILABLE]));
    // The holder's lock session ended with the restart: another process gets the section at once.
    expect(await storage(server.url).runExclusive('held across the restart', async () => 'free')).toBe('free');
    releaseHolder();
    await held;
  }, 60000);
});

describe('a server that cannot be used', () => {
  it.each([
    ['a wrong password', () => server.url.replace(encodeURIComponent(server.password), 'wrong-password-value'), '28P01'],
    ['a database that does not exist', () => withDatabase(server.url, 'no_such_database'), '3D000'],
    ['a port where nothing listens', () => server.url.replace(`:${server.port}/`, ':1/'), 'ECONNREFUSED'],
  ])('%s gives StorageUnavailableError with the reason, never the password', async (_label, url, code) => {
    const target = storage(url());
    const error = await caught(() => target.getTokenData('rs'));
    expect(error.code).toBe(ErrorCodes.STORAGE_UNAVAILABLE);
    expect(error.message).toContain(`(${code})`);
    expect(shown(error)).not.toContain(server.password);
    expect(shown(error)).not.toContain('wrong-password-value');
  });

  it('a certificate file that does not exist gives StorageUnavailableError naming host, port and database', async () => {
    const withCertificate = `${server.url}?sslmode=verify-full&sslrootcert=/nonexistent/gts-ca.pem`;
    for (const target of [storage(withCertificate), storage({ connectionString: withCertificate })]) {
      const error = await caught(() => target.listNamespaces());
      expect(error.code).toBe(ErrorCodes.STORAGE_UNAVAILABLE);
      expect((error as StorageUnavailableError).resource).toBe(`127.0.0.1:${server.port}/postgres`);
      expect(error.message).toContain(`the PostgreSQL server 127.0.0.1:${server.port}/postgres cannot be used: ENOENT`);
      expect(error.message).toContain('/nonexistent/gts-ca.pem');
      expect(shown(error)).not.toContain(server.password);
    }
  });

  it('no password for a server that requires one gives StorageUnavailableError naming host and database', async () => {
    const saved = { PGPASSWORD: process.env.PGPASSWORD, PGPASSFILE: process.env.PGPASSFILE };
    delete process.env.PGPASSWORD;
    process.env.PGPASSFILE = '/nonexistent/gts-pgpass';
    try {
      const target = storage({ host: '127.0.0.1', port: server.port, user: server.user, database: 'postgres' });
      const error = await caught(() => target.getTokenData('rs'));
      expect(error.code).toBe(ErrorCodes.STORAGE_UNAVAILABLE);
      expect((error as StorageUnavailableError).resource).toBe(`127.0.0.1:${server.port}/postgres`);
      expect(error.message).toContain(`the PostgreSQL server 127.0.0.1:${server.port}/postgres cannot be used`);
      expect(error.message).toContain('password');
    } finally {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('a connection URL pg cannot parse gives InvalidArgumentError without showing it', async () => {
    const target = storage('postgres://user:word-secret@[bad/db');
    const error = await caught(() => target.getTokenData('rs'));
    expect(error.code).toBe(ErrorCodes.INVALID_ARGUMENT);
    expect(shown(error)).not.toContain('word-secret');
  });
});
