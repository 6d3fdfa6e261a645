import { createHash } from 'node:crypto';
import type { QueryArrayConfig, QueryConfig } from 'pg';
import {
  InvalidArgumentError,
  InvalidTokenDataError,
  StorageUnavailableError,
  TokenStorage,
  type TokenStorageData,
  type TokenStorageError,
  TOKEN_STORAGE_OPTION_KEYS,
  type RunExclusive,
  type StoredEntry,
  type TokenStorageOptions,
} from '@globus-tokenstorage/core';
import {
  assertKnownOptions,
  checkedMilliseconds,
  isWellFormedText,
  ParsedEntryCache,
  parseStoredEntry,
} from '@globus-tokenstorage/core/backend';
import { version } from '../package.json';
import { advisoryKey } from './advisory-key';
import { boundedConnections, TIMED_OUT, within, type Connections } from './connect-within';
import { isInsideSection, SectionLocks } from './exclusive-sections';
import { describeServer, resolvePool, type PostgresPool, type PostgresPoolOrConfig, type ServerDescription } from './postgres-connection';
import { isRetryableConflict, sqlStateOf, toStorageError } from './postgres-errors';
import { ensureSchema, tableNames, type TableNames } from './postgres-schema';

/** Options of {@link PostgresTokenStorage}. */
export interface PostgresTokenStorageOptions extends TokenStorageOptions {
  /** The schema of the tables; created if missing. @default "public" */
  schema?: string;
  /** The token table; its version table is `<table>_internal`. At most 54 bytes. @default "token_storage" */
  table?: string;
  /**
   * How long `runExclusive` waits for a section another process (or call) holds, and for the pool
   * connection that holds it, in milliseconds, before rejecting with `StorageLockTimeoutError`.
   * Inside a section, also how long a call of this storage waits for a connection of the pool
   * (then `StorageUnavailableError`). A whole number from 0 to 2^31 − 1, or `Infinity` for no limit.
   * (There is no `sectionTimeoutMs`: writes take no lock of their own here; waits for a row lock are
   * bounded by `queryTimeoutMs`.) @default 60000
   */
  sectionTimeoutMs?: number;
  /**
   * How long one database call may take, in milliseconds, before it rejects with
   * `StorageUnavailableError`: waiting for a connection of the pool, connecting, and each statement
   * (lock waits included). Bounds a server that accepts connections and never answers, and a table
   * another session holds locked. On a pool the storage makes, the server cancels the statement
   * (`statement_timeout`) and the client stops waiting a second later (`query_timeout`); connecting
   * is bounded by `connectionTimeoutMillis` (each of the three that the configuration sets itself
   * is kept). On a `pg.Pool` it is given, the client-side limits apply; set `statement_timeout` on
   * that pool to have the server cancel too. From 1 to 2147483647. @default 10000
   */
  queryTimeoutMs?: number;
  /**
   * Create the tables (and schema) when they are missing. With `false` nothing is ever created: a
   * missing table is an error (for inspection tools, and roles that may not create tables). @default true
   */
  createTables?: boolean;
}

/** Names of other backends' options that mean something this storage does not have, or has under another name. */
const RENAMED_OPTIONS = {
  lockTimeoutMs: {
    use: 'sectionTimeoutMs',
    because:
      "'lockTimeoutMs' is the wait for a write lock, which PostgreSQL does not take (its row locks are bounded by 'queryTimeoutMs'); 'sectionTimeoutMs' is the runExclusive wait",
  },
};

/** The `writer` row of tables this package creates. */
const WRITER = `@globus-tokenstorage/postgres ${version}`;

/** The default of {@link PostgresTokenStorageOptions.queryTimeoutMs}. */
const DEFAULT_QUERY_TIMEOUT_MS = 10000;

/**
 * How much longer than the server's `statement_timeout` the client waits for an answer: a server
 * that answers cancels the statement first, with its own error; one that says nothing is bounded too.
 */
const CLIENT_GRACE_MS = 1000;

/**
 * Stores of up to this many entries (a token response holds a handful) send their rows as one
 * `VALUES` list: cheaper than arrays, which pg escapes and the server parses. Larger ones use arrays.
 */
const MAX_LISTED_ROWS = 16;

/** Namespaces whose entries {@link PostgresTokenStorage.iterAllEntries} fetches per query. */
const NAMESPACES_PER_PAGE = 500;

