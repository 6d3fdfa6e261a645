// jest `globalSetup`: one PostgreSQL server for the whole run, started before any test file. Its
// URL goes to the test workers in GTS_POSTGRES_URL (each test file makes its own database there).
// A server given by the caller in GTS_POSTGRES_URL is used as it is. When none can be started,
// GTS_POSTGRES_UNAVAILABLE says why, and the PostgreSQL tests fail with that reason (they never
// skip silently); the other tests run as usual.
import { startPostgresServerProcess, type PostgresServerProcess } from './process';

/** Where the teardown finds the server (globalSetup and globalTeardown share the main process). */
export const SERVER_KEY = Symbol.for('globus-tokenstorage.jest.postgres-server');

export default async function globalSetup(): Promise<void> {
  if (process.env.GTS_POSTGRES_URL) return;
  try {
    const server = await startPostgresServerProcess();
    (globalThis as Record<symbol, PostgresServerProcess>)[SERVER_KEY] = server;
    process.env.GTS_POSTGRES_URL = server.url;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    process.env.GTS_POSTGRES_UNAVAILABLE = reason;
    process.stderr.write(`\nPostgreSQL could not be started for the tests that need it:\n${reason}\n`);
  }
}
