import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type Database from 'better-sqlite3';
import {
  InvalidArgumentError,
  InvalidTokenDataError,
  StorageLockTimeoutError,
  TOKEN_STORAGE_OPTION_KEYS,
  TokenFileFormatError,
  TokenStorage,
  type TokenStorageData,
  type RunExclusive,
  type StoredEntry,
  type TokenStorageOptions,
} from '@globus-tokenstorage/core';
import {
  assertKnownOptions,
  assertWellFormedText,
  checkedMilliseconds,
  ParsedEntryCache,
  parseStoredEntry,
  setOwnEntry,
  toPythonJSON,
  type RewriteAllEntries,
} from '@globus-tokenstorage/core/backend';
import { version } from '../package.json';
import { attributeOf, newLease, prepareSectionStatements, type SectionStatements } from './exclusive-section';
import { openTokenDatabase, removeSideFiles } from './open-token-database';
import { retryWhileBusy, type BusyRetryOptions } from './retry-while-busy';
import { rewriteEveryRow } from './rewrite-every-row';
import { SharedConnection } from './shared-connection';
import { toStatementError, toStorageError } from './sqlite-errors';

/**
 * Options passed through to better-sqlite3's `Database` constructor. Other keys are refused (a
 * misspelt `readOnly` would otherwise open the database for writing).
 */
export interface SQLiteConnectParams {
  /** Open the database read-only: nothing is created, initialised or converted; writes reject. @default false */
  readonly?: boolean;
  /** Fail instead of creating a missing database file (no directory or file is created). @default false */
  fileMustExist?: boolean;
  /**
   * How long to wait for another connection's lock, in milliseconds. When given it replaces
   * `lockTimeoutMs`. @default lockTimeoutMs
   */
  timeout?: number;
  /** Path of a better-sqlite3 native addon to load instead of the bundled one. */
  nativeBinding?: string;
  /** Refused: better-sqlite3 would log every statement with its values, tokens included. */
  verbose?: never;
}

/** Options of {@link SQLiteTokenStorage}. */
export interface SQLiteTokenStorageOptions extends TokenStorageOptions {
  /** Options for better-sqlite3 (see {@link SQLiteConnectParams}). @default {} */
  connectParams?: SQLiteConnectParams;
  /**
   * How long a call waits while another connection or process holds the database's write lock,
   * in milliseconds, before rejecting with `StorageLockTimeoutError` (SQLite's busy timeout). The
   * wait does not block the event loop. `connectParams.timeout`, when given, takes precedence. @default 5000
   */
  lockTimeoutMs?: number;
  /**
   * How long a `runExclusive` section stays claimed without a renewal, in milliseconds. A holder
   * renews it while its work runs; if the holder dies, others get the section once the lease ends
   * (at once when the holder was a process on this host that no longer exists). @default 30000
   */
  sectionLeaseMs?: number;
  /** How long `runExclusive` waits for a section before rejecting with `StorageLockTimeoutError`. @default 60000 */
  sectionTimeoutMs?: number;
}

/** Earlier names of options, refused naming the one to use. */
const RENAMED_OPTIONS = {
  busyTimeoutMs: { use: 'lockTimeoutMs', because: "every backend names its write-lock wait 'lockTimeoutMs' (here, SQLite's busy timeout)" },
};

/** The `globus-sdk.version` value of databases this package creates. */
const WRITER = `@globus-tokenstorage/sqlite ${version}`;

/** Namespaces fetched per query by {@link SQLiteTokenStorage.iterNamespaces}. */
const NAMESPACE_PAGE_SIZE = 500;

/** Rows fetched per query by {@link SQLiteTokenStorage.iterAllEntries}. */
const ENTRY_PAGE_SIZE = 1000;

/**
 * Namespaces listed: only those a storage can open, non-empty text (a BLOB namespace, or a NULL or
 * number in a table without the Python column types, would come back as another type).
 */
