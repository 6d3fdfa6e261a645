/**
 * One shared in-flight operation: while it runs, every caller gets the same promise; once it
 * settles (either way), the next call starts a new one. Renewing authorizers use it so that
 * concurrent callers share one token request, and a failure does not stick.
 */
export class SingleFlight<T> {
  #current: Promise<T> | null = null;

  /** Whether an operation is running. */
  get isRunning(): boolean {
    return this.#current !== null;
  }

  /**
   * @param start - Starts the operation; called only when none is running.
   * @returns The running operation's promise.
   */
  run(start: () => Promise<T>): Promise<T> {
    if (this.#current === null) {
      const current = start();
      const settle = () => {
        if (this.#current === current) this.#current = null;
      };
      // Registered before any caller awaits `current`, so the slot is free again when callers resume.
      current.then(settle, settle);
      this.#current = current;
    }
    return this.#current;
  }
}