/** How often a write that lost a deadlock is run again. */
const CONFLICT_ATTEMPTS = 3;

/**
 * A `\u0000` or unpaired-surrogate escape in `JSON.stringify` output (not preceded by an escaped
 * backslash): text PostgreSQL's jsonb refuses.
 */
const UNSTORABLE_JSON = /(?:^|[^\\])(?:\\\\)*\\u(?:0000|d[89a-f][0-9a-f]{2})/;

/** The statements of each table, made once per process (their names hash their text). */
const statementsByTable = new Map<string, Statements>();

/** Schema checks done per pool and table, shared by the storages of a process (see `ensureReady`). */
const schemaChecks = new WeakMap<PostgresPool, Map<string, Promise<void>>>();

/** The SQL of one storage, each a named statement (prepared once per connection). */
interface Statements {
  getOne: NamedStatement;
  getAll: NamedStatement;
  /** Upserts of 1 to {@link MAX_LISTED_ROWS} rows, one `VALUES` list each (index: row count - 1). */
  upsertListed: NamedStatement[];
  /** Upserts of more rows, as two arrays. */
  upsertMany: NamedStatement;
  remove: NamedStatement;
  namespaces: NamedStatement;
  entriesOf: NamedStatement;
}

interface NamedStatement {
  name: string;
  text: string;
}

/**
 * Token storage in a PostgreSQL table, for a fleet of app servers and workers that share one token
 * store: every instance reads and writes the same rows, and `runExclusive` is a critical section
 * across all of them (database advisory locks), so `StorageBackedAuthorizer` refreshes each token
 * once however many processes need it.
 *
 * The table uses the Python SDK's column names (`namespace`, `resource_server`, and `token_data`
 * as `jsonb`), keyed by the pair. It and a version table beside it are created on first use (or by
 * {@link PostgresTokenStorage.migrate}); a table that is not a token table, or of an unknown
 * version, is refused and left unchanged. Every call is one statement, so one transaction.
 *
 * The constructor connects to nothing: the first call does.
 *
 * @example
 * ```ts
 * import { PostgresTokenStorage } from '@globus-tokenstorage/postgres';
 *
 * const storage = new PostgresTokenStorage(process.env.DATABASE_URL!, { namespace: `user:${userId}` });
 * try {
 *   await storage.storeTokenResponse(response);
 *   console.log((await storage.getTokenData('transfer.api.globus.org'))?.expiresAtSeconds);
 * } finally {
 *   await storage.close(); // ends the pool it made from the URL
 * }
 * ```
 */
export class PostgresTokenStorage extends TokenStorage {
  /** The schema of the tables. */
  readonly schema: string;
  /** The token table. */
  readonly table: string;
  private readonly pool: PostgresPool;
  private readonly endPool: (() => Promise<void>) | null;
  private readonly poolConfig: ReturnType<typeof resolvePool>['config'];
  private readonly names: TableNames;
  private readonly sectionTimeoutMs: number;
  private readonly queryTimeoutMs: number;
  private readonly createTables: boolean;
  private readonly statements: Statements;
  private description: ServerDescription | null = null;
  private boundedPool: Connections | null = null;
  private sectionPool: Connections | null = null;
  private isReady = false;
  private poolEnded = false;
  private readonly parsed = new ParsedEntryCache();