const TEXT_NAMESPACE = "typeof(namespace) = 'text' AND namespace <> ''";

/** Entries listed: those of listed namespaces whose key a storage can look up (text). */
const TEXT_ENTRY = `${TEXT_NAMESPACE} AND typeof(resource_server) = 'text'`;

/** An open database and its statements, prepared once. */
interface Connection {
  db: Database.Database;
  /** An existing database not yet in WAL mode: converted before the first write. */
  walPending: boolean;
  /** Whether the database passed SQLite's integrity check (done before the first write). */
  checked: boolean;
  /** A read-only connection made the `-wal`/`-shm` files: removed after it is closed. */
  createdSideFiles: boolean;
  /** The file and driver options it was opened with (for that removal). */
  filePath: string;
  driverOptions: Readonly<Record<string, unknown>>;
  getOne: Database.Statement<[string, string], unknown>;
  getAll: Database.Statement<[string], unknown[]>;
  remove: Database.Statement<[string, string]>;
  namespaces: Database.Statement<[], unknown>;
  namespacesFirst: Database.Statement<[number], unknown>;
  namespacesAfter: Database.Statement<[string, number], unknown>;
  entriesFirst: Database.Statement<[number], unknown[]>;
  entriesAfter: Database.Statement<[string, string, number], unknown[]>;
  store: Database.Transaction<(namespace: string, rows: ReadonlyArray<readonly [string, string]>) => void>;
  /** The lease statements of `runExclusive` (`null` on a read-only connection). */
  sections: SectionStatements | null;
}

/**
 * Token storage in a SQLite database, in the Python Globus SDK's format: the same tables, rows
 * serialised as Python's `json.dumps` would, so the Python SDK reads our files and we read its
 * files (schema 2, and schema 1 from its legacy `SQLiteAdapter`). Several processes can share one
 * file: it is switched to WAL, every call is one transaction, and lock waits are bounded by
 * `lockTimeoutMs`.
 *
 * The constructor only checks its arguments; the file is opened (created `0600` in `0700`
 * directories if missing, and checked) by the first call, so that opening can be asynchronous
 * and its failures arrive as typed rejections.
 *
 * @example
 * ```ts
 * import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
 *
 * const storage = new SQLiteTokenStorage(`${os.homedir()}/.globus/app/tokens.db`, { namespace: 'userapp' });
 * try {
 *   await storage.storeTokenResponse(response);
 *   const transfer = await storage.getTokenData('transfer.api.globus.org');
 *   console.log(transfer?.expiresAtSeconds, await storage.listNamespaces());
 * } finally {
 *   await storage.close();
 * }
 * ```
 */
export class SQLiteTokenStorage extends TokenStorage {
  /** The database file, as given to the constructor. */
  readonly filepath: string;
  private readonly absolutePath: string;
  private readonly driverOptions: Readonly<Record<string, unknown>>;
  private readonly readonlyMode: boolean;
  private readonly mayCreate: boolean;
  private readonly busyTimeoutMs: number;
  private readonly sectionLeaseMs: number;
  private readonly sectionTimeoutMs: number;
  /** How {@link SQLiteTokenStorage.run} waits out locks: built once, as every call uses it. */
  private readonly busyRetry: BusyRetryOptions;
  /** The connection, once this storage has used it (shared: see {@link SharedConnection}). */
  private connection: Connection | null = null;
  /** This storage's reference to the shared connection, from its first call until `close()`. */
  private shared: SharedConnection<Connection> | null = null;
  private readonly parsed = new ParsedEntryCache();

