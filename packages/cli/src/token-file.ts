import { readFile, type FileHandle } from 'node:fs/promises';
import { extname } from 'node:path';
import type { StoredEntry, TokenStorageData, TokenStorageLike } from '@globus-tokenstorage/core';
import { parseBoundedJSON, setOwnEntry } from '@globus-tokenstorage/core/backend';
import { openRegularFile, toTokenFileAccessError } from '@globus-tokenstorage/core/node';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { LEGACY_VERSION_KEY, SimpleJSONFileAdapter } from '@globus-tokenstorage/legacy-file-adapter';
import { PostgresTokenStorage } from '@globus-tokenstorage/postgres';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { CliError, ExitCodes } from './cli-error';
import { poolFor } from './postgres-file';
import { isPostgresUrl, parsePostgresTarget } from './postgres-target';

/**
 * The kinds of store the CLI reads: a file of one backend, or a PostgreSQL token table. (The formats
 * of a JSON token file are core's `StoreKind`.)
 */
export type StoreKind = 'json' | 'sqlite' | 'legacy-simple' | 'postgres';

const SQLITE_MAGIC = 'SQLite format 3\u0000';
/** Names of SQLite files, also used to tell the kind of a damaged file. */
export const SQLITE_EXTENSIONS: readonly string[] = ['.db', '.sqlite', '.sqlite3'];

/** A token file of any kind, opened through the matching backend. */
export interface TokenFile {
  /** The file, or the PostgreSQL URL without its password: safe to show. */
  readonly path: string;
  readonly kind: StoreKind;
  /** Every namespace with data. */
  listNamespaces(): Promise<string[]>;
  /** The entries of a namespace by resource server. */
  read(namespace: string): Promise<Record<string, TokenStorageData>>;
  /**
   * Every entry of every namespace, from one walk of the store (namespaces in `listNamespaces`
   * order); an invalid entry comes with its error, so that one bad entry hides no other.
   */
  entries(): AsyncIterable<StoredEntry>;
  /** A storage on the file in `namespace` (not for legacy files). */
  storage(namespace: string): TokenStorageLike;
  /** Closes every storage opened; idempotent. */
  close(): Promise<void>;
}

/**
 * Works out what kind of token file `path` is: PostgreSQL for a `postgres://` URL, SQLite by its
 * header, the legacy single-token file by its version key, JSON otherwise. Content that is neither
 * SQLite nor JSON (a damaged file) is taken for what its extension says (`.db`, `.sqlite`,
 * `.sqlite3`: SQLite), so that the error describes the kind of file the user has.
 *
 * @throws {@link CliError} with `FILE_NOT_FOUND` if it does not exist.
 * @throws {@link TokenFileAccessError} if it cannot be read, or is not a regular file.
 */
