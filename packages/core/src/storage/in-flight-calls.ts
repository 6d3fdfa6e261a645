/** The calls of a storage that `close()` waits for: every method of `TokenStorageLike` that a storage has. */
export const TRACKED_CALLS = Object.freeze([
  'storeTokenDataByResourceServer',
  'getTokenDataByResourceServer',
  'getTokenData',
  'removeTokenData',
  'storeTokenResponse',
  'listNamespaces',
  'runExclusive',
] as const);

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

  /**
   * Replaces each method of {@link TRACKED_CALLS} that `target` has by one that counts its calls;
   * subclasses and their `super` calls are unaffected.
   */
  wrapMethodsOf(target: object): void {
    const methods = target as Record<string, unknown>;
    for (const name of TRACKED_CALLS) {
      const method = methods[name];
      if (typeof method !== 'function') continue;
      // Two parameters cover every method of TokenStorageLike (a rest parameter would allocate per call).
      const tracked = (first?: unknown, second?: unknown): unknown => {
        const result: unknown = method.call(target, first, second);
        return result instanceof Promise ? this.track(result) : result;
      };
      Object.defineProperty(target, name, { value: tracked, writable: true, configurable: true, enumerable: false });
    }
  }
}