  /**
   * @param filepath - The database file. Missing parent directories are created `0700` and a
   *   missing file `0600` (on first use). `":memory:"` is refused: use `MemoryTokenStorage`.
   * @param options - See {@link SQLiteTokenStorageOptions}.
   * @throws {@link InvalidArgumentError} for a bad path or option, or a namespace holding an unpaired UTF-16 surrogate (which has no UTF-8 form).
   */
  constructor(filepath: string, options: SQLiteTokenStorageOptions = {}) {
    super(options);
    assertKnownOptions(
      options,
      [...TOKEN_STORAGE_OPTION_KEYS, 'connectParams', 'lockTimeoutMs', 'sectionLeaseMs', 'sectionTimeoutMs'],
      'SQLiteTokenStorage',
      RENAMED_OPTIONS,
    );
    assertWellFormedText(this.namespace, 'namespace');
    if (typeof filepath !== 'string' || filepath === '') throw new InvalidArgumentError('filepath must be a non-empty string');
    if (filepath === ':memory:') {
      throw new InvalidArgumentError(
        "SQLiteTokenStorage cannot be used with a ':memory:' database. If you want to store tokens in memory, use MemoryTokenStorage instead.",
      );
    }
    if (filepath.includes('\0')) throw new InvalidArgumentError('filepath must not contain NUL characters');
    const absolutePath = resolve(filepath);
    // better-sqlite3 trims the name it is given, which would open another file than the one we create.
    if (absolutePath.trimEnd() !== absolutePath) throw new InvalidArgumentError('filepath must not end with white space');
    const connectParams = checkConnectParams(options.connectParams);
    const { timeout, ...driverOptions } = connectParams;
    const busyTimeoutMs = checkedMilliseconds(options.lockTimeoutMs ?? 5000, 'lockTimeoutMs');
    this.filepath = filepath;
    this.absolutePath = absolutePath;
    this.driverOptions = driverOptions;
    this.readonlyMode = connectParams.readonly === true;
    this.mayCreate = !this.readonlyMode && connectParams.fileMustExist !== true;
    this.busyTimeoutMs = timeout ?? busyTimeoutMs;
    this.sectionLeaseMs = checkedMilliseconds(options.sectionLeaseMs ?? 30000, 'sectionLeaseMs', 'duration');
    this.sectionTimeoutMs = checkedMilliseconds(options.sectionTimeoutMs ?? 60000, 'sectionTimeoutMs');
    this.busyRetry = { timeoutMs: this.busyTimeoutMs, resource: filepath, beforeRetry: () => this.closeSignal.throwIfAborted() };
  }

  /**
   * Rewrites every entry of every namespace (whatever this storage's namespace) in one write
   * transaction, for tools that re-encode a whole store (encrypting it, rotating its key): `change`
   * gets every entry, read inside the transaction, and returns the entries to write (replacing whole
   * entries of the same keys). Other connections wait until it commits; if `change` or a write
   * fails, nothing is written. The replaced values do not survive in freed pages or in the WAL.
   *
   * @param change - Gets the entries by namespace, then resource server; returns those to write.
   * @returns How many entries were written.
   * @throws {@link InvalidTokenDataError} naming the entry if a stored row is not valid token data (nothing is written).
   * @throws {@link InvalidArgumentError} for a read-only database, or a returned key holding an unpaired UTF-16 surrogate.
   * @throws {@link StorageLockTimeoutError} if another connection holds the lock longer than the busy timeout.
   * @throws {@link TokenFileFormatError} if the file is not a token database (it is left unchanged).
   * @throws {@link StorageClosedError} after `close()`.
   */
  rewriteAllEntries(change: RewriteAllEntries): Promise<number> {
    return this.whileOpen(async () => {
      if (this.readonlyMode) throw new InvalidArgumentError('rewriteAllEntries needs a writable database (connectParams.readonly is set)');
      await this.prepareWrite(this.connection ?? (await this.connect()));
      const { db } = await this.openDatabase(() => this.closeSignal.throwIfAborted());
      try {
        const parse = (namespace: string, key: string, text: unknown) => parseStoredEntry(text, () => this.describeRow(namespace, key));
        return await rewriteEveryRow(db, { run: (step) => this.run(step), parse }, change);
      } finally {
        db.close();
      }
    });
  }

