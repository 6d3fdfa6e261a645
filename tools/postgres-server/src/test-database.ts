// For test files: the run's PostgreSQL server (see jest-global-setup.ts) and a database per file.
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * The URL of the PostgreSQL server of this test run (started by the jest global setup, or given in
 * GTS_POSTGRES_URL).
 *
 * @throws {Error} saying why there is none: tests that need PostgreSQL fail rather than skip without it.
 */
export function serverUrl(): string {
  const url = process.env.GTS_POSTGRES_URL;
  if (url) return url;
  const reason = process.env.GTS_POSTGRES_UNAVAILABLE ?? 'the jest global setup (tools/postgres-server) did not run';
  throw new Error(
    `no PostgreSQL server for the tests that need one: ${reason}\nSet GTS_POSTGRES_URL to a server where this user may create databases to use your own.`,
  );
}

/** `url` with another database. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}

/** Runs one statement on its own connection to `url` (by default the server's maintenance database). */
export async function adminQuery<Row extends Record<string, unknown> = Record<string, unknown>>(
  sql: string,
  values: unknown[] = [],
  url = serverUrl(),
): Promise<Row[]> {
  const client = new Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query<Row>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** A database of one test file, dropped (with every connection to it) by {@link TestDatabase.drop}. */
export class TestDatabase {
  private constructor(
    /** The database's name. */
    readonly name: string,
    /** Its URL, with the administrator's password. */
    readonly url: string,
  ) {}

  /** Creates an empty database named after `label`. */
  static async create(label: string): Promise<TestDatabase> {
    const name = `gts_${label.replace(/\W+/g, '_')}_${randomBytes(4).toString('hex')}`;
    await adminQuery(`CREATE DATABASE "${name}"`);
    return new TestDatabase(name, withDatabase(serverUrl(), name));
  }

  /** Runs one statement in this database. */
  query<Row extends Record<string, unknown> = Record<string, unknown>>(sql: string, values: unknown[] = []): Promise<Row[]> {
    return adminQuery<Row>(sql, values, this.url);
  }

  async drop(): Promise<void> {
    await adminQuery(`DROP DATABASE IF EXISTS "${this.name}" WITH (FORCE)`);
  }
}
