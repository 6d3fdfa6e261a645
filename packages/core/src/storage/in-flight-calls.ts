/** Counts the calls of one storage that have not settled, so that `close()` can wait for them. */
export class InFlightCalls {
  private count = 0;
  private waiters: Array<() => void> = [];
  private readonly settle = (): void => {
    this.count -= 1;
    if (this.count > 0) return;
    for (const wake of this.waiters.splice(0)) wake();
  };

  /**
   * Counts `promise` until it settles.
   *
   * @returns `promise` itself.
   */
  track<T>(promise: Promise<T>): Promise<T> {
    this.count += 1;
    promise.then(this.settle, this.settle);
    return promise;
  }

  /** Resolves once no counted call is pending (at once when none is). */
  async idle(): Promise<void> {
    while (this.count > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}
