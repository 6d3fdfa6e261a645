import { open, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { TokenFileFormatError, TokenStorageError, UnsupportedFormatVersionError } from '@globus-tokenstorage/core';
import { assertRegularFile, ensurePrivateDirectory, openRegularFile, PRIVATE_FILE_MODE } from '@globus-tokenstorage/core/node';
import { retryWhileBusy } from './retry-while-busy';
import { toStorageError, toWalReadError } from './sqlite-errors';
import { createSchema, inspectSchema, type SchemaState } from './sqlite-schema';

/** What {@link openTokenDatabase} needs. */
export interface OpenTokenDatabaseOptions {
  /** The database file, absolute. */
  filePath: string;
  /** The file as the caller named it, for messages. */
  displayPath: string;
  /** better-sqlite3 options passed through (the busy timeout is handled by {@link retryWhileBusy}). */
  driverOptions: Readonly<Record<string, unknown>>;
  /** Open read-only: never create, initialise or convert anything. */
  readonly: boolean;
  /** Create missing parent directories (`0700`) and the file (`0600`). */
  mayCreate: boolean;
  /** How long to wait for other connections' locks, in milliseconds. */
  busyTimeoutMs: number;
  /** The `globus-sdk.version` value written into a new database. */
  writer: string;
  /** Called before each retry of a locked step; throws to abandon the open. */
  beforeRetry: () => void;
}

/** A connection made by {@link openTokenDatabase}. */
export interface OpenedTokenDatabase {
  db: Database.Database;
  /** Whether the database is in WAL mode (one it initialised always is; an existing one is not converted here). */
  isWal: boolean;
  /**
   * A read-only connection to a WAL database made its `-wal` and `-shm` files, which it cannot
   * remove on close: {@link removeSideFiles} does once it is closed.
   */
  createdSideFiles: boolean;
}

/**
 * Opens (creating if allowed) a token database and checks it is one before changing anything.
 *
 * 1. The file is created empty with mode `0600` before SQLite sees it, so SQLite never creates it
 *    with the umask's mode; SQLite gives its `-wal`/`-shm`/`-journal` side files the database
 *    file's mode.
 * 2. A read-only connection inspects the schema. It cannot roll back a hot journal, checkpoint a
 *    WAL or write anything, so a foreign or non-SQLite file stays byte-for-byte as it was. (A file
 *    with a hot journal, left by a writer that died mid-transaction, is checked after the writable
 *    connection has rolled that transaction back, as any SQLite client would.)
 * 3. Only then a writable connection initialises an empty database (re-checking inside the write
 *    transaction, as another process may be initialising it at the same moment) and switches it to
 *    WAL so several processes can share it. An existing database is not changed here (reading
 *    never writes); the storage converts it to WAL before its first write.
 *
 * @returns The connection (read-only if `readonly`) and whether it is in WAL mode.
 * @throws {@link TokenFileFormatError} for a file that is not a token database (left unchanged).
 * @throws {@link UnsupportedFormatVersionError} for a token database of an unknown schema version.
 * @throws {@link StorageLockTimeoutError} if other connections kept it locked too long.
 * @throws {@link TokenFileAccessError} for a path that is not a regular file (a directory, a FIFO), or
 *   a WAL database that cannot be read in a directory this user may not write to.
 * @throws {@link TokenStorageError} for other I/O failures (missing file with `fileMustExist`, permissions…).
 */
export async function openTokenDatabase(options: OpenTokenDatabaseOptions): Promise<OpenedTokenDatabase> {
  const { displayPath } = options;
  const retry = { timeoutMs: options.busyTimeoutMs, resource: displayPath, beforeRetry: options.beforeRetry };
  await prepareFile(options);

  const hadSideFiles = await sideFilesExist(options.filePath, displayPath);
  const probe = connect(options, { readonly: true });
  let state: SchemaState | typeof HOT_JOURNAL;
  try {
    state = await retryWhileBusy(() => inspectOrFindHotJournal(probe), retry);
    if (state !== HOT_JOURNAL) assertUsable(state, displayPath);
    if (state !== HOT_JOURNAL && state.kind === 'empty') await assertEmptyOrSQLite(options.filePath, displayPath);
    if (options.readonly) {
      if (state === HOT_JOURNAL) {
        throw new TokenStorageError(
          `the token database '${displayPath}' holds an interrupted transaction that must be rolled back, which read-only mode cannot do: open it once without connectParams.readonly`,
        );
      }
      if (state.kind === 'empty') {
        throw new TokenFileFormatError(`'${displayPath}' holds no token tables, and read-only mode cannot create them`, {
          filePath: displayPath,
        });
      }
      return { db: probe, isWal: false, createdSideFiles: !hadSideFiles && (await sideFilesExist(options.filePath, displayPath)) };
    }
  } catch (error) {
    probe.close();
    // A refused file is left as it was found, without the side files the probe made.
    if (!hadSideFiles && (await sideFilesExist(options.filePath, displayPath))) removeSideFiles(options.filePath, options.driverOptions);
    throw toWalReadError(error, displayPath) ?? toStorageError(error, displayPath);
  }
  probe.close();

  const db = connect(options, { readonly: false });
  try {
    if (state === HOT_JOURNAL) {
      // A writer died mid-transaction (rollback-journal mode, e.g. the Python SDK's files). The first
      // read through a writable connection rolls it back, as any SQLite client does; then check.
      state = await retryWhileBusy(() => inspectSchema(db), retry);
      assertUsable(state, displayPath);
    }
    let journalMode: unknown;
    if (state.kind === 'empty') {
      const initialise = db.transaction(() => {
        const current = inspectSchema(db);
        if (current.kind === 'empty') createSchema(db, options.writer);
        else assertUsable(current, displayPath);
      });
      await retryWhileBusy(() => initialise.immediate(), retry);
      journalMode = await retryWhileBusy(() => db.pragma('journal_mode = WAL', { simple: true }), retry);
    } else {
      journalMode = await retryWhileBusy(() => db.pragma('journal_mode', { simple: true }), retry);
    }
    // WAL defaults to synchronous=NORMAL in this build, which can lose the last commits on power
    // loss; a lost rotated refresh token means logging in again, so pay for the fsync.
    db.pragma('synchronous = FULL');
    return { db, isWal: journalMode === 'wal', createdSideFiles: false };
  } catch (error) {
    db.close();
    throw toStorageError(error, displayPath);
  }
}

/**
 * Lets SQLite remove the `-wal` and `-shm` files a read-only connection created and could not remove
 * (read-only inspection must leave no file behind): a writable connection that reads and closes
 * removes them when it is the last connection to the database, under SQLite's own locks, so never
 * while another connection uses them. The database's content is not changed (its WAL was empty, or
 * it would have existed before). Best effort: without write permission the files stay.
 *
 * @param filePath - The database file.
 * @param driverOptions - better-sqlite3 options of the storage (its `nativeBinding`).
 */
export function removeSideFiles(filePath: string, driverOptions: Readonly<Record<string, unknown>>): void {
  try {
    const db = new Database(filePath, { ...driverOptions, readonly: false, fileMustExist: true, timeout: 0 });
    try {
      db.pragma('schema_version', { simple: true });
    } finally {
      db.close();
    }
  } catch {
    // Busy, or not writable: the next writer's close removes them.
  }
}

/**
 * Whether the database's `-wal` or `-shm` file exists. Something that is not a regular file in
 * place of a side file (`-journal` included) is refused: SQLite would wait for ever reading a FIFO.
 */
async function sideFilesExist(filePath: string, displayPath: string): Promise<boolean> {
  const found = await Promise.all(
    ['-wal', '-shm', '-journal'].map(async (suffix) => {
      const sideFile = `${filePath}${suffix}`;
      const stats = await stat(sideFile).catch(() => undefined);
      if (stats === undefined) return false;
      try {
        assertRegularFile(stats, sideFile);
      } catch (error) {
        throw toStorageError(error, displayPath);
      }
      return suffix !== '-journal';
    }),
  );
  return found.includes(true);
}

/**
 * Creates the file if allowed, and refuses anything but a regular file before SQLite opens it: a
 * directory fails deep inside SQLite (`SQLITE_IOERR_READ`), a FIFO blocks the main thread for ever.
 * SQLite opens the path itself, so a FIFO swapped in between this check and its open is not caught:
 * whoever can do that can also replace or remove the database, so the check guards against
 * mistakes, not against the owner of the directory.
 */
async function prepareFile(options: OpenTokenDatabaseOptions): Promise<void> {
  try {
    if (options.mayCreate) {
      await ensurePrivateDirectory(dirname(options.filePath));
      await createPrivateFile(options.filePath);
    }
    assertRegularFile(await stat(options.filePath), options.filePath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !options.mayCreate) {
      throw new TokenStorageError(
        `the token database '${options.displayPath}' does not exist (connectParams.readonly or fileMustExist is set)`,
        {
          cause: error,
        },
      );
    }
    throw toStorageError(error, options.displayPath);
  }
}

/** Creates an empty `0600` file (whatever the umask) unless something already exists there. */
async function createPrivateFile(filePath: string): Promise<void> {
  let handle;
  try {
    handle = await open(filePath, 'wx', PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw error;
  }
  try {
    await handle.chmod(PRIVATE_FILE_MODE);
  } finally {
    await handle.close();
  }
}

function connect(options: OpenTokenDatabaseOptions, mode: { readonly: boolean }): Database.Database {
  try {
    // timeout 0: waiting for locks happens in retryWhileBusy, off the event loop.
    return new Database(options.filePath, { ...options.driverOptions, readonly: mode.readonly, fileMustExist: true, timeout: 0 });
  } catch (error) {
    throw toStorageError(error, options.displayPath);
  }
}

const SQLITE_MAGIC = Buffer.from('SQLite format 3\u0000', 'latin1');

/**
 * SQLite reads a one-byte file as an empty database, which would then be initialised over whatever
 * it held: only a file that is really empty, or a SQLite database without tables, is.
 */
async function assertEmptyOrSQLite(filePath: string, displayPath: string): Promise<void> {
  const { handle } = await openRegularFile(filePath);
  try {
    const header = Buffer.alloc(SQLITE_MAGIC.length);
    const { bytesRead } = await handle.read(header, 0, header.length, 0);
    if (bytesRead === 0 || header.equals(SQLITE_MAGIC)) return;
  } finally {
    await handle.close();
  }
  throw new TokenFileFormatError(
    `'${displayPath}' is not a token database: it is neither empty nor a SQLite file. It was left unchanged.`,
    {
      filePath: displayPath,
    },
  );
}

/** Marks a database whose schema cannot be read before an interrupted transaction is rolled back. */
const HOT_JOURNAL = Symbol('hot journal');

function inspectOrFindHotJournal(probe: Database.Database): SchemaState | typeof HOT_JOURNAL {
  try {
    return inspectSchema(probe);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'SQLITE_READONLY_ROLLBACK') return HOT_JOURNAL;
    throw error;
  }
}

function assertUsable(state: SchemaState, displayPath: string): void {
  if (state.kind === 'foreign') {
    throw new TokenFileFormatError(`'${displayPath}' is not a token database: ${state.reason}. It was left unchanged.`, {
      filePath: displayPath,
    });
  }
  if (state.kind === 'unsupported') {
    throw new UnsupportedFormatVersionError(
      `'${displayPath}' has database_schema_version ${JSON.stringify(state.schemaVersion)}; this version reads schema 1 and 2. It was left unchanged.`,
      { filePath: displayPath, formatVersion: state.schemaVersion },
    );
  }
}
