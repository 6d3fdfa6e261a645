import { TokenFileAccessError, TokenFileFormatError, TokenStorageError } from '@globus-tokenstorage/core';
import { dirname } from 'node:path';
import { toTokenFileAccessError } from '@globus-tokenstorage/core/node';

/** The `code` of an error thrown by SQLite (through better-sqlite3) or by `node:fs`, if it has one. */
function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * Whether SQLite refused because another connection holds a lock (`SQLITE_BUSY*`, `SQLITE_LOCKED*`):
 * the operation can be retried.
 *
 * @param error - Anything caught.
 * @returns `true` for a lock conflict.
 */
export function isBusyError(error: unknown): boolean {
  const code = codeOf(error);
  return code !== undefined && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/**
 * Turns an error of SQLite or of the file system into this project's typed errors. SQLite's and
 * Node's messages name files, tables and columns, never bound values, so they are safe as `cause`.
 *
 * @param error - Anything caught while using the database.
 * @param filePath - The database file, named in the message.
 * @returns A `TokenStorageError` (returned unchanged if it already is one): `TokenFileFormatError`
 *   for a file that is not a token database, `TokenFileAccessError` for one that cannot be opened or
 *   written (read-only, permissions, a full disk); or `error` itself when it is neither a SQLite nor
 *   a file system error (a programming error).
 */
export function toStorageError(error: unknown, filePath: string): unknown {
  if (TokenStorageError.isInstance(error)) return error;
  const code = codeOf(error);
  if (code === undefined) return error;
  // A header declaring a schema format newer than SQLite knows comes as a plain SQLITE_ERROR.
  const unsupportedFormat = code === 'SQLITE_ERROR' && (error as { message?: unknown }).message === 'unsupported file format';
  if (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB' || unsupportedFormat) {
    return new TokenFileFormatError(`'${filePath}' is not a readable SQLite token database (${code})`, { filePath, cause: error });
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new TokenFileAccessError(`the token database '${filePath}' cannot be written: it is read-only (${code})`, {
      filePath,
      cause: error,
    });
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM' || code === 'SQLITE_FULL') {
    return new TokenFileAccessError(`the token database '${filePath}' cannot be opened or written (${code})`, { filePath, cause: error });
  }
  if (code.startsWith('SQLITE_')) {
    return new TokenStorageError(`SQLite failed on the token database '${filePath}' (${code})`, { cause: error });
  }
  return toTokenFileAccessError(error, filePath, 'use');
}

/**
 * The error of preparing this package's statements on a database whose token tables are ours: a
 * plain `SQLITE_ERROR` there means another schema object (a trigger or view on the token table)
 * cannot be compiled, e.g. one referring to a column that does not exist: the file is damaged.
 *
 * @param error - What `prepare` threw.
 * @param filePath - The database file, named in the message.
 * @returns A `TokenFileFormatError` for `SQLITE_ERROR`, else what {@link toStorageError} makes of it.
 */
export function toStatementError(error: unknown, filePath: string): unknown {
  if (codeOf(error) !== 'SQLITE_ERROR') return toStorageError(error, filePath);
  return new TokenFileFormatError(
    `'${filePath}' is not a usable SQLite token database: an object of its schema cannot be compiled (SQLITE_ERROR); it is left unchanged`,
    {
      filePath,
      cause: error,
    },
  );
}

/**
 * The error of a read that SQLite refused with `SQLITE_READONLY_DIRECTORY`: to read a database in
 * WAL mode it needs its `-shm` file, which it creates next to the database when missing (the last
 * connection to close removes it), so the directory must be writable even to read. Reading without
 * it (SQLite's `immutable` option) is not done: that skips SQLite's locks and change detection, so a
 * write by another process (one with more rights, or after the directory is made writable) could be
 * read half-done, or its committed transactions ignored.
 *
 * @param error - An error of the read-only connection that inspects the database.
 * @param filePath - The database file, named in the message.
 * @returns The `TokenFileAccessError` to throw, or `undefined` for any other error.
 */
export function toWalReadError(error: unknown, filePath: string): TokenFileAccessError | undefined {
  if (codeOf(error) !== 'SQLITE_READONLY_DIRECTORY') return undefined;
  return new TokenFileAccessError(
    `the token database '${filePath}' cannot be read here: a WAL database needs write access to its directory '${dirname(filePath)}' for its -shm file, even to read (SQLITE_READONLY_DIRECTORY); let this user write to the directory (connectParams.readonly does not lift this)`,
    { filePath, cause: error },
  );
}
