import { ErrorCodes, TokenStorageError } from '@globus-tokenstorage/core';
import { toTokenFileAccessError } from '@globus-tokenstorage/core/node';
import { CliError, ExitCodes } from './cli-error';

/** Library error codes of a token file that cannot be read or parsed. */
const BAD_FILE_CODES: readonly string[] = [
  ErrorCodes.TOKEN_FILE_FORMAT,
  ErrorCodes.UNSUPPORTED_FORMAT_VERSION,
  ErrorCodes.INVALID_TOKEN_DATA,
  ErrorCodes.TOKEN_FILE_ACCESS,
];

/** Library error codes of a store that cannot be used: unreachable, or a lock held too long. */
const UNAVAILABLE_CODES: readonly string[] = [ErrorCodes.STORAGE_UNAVAILABLE, ErrorCodes.STORAGE_LOCK_TIMEOUT];

/**
 * Gives an error the CLI's meaning before it is reported: a file-system error that escaped the
 * storages becomes the `TokenFileAccessError` the library would have thrown (a missing file: a
 * `FILE_NOT_FOUND` `CliError`), and a native module that cannot be loaded a `STORE_UNAVAILABLE`
 * `CliError` saying how to rebuild it. Anything else is returned unchanged.
 *
 * @param error - Anything a command threw.
 * @returns The error to report.
 */
export function toReportedError(error: unknown): unknown {
  if (error instanceof CliError || TokenStorageError.isInstance(error)) return error;
  const dlopenFailure = findNativeModuleFailure(error);
  if (dlopenFailure !== null) return nativeModuleError(dlopenFailure);
  const { code, path } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; path?: unknown };
  if (typeof path !== 'string') return error;
  if (code === 'ENOENT') return new CliError(`no such file: '${path}'`, ExitCodes.FILE_NOT_FOUND);
  return toTokenFileAccessError(error, path, 'use');
}

/**
 * The exit code of an error (see {@link ExitCodes}).
 *
 * @param error - An error as {@link toReportedError} returns it.
 * @param onDatabase - Whether the command uses a PostgreSQL database: an error the library has no
 *   narrower code for (`TOKEN_STORAGE_ERROR`: a database without the token table, an SQL error)
 *   means the database cannot be used; in a file it stays unexpected.
 * @returns `BAD_FILE` for a token file that cannot be read or parsed, `STORE_UNAVAILABLE` for a
 *   store that cannot be used, `USAGE` for an invalid argument, `PROBLEMS_FOUND` for anything
 *   unexpected.
 */
export function exitCodeOf(error: unknown, onDatabase: boolean): number {
  if (error instanceof CliError) return error.exitCode;
  if (!TokenStorageError.isInstance(error)) return ExitCodes.PROBLEMS_FOUND;
  if (BAD_FILE_CODES.includes(error.code)) return ExitCodes.BAD_FILE;
  if (UNAVAILABLE_CODES.includes(error.code) || (onDatabase && error.code === ErrorCodes.TOKEN_STORAGE_ERROR))
    return ExitCodes.STORE_UNAVAILABLE;
  if (error.code === ErrorCodes.INVALID_ARGUMENT) return ExitCodes.USAGE;
  return ExitCodes.PROBLEMS_FOUND;
}

/**
 * Whether an error means the store cannot be used at all: `check` then reports no problem of the
 * store (it found none; it could not look) but ends with `STORE_UNAVAILABLE`.
 *
 * @param error - Anything caught while reading the store.
 * @param onDatabase - Whether the store is a PostgreSQL database (see {@link exitCodeOf}).
 */
export function isStoreUnavailable(error: unknown, onDatabase: boolean): boolean {
  return exitCodeOf(toReportedError(error), onDatabase) === ExitCodes.STORE_UNAVAILABLE;
}

/**
 * A stable name for an error: the library's error code, or the name of the CLI's exit code.
 *
 * @param error - An error as {@link toReportedError} returns it.
 * @param exitCode - Its exit code.
 */
export function errorCode(error: unknown, exitCode: number): string {
  if (TokenStorageError.isInstance(error)) return error.code;
  if (error instanceof CliError) return Object.entries(ExitCodes).find(([, code]) => code === exitCode)?.[0] ?? 'ERROR';
  return 'UNEXPECTED';
}

/**
 * The message of an error. Those of this project name files, never tokens; another error's message
 * may quote anything it was given (V8's JSON errors quote the file), so only its class and code are
 * shown.
 *
 * @param error - An error as {@link toReportedError} returns it.
 */
export function describeError(error: unknown): string {
  if (error instanceof CliError || TokenStorageError.isInstance(error)) return error.message;
  const { name, code } = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; code?: unknown };
  const shownName = typeof name === 'string' && /^\w+$/.test(name) ? name : 'error';
  const shownCode = typeof code === 'string' && /^[A-Z0-9_]+$/.test(code) ? ` (${code})` : '';
  return `unexpected ${shownName}${shownCode}`;
}

/** The error of a native module that failed to load, in `error` or its causes; or `null`. */
function findNativeModuleFailure(error: unknown): Error | null {
  for (let current = error, depth = 0; typeof current === 'object' && current !== null && depth < 5; depth++) {
    const { code, message } = current as { code?: unknown; message?: unknown };
    // `bindings` (better-sqlite3's loader) says so when the module was never built.
    if (code === 'ERR_DLOPEN_FAILED' || (typeof message === 'string' && message.startsWith('Could not locate the bindings file')))
      return current as Error;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}

/** Why better-sqlite3's native module did not load (Node's own words name only the module and the versions), and how to fix it. */
function nativeModuleError(failure: Error): CliError {
  const versions = /NODE_MODULE_VERSION (\d+)[\s\S]*NODE_MODULE_VERSION (\d+)/.exec(failure.message);
  const module = /([\w.-]+\.node)\b/.exec(failure.message)?.[1] ?? 'better_sqlite3.node';
  const why = versions
    ? `it was built for another Node.js (NODE_MODULE_VERSION ${versions[1]}; this one, ${process.version}, needs ${versions[2]})`
    : `it was built for another Node.js or system, or not at all`;
  const code = 'code' in failure && typeof failure.code === 'string' ? ` (${failure.code})` : '';
  return new CliError(
    `the SQLite driver cannot be loaded: better-sqlite3's native module ${module} does not load: ${why}${code}. ` +
      `Rebuild it for this Node.js ('npm rebuild better-sqlite3' where globus-tokens is installed), or reinstall globus-tokens with this Node.js`,
    ExitCodes.STORE_UNAVAILABLE,
  );
}
