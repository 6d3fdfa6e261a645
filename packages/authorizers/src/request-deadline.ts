import { AuthRequestAbortedError, AuthRequestTimeoutError, InvalidArgumentError, type AuthAPIError } from '@globus-tokenstorage/core';
import { checkedMilliseconds } from '@globus-tokenstorage/core/backend';

/** Time limit of a token request when none is given, in milliseconds. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * The time limit and the cancellation of one call to the auth server, all its attempts included:
 * `signal` aborts when the time is up or when any of the caller's signals aborts. Call
 * {@link RequestDeadline.dispose} when the call is over, so that no timer or listener outlives it.
 */
export class RequestDeadline {
  /** Aborts when the deadline passes or a caller's signal aborts. */
  readonly signal: AbortSignal;
  readonly #timeoutMs: number;
  readonly #endsAt: number;
  readonly #controller = new AbortController();
  readonly #timer: ReturnType<typeof setTimeout> | null;
  readonly #sources: Array<readonly [AbortSignal, () => void]> = [];
  #timedOut = false;

  /**
   * @param timeoutMs - The time limit in milliseconds (`Infinity` for none).
   * @param signals - The caller's signals; `undefined` entries are skipped.
   */
  constructor(timeoutMs: number, signals: ReadonlyArray<AbortSignal | undefined>) {
    this.signal = this.#controller.signal;
    this.#timeoutMs = timeoutMs;
    this.#endsAt = Date.now() + timeoutMs;
    for (const source of signals) {
      if (source === undefined) continue;
      if (source.aborted) {
        this.#controller.abort(source.reason);
        continue;
      }
      const onAbort = () => this.#controller.abort(source.reason);
      source.addEventListener('abort', onAbort, { once: true });
      this.#sources.push([source, onAbort]);
    }
    // Not unref'd: a request whose fetch never settles must still end, with an error.
    this.#timer =
      timeoutMs === Infinity || this.signal.aborted
        ? null
        : setTimeout(() => {
            this.#timedOut = true;
            this.#controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'));
          }, timeoutMs);
  }

  /** Milliseconds left before the deadline (`Infinity` without one). */
  get remainingMs(): number {
    return this.#endsAt - Date.now();
  }

  /**
   * The typed error for an aborted {@link RequestDeadline.signal}.
   *
   * @param what - Names the call, e.g. `"the refresh_token grant (POST /v2/oauth2/token)"`.
   * @returns An `AuthRequestTimeoutError`, or an `AuthRequestAbortedError` carrying the caller's reason.
   */
  error(what: string): AuthAPIError {
    if (this.#timedOut)
      return new AuthRequestTimeoutError(`${what} failed: no answer within ${this.#timeoutMs} ms`, { timeoutMs: this.#timeoutMs });
    return new AuthRequestAbortedError(`${what} was cancelled by its AbortSignal`, { cause: this.signal.reason });
  }

  /** Stops the timer and detaches from the caller's signals. */
  dispose(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    for (const [source, onAbort] of this.#sources) source.removeEventListener('abort', onAbort);
    this.#sources.length = 0;
  }
}

/**
 * Checks a `timeoutMs` option.
 *
 * @param value - The option as given.
 * @returns The time limit in milliseconds, {@link DEFAULT_REQUEST_TIMEOUT_MS} when not given.
 * @throws {@link InvalidArgumentError} unless it is a wait as core's `checkedMilliseconds` defines it.
 */
export function checkedTimeoutMs(value: unknown): number {
  return checkedMilliseconds(value === undefined ? DEFAULT_REQUEST_TIMEOUT_MS : value, 'timeoutMs');
}

/**
 * Checks a `signal` option.
 *
 * @param value - The option as given.
 * @returns The signal, or `undefined`.
 * @throws {@link InvalidArgumentError} if it is not an `AbortSignal`.
 */
export function checkedSignal(value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as AbortSignal).addEventListener !== 'function' ||
    typeof (value as AbortSignal).aborted !== 'boolean'
  ) {
    throw new InvalidArgumentError("'signal' must be an AbortSignal");
  }
  return value as AbortSignal;
}

/**
 * Waits, unless the deadline's signal aborts first.
 *
 * @param ms - How long.
 * @param signal - Ends the wait early.
 * @throws `signal.reason` if it aborts.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
