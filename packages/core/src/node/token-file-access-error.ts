import { basename, dirname, resolve } from 'node:path';
import { TokenFileAccessError, TokenStorageError } from '../errors';

/** What a system error code means, in words (the code itself follows in the message). */
const MEANINGS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'the file system is read-only',
  EISDIR: 'it is a directory',
  EFTYPE: 'it is not a regular file',
  ENOTDIR: 'a part of its path is not a directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'the path is too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  EBUSY: 'the file is busy',
  EIO: 'an input/output error',
  ENOENT: 'a directory of its path does not exist',
};

/**
 * Turns a file-system error met while reading or writing a token file into a
 * `TokenFileAccessError` that names the token file (not the temporary or lock file the failed call
 * used) and says what the system code means. Typed errors of this project, and errors without a
 * system code (programming errors), are returned unchanged.
 *
 * @param error - Anything caught.
 * @param filePath - The token file, as the caller named it.
 * @param operation - `read`, `write`, or `use` when it may be either.
 * @returns The error to throw.
 *
 * @example
 * ```ts
 * try {
 *   await writeFileAtomic(path, bytes);
 * } catch (error) {
 *   throw toTokenFileAccessError(error, path, 'write');
 * }
 * ```
 */
export function toTokenFileAccessError(error: unknown, filePath: string, operation: 'read' | 'write' | 'use'): unknown {
  if (TokenStorageError.isInstance(error)) return error;
  const { code, path } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; path?: unknown };
  if (typeof code !== 'string' || !/^E[A-Z0-9]+$/.test(code)) return error;
  const besideIt = typeof path === 'string' && resolve(path) !== resolve(filePath) && dirname(resolve(path)) === dirname(resolve(filePath));
  const meaning =
    code === 'EFTYPE' ? notRegularFile(error as { path?: unknown; fileType?: unknown }, besideIt) : (MEANINGS[code] ?? 'system error');
  // A failure on a file beside the token file (its lock, a temporary file) is one of its directory.
  const where = besideIt && (code === 'EACCES' || code === 'EPERM') ? ` in its directory '${dirname(filePath)}'` : '';
  return new TokenFileAccessError(`cannot ${operation} the token file '${filePath}': ${meaning}${where} (${code})`, {
    filePath,
    cause: error,
  });
}

/**
 * The meaning of an `EFTYPE` of `assertRegularFile`. Something that is not a file in place of the
 * lock file (or a SQLite side file) is named, as it is what the user has to remove.
 */
function notRegularFile({ path, fileType }: { path?: unknown; fileType?: unknown }, besideIt: boolean): string {
  const what = typeof fileType === 'string' ? ` but ${fileType}` : '';
  return besideIt ? `'${basename(String(path))}' next to it is not a regular file${what}` : `it is not a regular file${what}`;
}

/**
 * Refuses to replace a token file that its owner made read-only (no owner write permission, e.g.
 * `chmod 400`): an atomic write renames a new file over it, which the directory's permissions allow
 * whatever the file's, and the Python SDK (which rewrites in place) fails on such a file too.
 *
 * @param mode - The file's `stat` mode.
 * @param filePath - The token file, for the message.
 * @throws {@link TokenFileAccessError} if the owner cannot write it.
 */
export function assertWritableMode(mode: number, filePath: string): void {
  if ((mode & 0o200) !== 0) return;
  const octal = `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
  throw new TokenFileAccessError(
    `the token file '${filePath}' is read-only (mode ${octal}): refusing to replace it; make it writable (chmod 600 '${basename(filePath)}') to let tokens be stored in it`,
    { filePath },
  );
}
