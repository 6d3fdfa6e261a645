/** Retries of a failed request to the auth server when none is configured. */
export const DEFAULT_MAX_RETRIES = 2;
/** The first backoff delay; each retry doubles it (with ±25 % jitter). */
const BASE_DELAY_MS = 500;
/** A server's `Retry-After` longer than this is not waited for: the caller gets the error at once. */
const MAX_RETRY_AFTER_MS = 10_000;

/** One failed attempt, as far as the retry decision needs it. */
export type FailedAttempt =
  | { kind: 'network'; code: string | null; syscall: string | null }
  | { kind: 'answer'; status: number; retryAfter: string | null };

/**
 * Whether the request of a failed attempt may be sent again, and after how long.
 *
 * A request that never reached the server (the connection or the name lookup failed) and an answer
 * `429 Too Many Requests` (the server refused to handle it) are retried for every call. Other
 * failures (a `5xx` answer, a connection lost after sending) are retried only for `idempotent`
 * calls: the server may have handled the request, and the authorization-code and refresh-token
 * grants are not idempotent: the code is single-use, and a server that rotates refresh tokens has
 * spent the old one, and may revoke the whole grant when it sees it again.
 *
 * @param failure - What went wrong.
 * @param attempt - How many retries were made already.
 * @param options - `idempotent`: sending the request twice does no harm; `maxRetries`; `remainingMs` before the deadline.
 * @returns The delay before the next attempt in milliseconds, or `null` for no retry.
 */
export function retryDelayMs(
  failure: FailedAttempt,
  attempt: number,
  options: { idempotent: boolean; maxRetries: number; remainingMs: number },
): number | null {
  if (attempt >= options.maxRetries) return null;
  // An unknown host name does not appear within seconds; a temporary lookup failure is EAI_AGAIN.
  if (failure.kind === 'network' && failure.code === 'ENOTFOUND') return null;
  const retryable =
    failure.kind === 'network'
      ? wasNotSent(failure) || options.idempotent
      : failure.status === 429 || (options.idempotent && isTransientStatus(failure.status));
  if (!retryable) return null;
  const asked = failure.kind === 'answer' ? retryAfterMs(failure.retryAfter) : null;
  if (asked !== null && asked > MAX_RETRY_AFTER_MS) return null;
  const delay = asked ?? BASE_DELAY_MS * 2 ** attempt * (0.75 + Math.random() / 2);
  return delay < options.remainingMs ? delay : null;
}

/** Failures of the name lookup or of the connection itself: nothing was sent. */
function wasNotSent(failure: { code: string | null; syscall: string | null }): boolean {
  return failure.syscall === 'connect' || failure.syscall === 'getaddrinfo' || failure.code === 'UND_ERR_CONNECT_TIMEOUT';
}

function isTransientStatus(status: number): boolean {
  return status === 500 || status === 502 || status === 503 || status === 504;
}

/** `Retry-After` in milliseconds: delay-seconds or an HTTP date (RFC 9110 §10.2.3); `null` if absent or unreadable. */
function retryAfterMs(header: string | null): number | null {
  if (header === null) return null;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}