  /**
   * @param pgPoolOrConfig - A `pg.Pool` (used as it is; `close()` never ends it), or a connection
   *   string or `pg.PoolConfig` (a pool is made, and ended by `close()`). `ssl` and every other
   *   pool option pass through to pg.
   * @param options - See {@link PostgresTokenStorageOptions}.
   * @throws {@link InvalidArgumentError} for a bad pool, configuration or option, or a namespace
   *   with a NUL character or an unpaired surrogate (PostgreSQL text cannot hold them).
   */
  constructor(pgPoolOrConfig: PostgresPoolOrConfig, options: PostgresTokenStorageOptions = {}) {
    super(options);
    assertKnownOptions(
      options,
      [...TOKEN_STORAGE_OPTION_KEYS, 'schema', 'table', 'sectionTimeoutMs', 'queryTimeoutMs', 'createTables'],
      'PostgresTokenStorage',
      RENAMED_OPTIONS,
    );
    checkStorableKey(this.namespace, 'namespace');
    const sectionTimeoutMs = checkedMilliseconds(options.sectionTimeoutMs ?? 60000, 'sectionTimeoutMs');
    const queryTimeoutMs = checkedMilliseconds(options.queryTimeoutMs ?? DEFAULT_QUERY_TIMEOUT_MS, 'queryTimeoutMs', 'duration');
    const resolved = resolvePool(pgPoolOrConfig, { queryTimeoutMs, clientGraceMs: CLIENT_GRACE_MS });
    const names = tableNames(options.schema ?? 'public', options.table ?? 'token_storage');
    if (options.createTables !== undefined && typeof options.createTables !== 'boolean')
      throw new InvalidArgumentError("'createTables' must be a boolean");
    this.createTables = options.createTables ?? true;
    this.schema = names.schema;
    this.table = names.table;
    this.pool = resolved.pool;
    this.endPool = resolved.end;
    this.poolConfig = resolved.config;
    this.names = names;
    this.sectionTimeoutMs = sectionTimeoutMs;
    this.queryTimeoutMs = queryTimeoutMs;
    this.statements = statementsFor(names.qualified);
  }

  /**
   * Creates the token table and its version table if they do not exist (and the schema, if
   * missing), or checks that the existing ones are this package's. The first call of any other
   * method does the same; call this to do it at deployment time, e.g. with a role allowed to create
   * tables, while the application's role may only read and write rows.
   *
   * Tables of the right shape whose version table holds no schema version (made by hand without
   * the version rows) are completed: the version rows are written (needs `INSERT` on the version
   * table, e.g. as its owner; not with `createTables: false`).
   *
   * @throws {@link TokenFileFormatError} if a table of that name is not a token table (left unchanged).
   * @throws {@link UnsupportedFormatVersionError} if the tables are of an unknown schema version.
   * @throws {@link StorageUnavailableError} if the server cannot be reached.
   * @throws {@link StorageClosedError} after `close()`.
   */
  migrate(): Promise<void> {
    return this.whileOpen(() => {
      // Always asks the server, even when this process has checked the tables before.
      this.isReady = false;
      schemaChecks.get(this.pool)?.delete(this.checkKey);
      return this.ensureReady(true);
    });
  }

  /**
   * Runs `fn` while holding the section `key` of this table: calls with the same key, through any
   * storage on the same table in any process on any host, run one at a time. The section is a
   * PostgreSQL advisory lock held by a connection taken from the pool for as long as sections are
   * held (one connection per pool, whatever the number of sections), so the table stays fully
   * usable while `fn` runs. The database releases the lock when that connection ends: a holder
   * that is killed, or whose connection is cut, frees the section at once.
   *
   * The pool needs a connection free for `fn` beside that one (and beside those the application
   * keeps): inside `fn`, a call of a storage on the same pool waits at most `sectionTimeoutMs` for a
   * connection, then rejects with `StorageUnavailableError`, so a pool too small cannot hold the
   * section for ever. Sections are not re-entrant: the same key inside `fn` waits until
   * `sectionTimeoutMs` and rejects with `StorageLockTimeoutError`.
   *
   * @param key - Non-empty name of the section, e.g. `namespace + "/" + resourceServer`.
   * @param fn - The work; its result or error is passed on, and the section is released either way.
   * @returns What `fn` returns.
   * @throws {@link InvalidArgumentError} for an empty key, or a pool of a single connection (the
   *   section's connection would leave `fn` none).
   * @throws {@link StorageLockTimeoutError} if the section stays taken, or the pool gives no
   *   connection to hold it, for longer than `sectionTimeoutMs`.
   * @throws {@link StorageUnavailableError} if the server cannot be reached.
   * @throws {@link StorageClosedError} after `close()`.
   */
  declare runExclusive: RunExclusive;
  /**
   * @returns Every namespace that holds at least one entry, sorted by code point (`COLLATE "C"`).
   * @throws {@link StorageUnavailableError} if the server cannot be reached.
   * @throws {@link StorageClosedError} after `close()`.
   */
  declare listNamespaces: () => Promise<string[]>;
  /**
   * Walks every entry of every namespace (whatever this storage's namespace): namespaces in the
   * order of {@link PostgresTokenStorage.listNamespaces}, entries by resource server, fetched
   * {@link NAMESPACES_PER_PAGE} namespaces per query so that memory stays small whatever the size
   * of the table. Each query is its own snapshot, so rows changed while walking may or may not be
   * seen. Each entry is checked on its own: an invalid one is yielded with its error rather than
   * thrown, so that one bad entry hides no other (for inspection and conversion tools).
   *
   * @returns The entries, one at a time.
   * @throws {@link StorageUnavailableError} if the server cannot be reached.
   * @throws {@link StorageClosedError} (on iteration) after `close()`.
   */
  declare iterAllEntries: () => AsyncGenerator<StoredEntry>;

