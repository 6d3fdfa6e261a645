import { TokenFileAccessError, TokenFileFormatError, TokenStorageError } from '@globus-tokenstorage/core';
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
    return new TokenFileAccessError(`the token database '${filePath}' cannot be written: it is read-only (${code})`, { filePath, cause: error });
  }
  if (code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM' || code === 'SQLITE_FULL') {
    return new TokenFileAccessError(`the token database '${filePath}' cannot be opened or written (${code})`, { filePath, cause: error });
  }
  if (code.startsWith('SQLITE_')) {
    return new TokenStorageError(`SQLite failed on the token database '${filePath}' (${code})`, { cause: error });
  }
  return toTokenFileAccessError(error, filePath, 'use');
}
