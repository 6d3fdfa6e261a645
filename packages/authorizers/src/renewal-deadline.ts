import type { AuthAPIError } from '@globus-tokenstorage/core';
import { abortable } from '@globus-tokenstorage/core/backend';
import { RequestDeadline, sleep } from './request-deadline';

/**
 * The time limit and the cancellation of one renewal of `StorageBackedAuthorizer`, every step
 * included: storage reads, the wait for the critical section, the wait for another process's
 * refresh, and the refresh. It remembers the step in progress, so that the error names it.
 * Call {@link RenewalDeadline.dispose} when the renewal is over.
 */
export class RenewalDeadline {
  /** The step in progress, e.g. `reading the token storage`. */
  step = 'starting';
  readonly #what: string;
  readonly #deadline: RequestDeadline;

  /**
   * @param what - Names the renewal, e.g. `the token renewal for transfer.api.globus.org`.
   * @param timeoutMs - The time limit in milliseconds (`Infinity` for none).
   * @param signal - The caller's signal, if any.
   */
  constructor(what: string, timeoutMs: number, signal: AbortSignal | undefined) {
    this.#what = what;
    this.#deadline = new RequestDeadline(timeoutMs, [signal]);
  }

  /** Aborts when the time is up or the caller's signal aborts. */
  get signal(): AbortSignal {
    return this.#deadline.signal;
  }

  /** Whether the time is up or the renewal was cancelled. */
  get isOver(): boolean {
    return this.#deadline.signal.aborted;
  }

  /**
   * Starts a step and waits for it, at most until the deadline (the work itself goes on).
   *
   * @param step - Names the step in errors; set before `start` runs, so that steps `start` names
   *   itself (synchronously or later) take precedence.
   * @param start - Starts the work.
   * @returns What the work resolves to.
   * @throws {@link RenewalDeadline.error} once the deadline passes or the signal aborts; what the work rejects with before.
   */
  async wait<T>(step: string, start: () => Promise<T>): Promise<T> {
    this.step = step;
    try {
      return await abortable(start(), this.signal);
    } catch (error) {
      if (this.isOver) throw this.error();
      throw error;
    }
  }

  /**
   * Pauses, at most until the deadline.
   *
   * @param step - Names the step in errors.
   * @param ms - How long.
   * @throws {@link RenewalDeadline.error} once the deadline passes or the signal aborts.
   */
  async pause(step: string, ms: number): Promise<void> {
    this.step = step;
    try {
      await sleep(ms, this.signal);
    } catch {
      throw this.error();
    }
  }

  /** @throws {@link RenewalDeadline.error} if the deadline has passed or the signal aborted. */
  throwIfOver(): void {
    if (this.isOver) throw this.error();
  }

  /**
   * @returns An `AuthRequestTimeoutError` naming the step in progress, or an `AuthRequestAbortedError`
   *   carrying the signal's reason.
   */
  error(): AuthAPIError {
    return this.#deadline.error(`${this.#what} (${this.step})`);
  }

  /** Stops the timer and detaches from the caller's signal. */
  dispose(): void {
    this.#deadline.dispose();
  }
}
