/**
 * Promises by key, made once and shared by concurrent callers; a promise that rejects is forgotten,
 * so the next call tries again (a keychain unlocked meanwhile, a passphrase typed again).
 */
export class SettledCache<T> {
  private readonly promises = new Map<string, Promise<T>>();

  /**
   * @param key - What the promise is for.
   * @param make - Makes it when none is kept.
   * @returns The kept or new promise.
   */
  get(key: string, make: () => Promise<T>): Promise<T> {
    let promise = this.promises.get(key);
    if (!promise) {
      promise = make();
      this.promises.set(key, promise);
      promise.catch(() => this.promises.delete(key));
    }
    return promise;
  }

  /** Keeps an already known value. */
  set(key: string, value: T): void {
    this.promises.set(key, Promise.resolve(value));
  }

  /** @returns Whether a promise is kept for `key`. */
  has(key: string): boolean {
    return this.promises.has(key);
  }
}