  /**
   * Runs `fn` while this process holds the cross-process section `key` of this database: calls with
   * the same key, through any connection in any process, run one at a time. The section is a lease
   * row in `sdk_storage_adapter_internal` (ignored by the Python SDK), claimed and renewed in short
   * transactions, so the database stays fully usable while `fn` runs (e.g. refreshes a token over
   * the network). A holder that dies releases it when its lease ends.
   *
   * @param key - Non-empty name of the section, e.g. `namespace + "/" + resourceServer`.
   * @param fn - The work; its result or error is passed on, and the section is released either way.
   * @returns What `fn` returns.
   * @throws {@link InvalidArgumentError} for an empty key or a read-only database.
   * @throws {@link StorageLockTimeoutError} if the section stays taken longer than `sectionTimeoutMs`.
   * @throws {@link StorageClosedError} after `close()`.
   */
  declare runExclusive: RunExclusive;
  /**
   * @returns Every namespace that holds at least one entry, sorted by code unit (SQLite's `BINARY`).
   * @throws {@link StorageClosedError} after `close()`.
   */
  declare listNamespaces: () => Promise<string[]>;
  /**
   * Walks every entry of every namespace (whatever this storage's namespace), sorted by namespace
   * and then resource server (SQLite's `BINARY`), a page at a time: memory stays small whatever
   * the size of the database. Each page is one query, so rows changed while walking may or may not
   * be seen. Each entry is checked on its own: an invalid one is yielded with its error rather than
   * thrown, so that one bad entry hides no other (for inspection and conversion tools).
   *
   * @returns The entries, one at a time.
   * @throws {@link TokenFileFormatError} if the file is not a token database (it is left unchanged).
   * @throws {@link StorageLockTimeoutError} if another connection holds the lock longer than the busy timeout.
   * @throws {@link StorageClosedError} (on iteration) after `close()`.
   */
  declare iterAllEntries: () => AsyncGenerator<StoredEntry>;

  /** One transaction, rows written as the Python SDK writes them; an empty list writes nothing. */
  protected override async writeEntries(entries: ReadonlyArray<readonly [string, TokenStorageData]>): Promise<void> {
    const rows = entries.map(([key, value]) => [checkedKey(key), toPythonJSON(value.toDict())] as const);
    const connection = this.connection ?? (await this.connect());
    if (rows.length === 0) return;
    await this.prepareWrite(connection);
    await this.run(() => connection.store.immediate(this.namespace, rows));
  }

  protected override async readEntries(): Promise<Record<string, TokenStorageData>> {
    const connection = this.connection ?? (await this.connect());
    const rows = await this.run(() => connection.getAll.all(this.namespace));
    const result: Record<string, TokenStorageData> = {};
    for (const [key, text] of rows as Array<[string, unknown]>) {
      setOwnEntry(result, key, this.parseRow(key, text));
    }
    return result;
  }

  /** A single indexed query. */
  protected override async readEntry(resourceServer: string): Promise<TokenStorageData | null> {
    checkedKey(resourceServer);
    const connection = this.connection ?? (await this.connect());
    const found = this.run(() => connection.getOne.get(this.namespace, resourceServer));
    // Awaited only when the database was locked: awaiting a plain value would cost a microtask turn.
    const text = found instanceof Promise ? await found : found;
    return text === undefined ? null : this.parseRow(resourceServer, text);
  }

  protected override async removeEntry(resourceServer: string): Promise<boolean> {
    checkedKey(resourceServer);
    const connection = this.connection ?? (await this.connect());
    await this.prepareWrite(connection);
    const result = await this.run(() => connection.remove.run(this.namespace, resourceServer));
    return result.changes > 0;
  }

  protected override async readNamespaces(): Promise<string[]> {
    const connection = this.connection ?? (await this.connect());
    return (await this.run(() => connection.namespaces.all())) as string[];
  }

