import { StorageLockTimeoutError, type TokenStorageLike } from '@globus-tokenstorage/core';
import { LoginWaitTimeoutError } from './app-errors';

/** Options of {@link runLoginExclusively}. */
export interface LoginSectionOptions {
  /** How long to wait for another process's login, in milliseconds. */
  timeoutMs: number;
  /** Cancels the wait (not a login this process already runs). */
  signal?: AbortSignal;
}

/**
 * Runs `login` inside the storage's cross-process critical section `key`, so that while one process
 * of an app logs in, the others wait for it, then run `login` themselves — which first looks at
 * what the first one stored and adopts it. The storage's own section timeout is shorter than a
 * person takes to log in: when it expires the wait simply goes on, up to `timeoutMs` in all. Only
 * the wait is bounded; once `login` runs, the login flow's own limits apply.
 *
 * A storage without `runExclusive` gives no cross-process guarantee: `login` just runs.
 *
 * @throws {@link LoginWaitTimeoutError} when the section stays taken for `timeoutMs`; the signal's
 *   reason when it aborts the wait; whatever `login` throws.
 */
export async function runLoginExclusively<T>(
  storage: TokenStorageLike,
  key: string,
  login: () => Promise<T>,
  options: LoginSectionOptions,
): Promise<T> {
  if (typeof storage.runExclusive !== 'function') return login();
  const started = Date.now();
  for (;;) {
    const remaining = options.timeoutMs - (Date.now() - started);
    if (remaining <= 0) throw waitTimeout(Date.now() - started);
    try {
      return await oneAttempt(storage, key, login, remaining, options.signal);
    } catch (error) {
      // The storage gave up waiting, but the other process is still logging in: keep waiting.
      if (!StorageLockTimeoutError.isInstance(error)) throw error;
    }
  }
}

const ABANDONED: unique symbol = Symbol('abandoned');

/** One `runExclusive` call, given up (without running `login`) if it has not entered in `waitMs`. */
function oneAttempt<T>(
  storage: TokenStorageLike,
  key: string,
  login: () => Promise<T>,
  waitMs: number,
  signal: AbortSignal | undefined,
): Promise<T> {
  let entered = false;
  let abandoned = false;
  const section = (storage.runExclusive as NonNullable<TokenStorageLike['runExclusive']>).call(storage, key, async () => {
    if (abandoned) return ABANDONED;
    entered = true;
    return login();
  });
  return new Promise<T>((resolve, reject) => {
    const started = Date.now();
    const giveUp = (error: unknown) => {
      if (entered) return;
      abandoned = true;
      cleanUp();
      reject(error);
    };
    const timer = waitMs === Infinity ? undefined : setTimeout(() => giveUp(waitTimeout(Date.now() - started)), waitMs);
    const onAbort = () => giveUp(signal?.reason);
    const cleanUp = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    if (signal?.aborted) return giveUp(signal.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    section.then(
      (value) => {
        cleanUp();
        if (value !== ABANDONED) resolve(value as T);
      },
      (error: unknown) => {
        cleanUp();
        if (!abandoned) reject(error);
      },
    );
  });
}

function waitTimeout(waitedMs: number): LoginWaitTimeoutError {
  return new LoginWaitTimeoutError(`another process of this app was still logging in after ${Math.round(waitedMs / 1000)} s`, { waitedMs });
}
