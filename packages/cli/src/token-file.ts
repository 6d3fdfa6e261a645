import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import Database from 'better-sqlite3';
import { InvalidArgumentError, InvalidTokenDataError, type TokenStorageData, type TokenStorageLike } from '@globus-tokenstorage/core';
import { findDeepJSONNesting, MAX_JSON_DEPTH, openRegularFile, toTokenFileAccessError } from '@globus-tokenstorage/core/node';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { LEGACY_VERSION_KEY, SimpleJSONFileAdapter } from '@globus-tokenstorage/legacy-file-adapter';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { CliError, ExitCodes } from './cli-error';
import { openPostgres } from './postgres-file';
import { isPostgresUrl } from './postgres-target';

/** The kinds of token file the CLI reads (a PostgreSQL token table counts as one). */
export type TokenFileKind = 'json' | 'sqlite' | 'legacy-simple' | 'postgres';

const SQLITE_MAGIC = 'SQLite format 3\u0000';
/** Names of SQLite files, also used to tell the kind of a damaged file. */
export const SQLITE_EXTENSIONS: readonly string[] = ['.db', '.sqlite', '.sqlite3'];

/** One entry of a namespace: its token data, or why it is invalid. */
export type FileEntry = { key: string; data: TokenStorageData; problem: null } | { key: string; data: null; problem: string };

/** A token file of any kind, opened through the matching backend. */
export interface TokenFile {
  /** The file, or the PostgreSQL URL without its password: safe to show. */
  readonly path: string;
  readonly kind: TokenFileKind;
  /** Every namespace with data. */
  listNamespaces(): Promise<string[]>;
  /** The entries of a namespace by resource server. */
  read(namespace: string): Promise<Record<string, TokenStorageData>>;
  /** The entries of a namespace, each read on its own when one is invalid, so that one bad entry hides no other. */
  readEntries(namespace: string): Promise<FileEntry[]>;
  /** A storage on the file in `namespace` (not for legacy files). */
  storage(namespace: string): TokenStorageLike;
  /** Closes every storage opened. */
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
export async function detectKind(path: string): Promise<TokenFileKind> {
  if (isPostgresUrl(path)) return 'postgres';
  const handle = await openFile(path);
  try {
    const header = Buffer.alloc(SQLITE_MAGIC.length);
    await handle.read(header, 0, header.length, 0);
    if (header.toString('latin1') === SQLITE_MAGIC) return 'sqlite';
  } finally {
    await handle.close();
  }
  try {
    const parsed = parseJSONFile(await readFile(path, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && !('format_version' in parsed) && LEGACY_VERSION_KEY in parsed) return 'legacy-simple';
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
  const read = (namespace: string) => storage(namespace).getTokenDataByResourceServer();
  return {
    path,
    kind,
    listNamespaces: () => storage('DEFAULT').listNamespaces(),
    read,
    readEntries: (namespace) =>
      readEntriesOneByOne(read(namespace), async () => (kind === 'sqlite' ? sqliteKeys(path, namespace) : jsonKeys(path, namespace)), storage(namespace)),
    storage,
    close: async () => {
      // The first read-only SQLite connection made the -wal/-shm files and removes them on close,
      // if it is the last connection: close it last.
      for (const opened of [...storages.values()].reverse()) await opened.close();
    },
  };
}

/**
 * The entries of a namespace: all at once, or, when one is invalid, one by one (the storages check
 * only the entry `getTokenData` returns), with the keys listed from the file itself.
 */
export async function readEntriesOneByOne(all: Promise<Record<string, TokenStorageData>>, keys: () => Promise<string[]>, storage: TokenStorageLike): Promise<FileEntry[]> {
  try {
    return Object.entries(await all).map(([key, data]) => ({ key, data, problem: null }));
  } catch (error) {
    if (!InvalidTokenDataError.isInstance(error)) throw error;
  }
  const entries: FileEntry[] = [];
  for (const key of await keys()) {
    try {
      const data = await storage.getTokenData(key);
      if (data !== null) entries.push({ key, data, problem: null });
    } catch (error) {
      // A key no storage can look up (the empty name) is as unreadable as an invalid entry.
      if (!InvalidTokenDataError.isInstance(error) && !InvalidArgumentError.isInstance(error)) throw error;
      entries.push({ key, data: null, problem: error.message });
    }
  }
  return entries;
}

/** The resource servers of a namespace of a JSON token file (format 2.0, or 1.0 for `DEFAULT`), unchecked. */
async function jsonKeys(path: string, namespace: string): Promise<string[]> {
  const root = parseJSONFile(await readFile(path, 'utf8')) as { format_version?: unknown; by_rs?: unknown; data?: Record<string, unknown> };
  const entries = root.format_version === '1.0' ? (namespace === 'DEFAULT' ? root.by_rs : undefined) : root.data?.[namespace];
  return typeof entries === 'object' && entries !== null ? Object.keys(entries) : [];
}

/** The resource servers of a namespace of a SQLite token database, unchecked (read-only; the storage already checked the file). */
function sqliteKeys(path: string, namespace: string): string[] {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare<[string], string>("SELECT resource_server FROM token_storage WHERE namespace = ? AND typeof(resource_server) = 'text'")
      .pluck()
      .all(namespace);
  } finally {
    db.close();
  }
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
    readEntries: async (namespace) => {
      const data = namespace === 'DEFAULT' ? await adapter.readTokenData() : null;
      return data ? [{ key: data.resourceServer, data, problem: null }] : [];
    },
    storage: () => {
      throw new CliError(`'${path}' is a legacy single-token file; run 'globus-tokens migrate ${path}' first`, ExitCodes.REFUSED);
    },
    close: async () => undefined,
  };
}

/**
 * `JSON.parse` of a file's text, refusing first a big text that nests deeper than a token file can
 * (JSON.parse would spend gigabytes on it). Its errors may quote the text: never show them.
 *
 * @throws {@link SyntaxError} for anything that is not JSON.
 */
export function parseJSONFile(text: string): unknown {
  if (findDeepJSONNesting(text) >= 0) throw new SyntaxError(`values nest deeper than ${MAX_JSON_DEPTH} levels`);
  return JSON.parse(text) as unknown;
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
