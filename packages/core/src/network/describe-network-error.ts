import { safeErrorName } from '../errors/safe-error-name';

/** What {@link describeNetworkError} makes of a failed `fetch`. */
export interface NetworkErrorDescription {
  /**
   * For a message: the system code (`ECONNREFUSED`, `ENOTFOUND`, `UND_ERR_CONNECT_TIMEOUT`, …); else,
   * for the platform's `fetch`, its messages along the `cause` chain (`fetch failed: bad port`); else
   * the error's class.
   */
  reason: string;
  /** The system code, if the failure carries one. */
  code: string | null;
  /** The system call that failed (`connect`, `getaddrinfo`, …), if known. */
  syscall: string | null;
  /**
   * For `cause`: when its messages may be shown, the error of the chain that carries the system code
   * (or the error itself if none does); else a new error holding only its code, syscall and address.
   */
  cause: Error;
}

/** Codes of system and undici errors: upper-case words, never data from the request. */
const CODE = /^[A-Z][A-Z0-9_]{1,40}$/;
/** Fields of Node's system errors that name the failed operation and its address, never what was sent. */
const SAFE_FIELDS = ['code', 'errno', 'syscall', 'address', 'port', 'hostname'] as const;

/**
 * Describes the failure of a `fetch` call for an error message and its `cause`, keeping the system
 * code that says what happened (connection refused, unknown host, timeout) and nothing that was
 * sent. The platform's `fetch` (undici in Node) words its errors from the operation and the address
 * only, so with `trustMessages` its own error becomes the cause; a caller-supplied `fetch` may
 * quote the request (tokens, a client secret), so then the cause is a new error built from the
 * code, syscall and address alone.
 *
 * @param error - What `fetch` threw.
 * @param options - `trustMessages`: the error came from the platform's own `fetch`.
 * @returns The reason for a message and the error to attach as `cause`.
 *
 * @example
 * ```ts
 * catch (error) {
 *   const { reason, cause } = describeNetworkError(error, { trustMessages: options.fetch === undefined });
 *   throw new AuthAPIError(`could not reach ${baseUrl}: ${reason}`, { httpStatus: 0, cause });
 * }
 * ```
 */
export function describeNetworkError(error: unknown, options: { trustMessages: boolean }): NetworkErrorDescription {
  const coded = findCoded(error);
  const code = coded === null ? null : (coded.code as string);
  const syscall = typeof coded?.syscall === 'string' && /^\w{1,40}$/.test(coded.syscall) ? coded.syscall : null;
  const className = safeErrorName(error);
  const reason = code ?? (options.trustMessages ? chainedMessages(error) : null) ?? className ?? 'network error';
  if (options.trustMessages && isErrorLike(error)) return { reason, code, syscall, cause: isErrorLike(coded) ? coded : error };
  const cause = new Error(coded === null ? reason : describeSystemError(coded));
  if (className !== null) cause.name = className;
  if (coded !== null) for (const field of SAFE_FIELDS) if (isSafeValue(coded[field])) Object.assign(cause, { [field]: coded[field] });
  return { reason, code, syscall, cause };
}

/** The platform's message and its cause's, on one short line: `fetch failed: bad port`. */
function chainedMessages(error: unknown): string | null {
  if (!isErrorLike(error)) return null;
  const text = isErrorLike(error.cause) ? `${error.message}: ${error.cause.message}` : error.message;
  return text.replace(/\s+/g, ' ').trim().slice(0, 200) || null;
}

/** The first error of the chain (`cause`, and the `errors` of an `AggregateError`) that carries a system code. */
function findCoded(error: unknown): Record<string, unknown> | null {
  const queue: unknown[] = [error];
  for (let index = 0; index < queue.length && index < 16; index++) {
    const current = queue[index];
    if (typeof current !== 'object' || current === null) continue;
    const record = current as Record<string, unknown>;
    if (typeof record.code === 'string' && CODE.test(record.code)) return record;
    queue.push(record.cause);
    if (Array.isArray(record.errors)) queue.push(...record.errors);
  }
  return null;
}

/** Node's own wording, `connect ECONNREFUSED 127.0.0.1:9`, from the safe fields alone. */
function describeSystemError(coded: Record<string, unknown>): string {
  const address = isSafeValue(coded.address) ? `${coded.address}${isSafeValue(coded.port) ? `:${coded.port}` : ''}` : coded.hostname;
  return [coded.syscall, coded.code, address].filter((part) => isSafeValue(part)).join(' ');
}

/** An `Error` of any realm (Node's internals throw errors of the main realm into vm contexts such as jest's). */
function isErrorLike(value: unknown): value is Error {
  return (
    typeof value === 'object' && value !== null && typeof (value as Error).message === 'string' && typeof (value as Error).name === 'string'
  );
}

function isSafeValue(value: unknown): value is string | number {
  return (typeof value === 'string' && /^[\w.:%[\]-]{1,255}$/.test(value)) || (typeof value === 'number' && Number.isFinite(value));
}