  /**
   * Iterates the namespaces that hold entries, in the order of {@link SQLiteTokenStorage.listNamespaces},
   * fetching them a page at a time (each page is one query, so namespaces added or removed while
   * iterating may or may not be seen).
   *
   * @returns An async iterable of namespace names.
   * @throws {@link StorageClosedError} (on iteration) after `close()`.
   */
  iterNamespaces(): AsyncIterable<string> {
    return this.whileOpenEach(() => this.walkNamespaces());
  }

  private async *walkNamespaces(): AsyncGenerator<string> {
    for (let after: string | null = null; ; ) {
      const connection = this.connection ?? (await this.connect());
      const from = after;
      const page = (await this.run(() =>
        from === null ? connection.namespacesFirst.all(NAMESPACE_PAGE_SIZE) : connection.namespacesAfter.all(from, NAMESPACE_PAGE_SIZE),
      )) as string[];
      yield* page;
      if (page.length < NAMESPACE_PAGE_SIZE) return;
      after = page[page.length - 1] as string;
    }
  }

  protected override async *walkEntries(): AsyncGenerator<StoredEntry> {
    for (let after: [string, string] | null = null; ; ) {
      const connection = this.connection ?? (await this.connect());
      const from = after;
      const page = (await this.run(() =>
        from === null ? connection.entriesFirst.all(ENTRY_PAGE_SIZE) : connection.entriesAfter.all(from[0], from[1], ENTRY_PAGE_SIZE),
      )) as Array<[string, string, unknown]>;
      for (const [namespace, resourceServer, text] of page) {
        try {
          yield { namespace, resourceServer, data: parseStoredEntry(text, () => this.describeRow(namespace, resourceServer)), error: null };
        } catch (error) {
          if (!InvalidTokenDataError.isInstance(error)) throw error;
          yield { namespace, resourceServer, data: null, error };
        }
      }
      const last = page[page.length - 1];
      if (last === undefined || page.length < ENTRY_PAGE_SIZE) return;
      after = [last[0], last[1]];
    }
  }

