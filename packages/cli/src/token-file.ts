import { open, readFile, stat } from 'node:fs/promises';
import { ErrorCodes, TokenStorageError, type TokenStorageData, type TokenStorageLike } from '@globus-tokenstorage/core';
import { findDeepJSONNesting, MAX_JSON_DEPTH } from '@globus-tokenstorage/core/node';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { LEGACY_VERSION_KEY, SimpleJSONFileAdapter } from '@globus-tokenstorage/legacy-file-adapter';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { CliError, ExitCodes } from './cli-error';
import { openPostgres } from './postgres-file';
import { isPostgresUrl } from './postgres-target';

/** The kinds of token file the CLI reads (a PostgreSQL token table counts as one). */
export type TokenFileKind = 'json' | 'sqlite' | 'legacy-simple' | 'postgres';

const SQLITE_MAGIC = 'SQLite format 3\u0000';

/** A token file of any kind, opened through the matching backend. */
export interface TokenFile {
  /** The file, or the PostgreSQL URL without its password: safe to show. */
  readonly path: string;
  readonly kind: TokenFileKind;
  /** Every namespace with data. */
  listNamespaces(): Promise<string[]>;
  /** The entries of a namespace by resource server. */
  read(namespace: string): Promise<Record<string, TokenStorageData>>;
  /** A storage on the file in `namespace` (not for legacy files). */
  storage(namespace: string): TokenStorageLike;
  /** Closes every storage opened. */
  close(): Promise<void>;
}

/**
 * Works out what kind of token file `path` is: PostgreSQL for a `postgres://` URL, SQLite by its
 * header, the legacy single-token file by its version key, JSON otherwise.
 *
 * @throws {@link CliError} with `FILE_NOT_FOUND` if it does not exist.
 */
export async function detectKind(path: string): Promise<TokenFileKind> {
  if (isPostgresUrl(path)) return 'postgres';
  await requireFile(path);
  const handle = await open(path, 'r');
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
    // Not JSON: JSONTokenStorage reports it with a typed error naming the file.
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
    storage,
    close: async () => {
      for (const opened of storages.values()) await opened.close();
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

/** @throws {@link CliError} `FILE_NOT_FOUND` when `path` is missing or not a file. */
export async function requireFile(path: string): Promise<void> {
  try {
    if (!(await stat(path)).isFile()) throw new CliError(`'${path}' is not a file`, ExitCodes.FILE_NOT_FOUND);
  } catch (error) {
    if (error instanceof CliError) throw error;
    throw new CliError(`no such file: '${path}'`, ExitCodes.FILE_NOT_FOUND);
  }
}

/** Turns a library error into the CLI's exit code (token files that cannot be read → BAD_FILE). */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (!TokenStorageError.isInstance(error)) return 1;
  const badFile: string[] = [ErrorCodes.TOKEN_FILE_FORMAT, ErrorCodes.UNSUPPORTED_FORMAT_VERSION, ErrorCodes.INVALID_TOKEN_DATA];
  if (badFile.includes(error.code)) return ExitCodes.BAD_FILE;
  if (error.code === ErrorCodes.INVALID_ARGUMENT) return ExitCodes.USAGE;
  return 1;
}
