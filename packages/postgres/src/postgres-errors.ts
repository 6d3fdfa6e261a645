import { InvalidArgumentError, StorageUnavailableError, TokenStorageError } from '@globus-tokenstorage/core';
import { UNKNOWN_SERVER } from './postgres-connection';

/** What an error message says about the database: where it is and which table. */
export interface ErrorContext {
  /** `host:port/database`, never with a user name or password. */
  server: string;
  /** The quoted, schema-qualified token table. */
  table: string;
  /** Text that must never appear in a message (the password, when it is known). */
  secrets: readonly string[];
  /** The storage's `queryTimeoutMs`, named in the message of a call that outlasted it. */
  queryTimeoutMs?: number;
}

/**
 * SQLSTATE classes and codes that mean the server could not be used at all: connecting again later
 * may work. 57014 is a statement cancelled by `statement_timeout`, 55P03 a lock wait ended by `lock_timeout`.
 */
const UNAVAILABLE_SQLSTATE = /^(08|28|3D000|53300|57P0[1-4]|57014|55P03)/;

/** What a wait that outlasted a time limit looks like: SQLSTATEs, and pg's own messages. */
const TIMEOUT_SQLSTATE = /^(57014|55P03)$/;
const TIMEOUT_MESSAGES = ['Query read timeout', 'connection timeout', 'timeout exceeded when trying to connect'];

/** TLS failures (certificate not trusted, wrong host name, …): Node's codes for them. */
const TLS_CODE = /CERT|TLS|SSL|SIGNATURE/;

/** Network and pg-pool failures that mean the same. */
const UNAVAILABLE_SYSTEM_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ENOENT',
]);
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'does not support SSL',
  'connection timeout',
  'timeout exceeded when trying to connect',
  'not queryable',
  'Cannot use a pool after calling end',
  // pg's query_timeout: the server did not answer in time.
  'Query read timeout',
  // pg's own side of the login: no password (or not a string) for a server that asks for one, a
  // SCRAM exchange that fails (pg's messages start "SASL: "), a password function that fails.
  'SASL: ',
  'Password must be a string',
];

/** The SQLSTATE of a PostgreSQL error (five characters), or `undefined`. */
export function sqlStateOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * Turns an error of pg (or of the network below it) into this project's typed errors. Only pg's
 * primary message is kept, in a cause of our own: PostgreSQL's `detail`, `where` and `hint` may
 * quote the values of a statement, and pg's errors may hold its connection settings.
 *
 * @param error - Anything caught while using the database.
 * @param context - Where the database is, for the message.
 * @returns A `TokenStorageError` (returned unchanged if it already is one). Anything else pg throws
 *   (e.g. Node's `TypeError` for a connection string that is no URL, which carries the string with
 *   its password) becomes a plain `TokenStorageError` with a scrubbed cause.
 */
export function toStorageError(error: unknown, context: ErrorContext): TokenStorageError {
  if (TokenStorageError.isInstance(error)) return error;
  // Duck-typed: errors of Node's network layer may come from another realm (vm contexts, test runners).
  if (!isErrorLike(error)) return new TokenStorageError(`PostgreSQL failed on ${context.table} at ${context.server}: ${typeof error}`);
  const sqlState = sqlStateOf(error);
  const rawCode = (error as { code?: unknown }).code;
  const systemCode = typeof rawCode === 'string' ? rawCode : undefined;
  const message = scrub(error.message, context.secrets);
  const cause = safeCause(error, message, sqlState ?? systemCode);
  const resource = context.server;
  if (
    (sqlState !== undefined && UNAVAILABLE_SQLSTATE.test(sqlState)) ||
    (sqlState === undefined && systemCode !== undefined && (UNAVAILABLE_SYSTEM_CODES.has(systemCode) || TLS_CODE.test(systemCode))) ||
    (sqlState === undefined && UNAVAILABLE_MESSAGES.some((text) => error.message.includes(text)))
  ) {
    const server = resource === UNKNOWN_SERVER ? resource : `the PostgreSQL server ${resource}`;
    const timedOut =
      sqlState !== undefined ? TIMEOUT_SQLSTATE.test(sqlState) : TIMEOUT_MESSAGES.some((text) => error.message.includes(text));
    const limit =
      timedOut && context.queryTimeoutMs !== undefined ? ` (no answer within queryTimeoutMs, ${context.queryTimeoutMs} ms)` : '';
    return new StorageUnavailableError(`${server} cannot be used: ${message}${codeSuffix(sqlState ?? systemCode)}${limit}`, {
      resource,
      cause,
    });
  }
  if (systemCode === 'ERR_INVALID_URL') {
    return new InvalidArgumentError('the PostgreSQL connection string is not a valid URL (postgres://user:password@host:port/database)');
  }
  if (sqlState === '54000') {
    return new InvalidArgumentError(
      `a namespace or resource server is too long for the index of ${context.table} on ${resource} (${message}); keep both together under 2 kB`,
      { cause },
    );
  }
  return new TokenStorageError(`PostgreSQL failed on ${context.table} at ${resource}: ${message}${codeSuffix(sqlState ?? systemCode)}`, {
    cause,
  });
}

/** Whether `error` is a deadlock or serialization failure: the whole statement can run again. */
export function isRetryableConflict(error: unknown): boolean {
  const sqlState = sqlStateOf(error);
  return sqlState === '40P01' || sqlState === '40001';
}

function isErrorLike(value: unknown): value is Error {
  return typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';
}

function codeSuffix(code: string | undefined): string {
  return code === undefined ? '' : ` (${code})`;
}

function scrub(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const secret of secrets) if (secret.length > 0) result = result.split(secret).join('***');
  return result;
}

/** An error with only the message and code of `error`: nothing else of pg's error object is kept. */
function safeCause(error: Error, message: string, code: string | undefined): Error {
  const cause = new Error(message);
  cause.name = typeof error.name === 'string' && /^\w+$/.test(error.name) ? error.name : 'Error';
  if (code !== undefined) Object.defineProperty(cause, 'code', { value: code, enumerable: true });
  return cause;
}