  protected override async runInSection<T>(key: string, fn: () => Promise<T>): Promise<T> {
    if (this.readonlyMode) throw new InvalidArgumentError('runExclusive needs a writable database (connectParams.readonly is set)');
    const connection = this.connection ?? (await this.connect());
    await this.prepareWrite(connection);
    const sections = connection.sections as SectionStatements;
    const owner = randomUUID();
    const deadline = performance.now() + this.sectionTimeoutMs;
    for (
      let pause = 5;
      !(await this.run(() => sections.claim.immediate(key, newLease(owner, this.sectionLeaseMs))));
      pause = Math.min(pause * 2, 200)
    ) {
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        throw new StorageLockTimeoutError(
          `the section '${key}' of the token database '${this.filepath}' stayed taken for ${this.sectionTimeoutMs} ms`,
          {
            resource: `${this.filepath}#${key}`,
            timeoutMs: this.sectionTimeoutMs,
          },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, remaining)));
      this.closeSignal.throwIfAborted();
    }
    const heartbeat = setInterval(
      () => {
        try {
          sections.renew.immediate(key, newLease(owner, this.sectionLeaseMs));
        } catch {
          // Busy or closed: the next beat tries again, and the lease still has time left.
        }
      },
      Math.max(10, Math.floor(this.sectionLeaseMs / 3)),
    );
    heartbeat.unref();
    try {
      return await fn();
    } finally {
      clearInterval(heartbeat);
      if (connection.db.open) {
        // A release that fails (database busy for too long) only delays others until the lease ends.
        await Promise.resolve()
          .then(() => this.run(() => sections.release.run(attributeOf(key), owner)))
          .catch(() => undefined);
      }
    }
  }

  /**
   * Closes the storage. Idempotent; afterwards every call rejects with `StorageClosedError`. The
   * database connection, shared by the storages of this process on the same file, is closed when
   * the last of them closes.
   */
  override async close(): Promise<void> {
    await super.close();
    const shared = this.shared;
    this.shared = null;
    this.connection = null;
    this.parsed.clear();
    if (shared === null) return;
    unreleased.unregister(this);
    await shared.release();
  }

  /** Runs one atomic database step, waiting out other connections' locks and typing errors. */
  private run<T>(step: () => T): T | Promise<T> {
    try {
      const result = retryWhileBusy(step, this.busyRetry);
      return result instanceof Promise ? result.catch((error: unknown) => Promise.reject(toStorageError(error, this.filepath))) : result;
    } catch (error) {
      throw toStorageError(error, this.filepath);
    }
  }

  /**
   * Before the first write of a connection, checks the database's integrity, and converts a database
   * opened in another journal mode (the Python SDK leaves `delete`) to WAL: reading never changes the file.
   */
  private async prepareWrite(connection: Connection): Promise<void> {
    if (!connection.checked) {
      // SQLite notices damage only in the pages a statement visits, so a write may succeed on a file
      // that reads report as damaged, and the WAL conversion rewrites the header whatever follows.
      // A damaged database is refused before the first write, so that it stays byte for byte as it
      // was. (A whole-file check: about 70 ms for 100 000 tokens, once per connection.)
      const check = await this.run(() => connection.db.pragma('integrity_check(1)', { simple: true }));
      if (check !== 'ok') {
        throw new TokenFileFormatError(
          `'${this.filepath}' is not a readable SQLite token database (it fails SQLite's integrity check). It was left unchanged.`,
          {
            filePath: this.filepath,
          },
        );
      }
      connection.checked = true;
    }
    if (!connection.walPending) return;
    await this.run(() => connection.db.pragma('journal_mode = WAL'));
    connection.walPending = false;
  }

  private async connect(): Promise<Connection> {
    // Checked before a reference is taken: close() has given back whatever it found.
    this.closeSignal.throwIfAborted();
    if (this.shared === null) {
      const key = JSON.stringify([this.absolutePath, this.filepath, this.driverOptions, this.busyTimeoutMs]);
      this.shared = SharedConnection.acquire(key, { open: (assertWanted) => this.openConnection(assertWanted), close: closeConnection });
      // A storage dropped without close() still gives its reference back.
      unreleased.register(this, this.shared, this);
    }
    const connection = await this.shared.get();
    this.closeSignal.throwIfAborted();
    this.connection = connection;
    return connection;
  }

  private openDatabase(assertWanted: () => void) {
    return openTokenDatabase({
      filePath: this.absolutePath,
      displayPath: this.filepath,
      driverOptions: this.driverOptions,
      readonly: this.readonlyMode,
      mayCreate: this.mayCreate,
      busyTimeoutMs: this.busyTimeoutMs,
      writer: WRITER,
      beforeRetry: assertWanted,
    });
  }

  private async openConnection(assertWanted: () => void): Promise<Connection> {
    const { db, isWal, createdSideFiles } = await this.openDatabase(assertWanted);
    try {
      const replace = db.prepare<[string, string, string]>(
        'REPLACE INTO token_storage (namespace, resource_server, token_data_json) VALUES (?, ?, ?)',
      );
      return {
        db,
        walPending: !isWal && !this.readonlyMode,
        checked: false,
        createdSideFiles,
        filePath: this.absolutePath,
        driverOptions: this.driverOptions,
        getOne: db
          .prepare<[string, string], unknown>('SELECT token_data_json FROM token_storage WHERE namespace = ? AND resource_server = ?')
          .pluck(),
        // Rows whose keys are not text (BLOBs, or NULLs and numbers in a table without the Python
        // column types) cannot be looked up with a string, so they are not listed either.
        getAll: db
          .prepare<[string], unknown[]>(
            "SELECT resource_server, token_data_json FROM token_storage WHERE namespace = ? AND typeof(resource_server) = 'text'",
          )
          .raw(),
        remove: db.prepare<[string, string]>('DELETE FROM token_storage WHERE namespace = ? AND resource_server = ?'),
        namespaces: db
          .prepare<[], unknown>(`SELECT DISTINCT namespace FROM token_storage WHERE ${TEXT_NAMESPACE} ORDER BY namespace`)
          .pluck(),
        namespacesFirst: db
          .prepare<[number], unknown>(`SELECT DISTINCT namespace FROM token_storage WHERE ${TEXT_NAMESPACE} ORDER BY namespace LIMIT ?`)
          .pluck(),
        namespacesAfter: db
          .prepare<[string, number], unknown>(
            `SELECT DISTINCT namespace FROM token_storage WHERE ${TEXT_NAMESPACE} AND namespace > ? ORDER BY namespace LIMIT ?`,
          )
          .pluck(),
        entriesFirst: db
          .prepare<[number], unknown[]>(
            `SELECT namespace, resource_server, token_data_json FROM token_storage WHERE ${TEXT_ENTRY} ORDER BY namespace, resource_server LIMIT ?`,
          )
          .raw(),
        entriesAfter: db
          .prepare<[string, string, number], unknown[]>(
            `SELECT namespace, resource_server, token_data_json FROM token_storage WHERE ${TEXT_ENTRY} AND (namespace, resource_server) > (?, ?) ORDER BY namespace, resource_server LIMIT ?`,
          )
          .raw(),
        store: db.transaction((namespace: string, rows: ReadonlyArray<readonly [string, string]>) => {
          for (const [key, text] of rows) replace.run(namespace, key, text);
        }),
        sections: this.readonlyMode ? null : prepareSectionStatements(db),
      };
    } catch (error) {
      db.close();
      throw toStatementError(error, this.filepath);
    }
  }

  /** Turns one stored row of this namespace into token data (reused while its text is unchanged). */
  private parseRow(resourceServer: string, text: unknown): TokenStorageData {
    return this.parsed.parse(resourceServer, text, () => this.describeRow(this.namespace, resourceServer));
  }

  /** Names a row in messages. */
  private describeRow(namespace: string, resourceServer: string): string {
    return `the token data of '${resourceServer}' in namespace '${namespace}' of '${this.filepath}'`;
  }
}