  /** One statement (one transaction); an empty list writes nothing (but first use creates the tables). */
  protected override async writeEntries(entries: ReadonlyArray<readonly [string, TokenStorageData]>): Promise<void> {
    const rows = entries
      .map(([key, value]) => [checkStorableKey(key, 'resource server'), this.render(key, value)] as const)
      // One order for every writer, so that two stores of the same keys cannot deadlock.
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (rows.length === 0) {
      // Nothing to write, but first use still creates the tables.
      await this.ensureReady();
      return;
    }
    const listed = this.statements.upsertListed[rows.length - 1];
    const statement = listed
      ? { ...listed, values: [this.namespace, ...rows.flat()] }
      : { ...this.statements.upsertMany, values: [this.namespace, rows.map(([key]) => key), rows.map(([, text]) => text)] };
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.query(statement);
        return;
      } catch (error) {
        if (attempt >= CONFLICT_ATTEMPTS || !isRetryableConflict(error)) throw this.toError(error);
      }
    }
  }

  protected override async readEntries(): Promise<Record<string, TokenStorageData>> {
    const { rows } = await this.typedQuery<[string, string]>({ ...this.statements.getAll, values: [this.namespace], rowMode: 'array' });
    const result: Record<string, TokenStorageData> = {};
    for (const [key, text] of rows) {
      Object.defineProperty(result, key, { value: this.parseRow(key, text), enumerable: true, writable: true, configurable: true });
    }
    return result;
  }

  /** A single indexed query. */
  protected override async readEntry(resourceServer: string): Promise<TokenStorageData | null> {
    checkStorableKey(resourceServer, 'resource server');
    const { rows } = await this.typedQuery<[string]>({
      ...this.statements.getOne,
      values: [this.namespace, resourceServer],
      rowMode: 'array',
    });
    const row = rows[0];
    return row === undefined ? null : this.parseRow(resourceServer, row[0]);
  }

  protected override async removeEntry(resourceServer: string): Promise<boolean> {
    checkStorableKey(resourceServer, 'resource server');
    const result = await this.typedQuery({ ...this.statements.remove, values: [this.namespace, resourceServer] });
    return (result.rowCount ?? 0) > 0;
  }

  protected override async readNamespaces(): Promise<string[]> {
    const { rows } = await this.typedQuery<[string]>({ ...this.statements.namespaces, rowMode: 'array' });
    return rows.map(([namespace]) => namespace);
  }

  protected override async *walkEntries(): AsyncGenerator<StoredEntry> {
    const namespaces = await this.readNamespaces();
    for (let start = 0; start < namespaces.length; start += NAMESPACES_PER_PAGE) {
      const page = namespaces.slice(start, start + NAMESPACES_PER_PAGE);
      const { rows } = await this.typedQuery<[string, string, string]>({ ...this.statements.entriesOf, values: [page], rowMode: 'array' });
      for (const [namespace, resourceServer, text] of rows) {
        try {
          yield {
            namespace,
            resourceServer,
            data: parseStoredEntry(text, () => this.describeEntry(namespace, resourceServer)),
            error: null,
          };
        } catch (error) {
          if (!InvalidTokenDataError.isInstance(error)) throw error;
          yield { namespace, resourceServer, data: null, error };
        }
      }
    }
  }

  protected override runInSection<T>(key: string, fn: () => Promise<T>): Promise<T> {
    if (this.pool.options?.max === 1) {
      throw new InvalidArgumentError('runExclusive needs a pool of at least 2 connections: one holds the section while fn uses the others');
    }
    return SectionLocks.of(this.pool).run(
      {
        lockKey: advisoryKey('section', this.names.schema, this.names.table, key),
        timeoutMs: this.sectionTimeoutMs,
        queryTimeoutMs: this.clientQueryTimeoutMs,
        resource: () => `'${key}' of ${this.location()}`,
        closeSignal: this.closeSignal,
        toError: (error) => this.toError(error),
      },
      fn,
    );
  }

  /** Closes the storage, and ends the pool if the storage made it (never a pool it was given). Idempotent. */
  override async close(): Promise<void> {
    await super.close();
    this.parsed.clear();
    if (this.endPool === null || this.poolEnded) return;
    this.poolEnded = true;
    await this.endPool().catch(() => undefined);
  }

  /** Names this storage's schema check in `schemaChecks`: one per table and `createTables`. */
  private get checkKey(): string {
    return `${this.names.qualified} ${this.createTables}`;
  }

  /** Creates or checks the tables, once per pool and table in this process. */
  private async ensureReady(isMigrating = false): Promise<void> {
    if (this.isReady) return;
    let checks = schemaChecks.get(this.pool);
    if (!checks) {
      checks = new Map();
      schemaChecks.set(this.pool, checks);
    }
    let check = isMigrating ? undefined : checks.get(this.checkKey);
    if (!check) {
      const mayComplete = isMigrating && this.createTables;
      check = ensureSchema({
        db: this.connections(),
        names: this.names,
        writer: WRITER,
        mayCreate: this.createTables,
        mayComplete,
        location: this.location(),
      });
      checks.set(this.checkKey, check);
    }
    try {
      // Its statements are bounded one by one; this bounds the whole check (its transaction's
      // statements run on a connection of a pool the storage may not have made).
      if ((await within(check, 2 * (this.queryTimeoutMs + CLIENT_GRACE_MS))) === TIMED_OUT) throw this.unanswered('checking the tables');
    } catch (error) {
      // Not remembered: the next call checks again (e.g. once the server is back).
      if (checks.get(this.checkKey) === check) checks.delete(this.checkKey);
      throw this.toError(error);
    }
    this.isReady = true;
  }

  /**
   * Runs one statement. Tables that disappeared meanwhile (dropped by someone) are created again,
   * as on first use, and the statement run once more; a version table left without its token
   * table is refused by the schema check.
   */
  private async query<Row>(statement: QueryConfig | QueryArrayConfig): Promise<{ rows: Row[]; rowCount: number | null }> {
    for (let attempt = 1; ; attempt += 1) {
      if (!this.isReady) await this.ensureReady();
      try {
        const { rows, rowCount } = await this.connections().query(statement as QueryConfig);
        return { rows: rows as unknown as Row[], rowCount };
      } catch (error) {
        if (attempt > 1 || sqlStateOf(error) !== '42P01') throw error;
        this.isReady = false;
        schemaChecks.get(this.pool)?.delete(this.checkKey);
      }
    }
  }

  /**
   * The pool, for one call: every wait for a connection lasts at most `queryTimeoutMs`, and every
   * statement too. Inside `fn` of a section held through it, one of its connections is the lock
   * session: a pool with no other connection free (too small, or the application holds the
   * others) would make the call, and so the section, wait; there the wait for a connection lasts
   * `sectionTimeoutMs`, and the error says why.
   */
  private connections(): Connections {
    const clientQueryTimeoutMs = this.clientQueryTimeoutMs;
    if (!isInsideSection(this.pool)) {
      this.boundedPool ??= boundedConnections(this.pool, this.queryTimeoutMs, clientQueryTimeoutMs, () =>
        this.unanswered('waiting for a connection'),
      );
      return this.boundedPool;
    }
    this.sectionPool ??= boundedConnections(this.pool, this.sectionTimeoutMs, clientQueryTimeoutMs, () => {
      const { server } = this.describe();
      return new StorageUnavailableError(
        `the pool of ${server} gave no connection within ${this.sectionTimeoutMs} ms to a call inside runExclusive: ` +
          'the section holds one of its connections, so the pool needs another one free for fn',
        { resource: server },
      );
    });
    return this.sectionPool;
  }

  /**
   * The client-side deadline of each statement: none of ours when the pool's configuration has
   * one (pg then applies it: a pool this storage made always has one, ours or the configuration's).
   */
  private get clientQueryTimeoutMs(): number | undefined {
    return this.pool.options?.query_timeout ? undefined : this.queryTimeoutMs + CLIENT_GRACE_MS;
  }

  /** The error of a wait that outlasted `queryTimeoutMs`. */
  private unanswered(what: string): StorageUnavailableError {
    const { server } = this.describe();
    return new StorageUnavailableError(
      `the PostgreSQL server ${server} cannot be used: no answer within queryTimeoutMs (${this.queryTimeoutMs} ms) while ${what}`,
      { resource: server },
    );
  }

  /** {@link PostgresTokenStorage.query} with pg's errors typed. */
  private async typedQuery<Row = unknown>(statement: QueryConfig | QueryArrayConfig): Promise<{ rows: Row[]; rowCount: number | null }> {
    try {
      return await this.query<Row>(statement);
    } catch (error) {
      throw this.toError(error);
    }
  }

  private toError(error: unknown): TokenStorageError {
    const { server, secrets } = this.describe();
    return toStorageError(error, { server, table: this.names.qualified, secrets, queryTimeoutMs: this.queryTimeoutMs });
  }

  private describe(): ServerDescription {
    this.description ??= describeServer(this.poolConfig);
    return this.description;
  }

  /** `host:port/database "schema"."table"`, for messages. */
  private location(): string {
    return `${this.describe().server} ${this.names.qualified}`;
  }

  /** The jsonb text of one entry. */
  private render(key: string, value: TokenStorageData): string {
    const text = JSON.stringify(value.toDict());
    if (UNSTORABLE_JSON.test(text)) {
      throw new InvalidTokenDataError(
        `the token data for '${key}' in namespace '${this.namespace}' holds a NUL character or an unpaired surrogate, which PostgreSQL's jsonb cannot store`,
      );
    }
    return text;
  }

  /** Turns one stored row of this namespace into token data (reused while its text is unchanged). */
  private parseRow(resourceServer: string, text: string): TokenStorageData {
    return this.parsed.parse(resourceServer, text, () => this.describeEntry(this.namespace, resourceServer));
  }

  /** Names a row in messages. */
  private describeEntry(namespace: string, resourceServer: string): string {
    return `the token data of '${resourceServer}' in namespace '${namespace}' of ${this.location()}`;
  }
}