export async function detectKind(path: string): Promise<StoreKind> {
  if (isPostgresUrl(path)) return 'postgres';
  const handle = await openFile(path);
  try {
    const header = Buffer.alloc(SQLITE_MAGIC.length);
    await handle.read(header, 0, header.length, 0);
    if (header.toString('latin1') === SQLITE_MAGIC) return 'sqlite';
    // Parsing a big token file only to find it is not a legacy one would double what reading it costs.
    if (!SQLITE_EXTENSIONS.includes(extname(path).toLowerCase()) && !(await mayHoldLegacyKey(handle))) return 'json';
  } finally {
    await handle.close();
  }
  try {
    const parsed = parseBoundedJSON(await readFile(path, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && !('format_version' in parsed) && LEGACY_VERSION_KEY in parsed)
      return 'legacy-simple';
  } catch {
    // Damaged: the backend of the kind the name says reports it with a typed error naming the file.
    if (SQLITE_EXTENSIONS.includes(extname(path).toLowerCase())) return 'sqlite';
  }
  return 'json';
}

/**
 * Opens a token file of any kind.
 *
 * @param path - The file, or a `postgres://` URL (its tables are never created here).
 * @param options - `readOnly` opens SQLite files read-only (inspection commands change nothing).
 */
export async function openTokenFile(path: string, options: { readOnly?: boolean } = {}): Promise<TokenFile> {
  const kind = await detectKind(path);
  if (kind === 'postgres') return openPostgres(path);
  if (kind === 'legacy-simple') return openLegacy(path);
  const storages = new Map<string, JSONTokenStorage | SQLiteTokenStorage>();
  const storage = (namespace: string) => {
    let opened = storages.get(namespace);
    if (!opened) {
      opened =
        kind === 'sqlite'
          ? new SQLiteTokenStorage(path, { namespace, ...(options.readOnly ? { connectParams: { readonly: true } } : {}) })
          : new JSONTokenStorage(path, { namespace });
      storages.set(namespace, opened);
    }
    return opened;
  };
  return {
    path,
    kind,
    listNamespaces: () => storage('DEFAULT').listNamespaces(),
    read: (namespace) => storage(namespace).getTokenDataByResourceServer(),
    entries: () => storage('DEFAULT').iterAllEntries(),
    storage,
    close: async () => {
      // The first read-only SQLite connection made the -wal/-shm files and removes them on close,
      // if it is the last connection: close it last.
      for (const opened of [...storages.values()].reverse()) await opened.close();
    },
  };
}

/**
 * Reads a whole store in one walk, namespace by namespace.
 *
 * @returns The entries of each namespace by resource server, namespaces in the walk's order.
 * @throws {@link InvalidTokenDataError} for the first invalid entry.
 */
export async function readAllNamespaces(file: TokenFile): Promise<Map<string, Record<string, TokenStorageData>>> {
  const namespaces = new Map<string, Record<string, TokenStorageData>>();
  for await (const entry of file.entries()) {
    if (entry.data === null) throw entry.error;
    let entries = namespaces.get(entry.namespace);
    if (entries === undefined) {
      entries = {};
      namespaces.set(entry.namespace, entries);
    }
    setOwnEntry(entries, entry.resourceServer, entry.data);
  }
  return namespaces;
}

/**
 * Whether a file may hold the legacy single-token file's version key: its text, or an escape
 * (`\`), which could spell it otherwise. Read in pieces, so that a big file costs no copy of it.
 */
async function mayHoldLegacyKey(handle: FileHandle): Promise<boolean> {
  const key = Buffer.from(`"${LEGACY_VERSION_KEY}"`);
  const piece = Buffer.alloc(1024 * 1024);
  let kept = 0;
  for (let position = 0; ; ) {
    const { bytesRead } = await handle.read(piece, kept, piece.length - kept, position);
    if (bytesRead === 0) return false;
    const filled = piece.subarray(0, kept + bytesRead);
    if (filled.includes(0x5c) || filled.includes(key)) return true;
    position += bytesRead;
    // The key may straddle two pieces: keep the tail that could start it.
    kept = Math.min(key.length - 1, filled.length);
    filled.copy(piece, 0, filled.length - kept);
  }
}

/**
 * A PostgreSQL token table as a token file: every namespace through one pool. Nothing is created:
 * a database without the table is reported, not changed.
 *
 * @param url - `postgres://user:password@host:port/database?schema=S&table=T`.
 */
function openPostgres(url: string): TokenFile {
  const target = parsePostgresTarget(url);
  const pool = poolFor(target);
  const storages = new Map<string, PostgresTokenStorage>();
  const storage = (namespace: string) => {
    let opened = storages.get(namespace);
    if (!opened) {
      opened = new PostgresTokenStorage(pool, { namespace, schema: target.schema, table: target.table, createTables: false });
      storages.set(namespace, opened);
    }
    return opened;
  };
  return {
    path: target.display,
    kind: 'postgres',
    listNamespaces: () => storage('DEFAULT').listNamespaces(),
    read: (namespace) => storage(namespace).getTokenDataByResourceServer(),
    entries: () => storage('DEFAULT').iterAllEntries(),
    storage,
    close: async () => {
      for (const opened of storages.values()) await opened.close();
      // Idempotent, as the other kinds' close: pg refuses a second end().
      if (!pool.ended) await pool.end();
    },
  };
}

function openLegacy(path: string): TokenFile {
  const adapter = new SimpleJSONFileAdapter(path, { resourceServer: 'unused' });
  return {
    path,
    kind: 'legacy-simple',
    listNamespaces: async () => ['DEFAULT'],
    read: async (namespace) => {
      const data = namespace === 'DEFAULT' ? await adapter.readTokenData() : null;
      return data ? { [data.resourceServer]: data } : {};
    },
    entries: async function* () {
      const data = await adapter.readTokenData();
      if (data) yield { namespace: 'DEFAULT', resourceServer: data.resourceServer, data, error: null };
    },
    storage: () => {
      throw new CliError(`'${path}' is a legacy single-token file; run 'globus-tokens migrate ${path}' first`, ExitCodes.REFUSED);
    },
    close: async () => undefined,
  };
}

/**
 * Opens a token file for reading, only if it is a regular file: a FIFO is refused, not waited on.
 *
 * @throws {@link CliError} `FILE_NOT_FOUND` when `path` does not exist.
 * @throws {@link TokenFileAccessError} (as the storages throw it) when it cannot be read: no
 *   permission, a directory or FIFO, a loop of symbolic links…
 */
async function openFile(path: string) {
  try {
    return (await openRegularFile(path)).handle;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`no such file: '${path}'`, ExitCodes.FILE_NOT_FOUND);
    throw toTokenFileAccessError(error, path, 'read');
  }
}