/** Gives back the shared connection of a storage collected without `close()`. */
const unreleased = new FinalizationRegistry<SharedConnection<Connection>>((shared) => {
  void shared.release();
});

function closeConnection(connection: Connection): void {
  connection.db.close();
  if (connection.createdSideFiles) removeSideFiles(connection.filePath, connection.driverOptions);
}

function checkConnectParams(value: unknown): SQLiteConnectParams & { timeout?: number } {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw new InvalidArgumentError("'connectParams' must be an object");
  const params = value as SQLiteConnectParams;
  assertKnownOptions(params, ['readonly', 'fileMustExist', 'timeout', 'nativeBinding', 'verbose'], 'SQLiteTokenStorage connectParams');
  for (const key of ['readonly', 'fileMustExist'] as const) {
    if (params[key] !== undefined && typeof params[key] !== 'boolean')
      throw new InvalidArgumentError(`'connectParams.${key}' must be a boolean`);
  }
  if (params.verbose !== undefined) {
    throw new InvalidArgumentError(
      "'connectParams.verbose' is not supported: it would log every statement with its values, tokens included",
    );
  }
  if (params.nativeBinding !== undefined && typeof params.nativeBinding !== 'string') {
    throw new InvalidArgumentError("'connectParams.nativeBinding' must be a string");
  }
  return params.timeout === undefined
    ? { ...params }
    : { ...params, timeout: checkedMilliseconds(params.timeout, 'connectParams.timeout') };
}

/** A resource server key SQLite can store as itself (UTF-8 text); see `assertWellFormedText`. */
function checkedKey(key: string): string {
  assertWellFormedText(key, 'resource server');
  return key;
}
