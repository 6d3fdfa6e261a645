import { StorageLockTimeoutError } from '@globus-tokenstorage/core';
import { isBusyError } from './sqlite-errors';

/** How {@link retryWhileBusy} waits. */
export interface BusyRetryOptions {
  /** How long to keep retrying, in milliseconds, before giving up. */
  timeoutMs: number;
  /** The database file, named in the timeout error. */
  resource: string;
  /** Called before each retry; throws to stop (e.g. when the storage was closed meanwhile). */
  beforeRetry?: () => void;
}

/** Longest pause between two attempts, in milliseconds. */
const MAX_PAUSE_MS = 50;

/**
 * Runs a synchronous database operation; while it fails because another connection holds a lock,
 * waits (without blocking the event loop) and runs it again, until `timeoutMs` has passed.
 *
 * SQLite's own busy handler would sleep inside the driver and block the whole process, so
 * connections are opened with a zero driver timeout and the waiting happens here instead. The
 * operation must be atomic (one statement or one transaction), so a failed attempt left nothing.
 *
 * @param attempt - The operation.
 * @param options - See {@link BusyRetryOptions}.
 * @returns The operation's result, synchronously when the first attempt succeeds.
 * @throws {@link StorageLockTimeoutError} when the lock was still held after `timeoutMs`; any other
 *   error of `attempt` unchanged.
 */
export function retryWhileBusy<T>(attempt: () => T, options: BusyRetryOptions): T | Promise<T> {
  try {
    return attempt();
  } catch (error) {
    if (!isBusyError(error)) throw error;
    return retryLater(attempt, options, error);
  }
}

async function retryLater<T>(attempt: () => T, options: BusyRetryOptions, firstError: unknown): Promise<T> {
  const deadline = performance.now() + options.timeoutMs;
  let lastError = firstError;
  for (let pause = 1; ; pause = Math.min(pause * 2, MAX_PAUSE_MS)) {
    const remaining = deadline - performance.now();
    if (remaining <= 0) {
      throw new StorageLockTimeoutError(
        `the token database '${options.resource}' stayed locked by another connection for ${options.timeoutMs} ms`,
        { resource: options.resource, timeoutMs: options.timeoutMs, cause: lastError },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pause, remaining)));
    options.beforeRetry?.();
    try {
      return attempt();
    } catch (error) {
      if (!isBusyError(error)) throw error;
      lastError = error;
    }
  }
}
