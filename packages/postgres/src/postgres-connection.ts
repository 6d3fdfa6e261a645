import { Client, Pool, type PoolConfig } from 'pg';
import { InvalidArgumentError } from '@globus-tokenstorage/core';

/**
 * What {@link PostgresTokenStorage} needs of a pool: `pg.Pool` has it, and so has a pool of another
 * copy or version of pg.
 */
export interface PostgresPool {
  query: Pool['query'];
  connect: Pool['connect'];
  /**
   * pg-pool keeps its configuration here: its `max` is checked by `runExclusive`, its
   * `query_timeout` replaces the storage's client-side deadline, and it names the server in error messages.
   */
  readonly options?: { readonly max?: number; readonly query_timeout?: number };
}

/** The three ways to say which database to use. */
export type PostgresPoolOrConfig = PostgresPool | Pool | string | PoolConfig;

/** The connection strings pg parses as such: `postgres://`, `postgresql://`, `socket:` URLs and socket paths. */
const CONNECTION_URL = /^(?:postgres(?:ql)?:\/\/|socket:|\/)/i;

/** A pool to use, and whether the storage made it (and so must end it). */
export interface ResolvedPool {
  pool: PostgresPool;
  /** `end()` of a pool the storage made; `null` for a pool it was given. */
  end: (() => Promise<void>) | null;
  /** The configuration, to name the server in messages (resolved lazily: pg may read certificate files). */
  config: object | string | undefined;
}

/**
 * Accepts a `pg.Pool` (used as it is, never ended), a connection string or a `pg.PoolConfig` (a
 * new pool is made, without connecting yet).
 *
 * @throws {@link InvalidArgumentError} for anything else (the message never shows the value: it may hold a password).
 */
export function resolvePool(value: unknown, limits: PoolTimeLimits): ResolvedPool {
  if (isPool(value)) return { pool: value, end: null, config: value.options };
  if (typeof value === 'string') {
    // pg reads any other text as a database name, and would name it (password included) in errors.
    if (!CONNECTION_URL.test(value)) {
      throw new InvalidArgumentError(
        'the PostgreSQL connection string must be a URL: postgres://user:password@host:port/database (or a socket path)',
      );
    }
    return ownPool({ ...timeLimitSettings(limits), connectionString: value }, value);
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    return ownPool({ ...timeLimitSettings(limits), ...(value as PoolConfig) }, value);
  throw new InvalidArgumentError('PostgresTokenStorage needs a pg.Pool, a connection string or a pg.PoolConfig object');
}

/** The time limits of a storage, which bound the pool it makes. */
export interface PoolTimeLimits {
  /** See `PostgresTokenStorageOptions.queryTimeoutMs`. */
  queryTimeoutMs: number;
  /** How much later than the server's `statement_timeout` the client gives up on a query. */
  clientGraceMs: number;
}

/**
 * pg settings of a pool the storage makes (each one the configuration sets itself wins): the
 * server cancels a statement, lock waits included, after `queryTimeoutMs` (`statement_timeout`,
 * sent at connection start); the client gives up a little later on a server that says nothing
 * (`query_timeout`), and on connecting after `queryTimeoutMs` (`connectionTimeoutMillis`).
 */
function timeLimitSettings({ queryTimeoutMs, clientGraceMs }: PoolTimeLimits): PoolConfig {
  return { statement_timeout: queryTimeoutMs, query_timeout: queryTimeoutMs + clientGraceMs, connectionTimeoutMillis: queryTimeoutMs };
}

function isPool(value: unknown): value is PostgresPool {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<'query' | 'connect', unknown>>;
  return typeof candidate.query === 'function' && typeof candidate.connect === 'function';
}

function ownPool(config: PoolConfig, original: object | string): ResolvedPool {
  const pool = new Pool(config);
  // pg-pool re-emits the error of an idle client (the server restarted, a connection was killed)
  // on the pool, and an 'error' event nobody listens to ends the process. The pool has already
  // dropped that client; the next query connects again.
  pool.on('error', () => undefined);
  return { pool, end: () => pool.end(), config: original };
}

/** Where a pool connects to, as pg resolves it (configuration, then `PG*` variables, then defaults). */
export interface ServerDescription {
  /** `host:port/database`. */
  server: string;
  /** The password, when it is a string: scrubbed from every message. */
  secrets: string[];
}

/** What names a server whose configuration pg cannot parse (messages read "the configured PostgreSQL server"). */
export const UNKNOWN_SERVER = 'the configured PostgreSQL server';

/** Connection-string parameters whose files pg reads as it parses them (a missing file would throw here). */
const FILE_PARAMETERS = new Set(['sslcert', 'sslkey', 'sslrootcert']);

/**
 * Names the server of a configuration without connecting: `host:port/database`. A configuration
 * pg cannot parse is named {@link UNKNOWN_SERVER}.
 */
export function describeServer(config: ResolvedPool['config']): ServerDescription {
  try {
    // A Client only parses its parameters until connect() is called; the certificate files are
    // left out, as they name no server and pg would read them (and throw if one is missing).
    const client = new Client(withoutFiles(config) as PoolConfig | string | undefined);
    const password = (client as unknown as { password?: unknown }).password;
    const secrets = typeof password === 'string' && password !== '' ? [password, encodeURIComponent(password)] : [];
    return { server: `${client.host}:${client.port}/${client.database ?? ''}`, secrets };
  } catch {
    return { server: UNKNOWN_SERVER, secrets: [] };
  }
}

/** `config` with the certificate file parameters taken out of its connection string. */
function withoutFiles(config: ResolvedPool['config']): ResolvedPool['config'] {
  if (typeof config === 'string') return connectionStringWithoutFiles(config);
  const connectionString = (config as { connectionString?: unknown } | undefined)?.connectionString;
  if (typeof connectionString !== 'string') return config;
  return { ...config, connectionString: connectionStringWithoutFiles(connectionString) };
}

function connectionStringWithoutFiles(text: string): string {
  const at = text.indexOf('?');
  if (at < 0) return text;
  const kept = text
    .slice(at + 1)
    .split('&')
    .filter((pair) => ![...new URLSearchParams(pair).keys()].some((key) => FILE_PARAMETERS.has(key)));
  return kept.length === 0 ? text.slice(0, at) : `${text.slice(0, at)}?${kept.join('&')}`;
}