/**
 * Namespaces and resource servers are `text`: PostgreSQL refuses NUL characters, and pg would
 * encode an unpaired surrogate as U+FFFD, which is another key.
 */
function checkStorableKey(value: string, what: string): string {
  if (value.includes('\0') || !isWellFormedText(value)) {
    throw new InvalidArgumentError(`a ${what} stored in PostgreSQL must be text without NUL characters or unpaired surrogates`);
  }
  return value;
}

function statementsFor(table: string): Statements {
  let statements = statementsByTable.get(table);
  if (!statements) {
    statements = makeStatements(table);
    statementsByTable.set(table, statements);
  }
  return statements;
}

function makeStatements(table: string): Statements {
  const named = (text: string): NamedStatement => ({ name: `gts-${createHash('sha256').update(text).digest('hex').slice(0, 24)}`, text });
  const upsert = 'ON CONFLICT (namespace, resource_server) DO UPDATE SET token_data = EXCLUDED.token_data';
  return {
    getOne: named(`SELECT token_data::text FROM ${table} WHERE namespace = $1 AND resource_server = $2`),
    getAll: named(`SELECT resource_server, token_data::text FROM ${table} WHERE namespace = $1`),
    upsertListed: Array.from({ length: MAX_LISTED_ROWS }, (_, index) => {
      const rows = Array.from({ length: index + 1 }, (__, row) => `($1, $${2 * row + 2}, $${2 * row + 3}::jsonb)`);
      return named(`INSERT INTO ${table} (namespace, resource_server, token_data) VALUES ${rows.join(', ')} ${upsert}`);
    }),
    upsertMany: named(
      `INSERT INTO ${table} (namespace, resource_server, token_data)
       SELECT $1, entry.resource_server, entry.token_data::jsonb FROM unnest($2::text[], $3::text[]) AS entry(resource_server, token_data) ${upsert}`,
    ),
    remove: named(`DELETE FROM ${table} WHERE namespace = $1 AND resource_server = $2`),
    namespaces: named(`SELECT DISTINCT namespace COLLATE "C" FROM ${table} WHERE namespace <> '' ORDER BY 1`),
    entriesOf: named(
      `SELECT namespace, resource_server, token_data::text FROM ${table} WHERE namespace = ANY($1::text[]) ORDER BY namespace COLLATE "C", resource_server COLLATE "C"`,
    ),
  };
}
