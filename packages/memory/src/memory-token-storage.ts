import {
  assertKnownOptions,
  InvalidArgumentError,
  setOwnEntry,
  TOKEN_STORAGE_OPTION_KEYS,
  TokenStorage,
  TokenStorageData,
  type RunExclusive,
  type TokenDataDict,
  type TokenStorageOptions,
} from '@globus-tokenstorage/core';

/** Options of {@link MemoryTokenStorage}. */
export interface MemoryTokenStorageOptions extends TokenStorageOptions {
  /**
   * Another memory storage whose data this one shares (in its own namespace), like a second handle
   * on one file. Without it each storage has its own data.
   */
  shareWith?: MemoryTokenStorage;
}

/** The data behind one or more memory storages: namespace → resource server → entry. */
class MemoryStore {
  readonly namespaces = new Map<string, Map<string, TokenDataDict>>();
  /** For each held section key, the promise that settles when its last queued holder is done. */
  readonly sections = new Map<string, Promise<void>>();
}

/**
 * Keeps tokens in process memory: for tests, short-lived scripts, and as the reference backend of
 * the conformance suite. Entries are kept in their on-disk form, so every read returns fresh
 * objects and nothing a caller does to a returned value reaches the store.
 *
 * @example
 * ```ts
 * import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
 *
 * const storage = new MemoryTokenStorage();
 * await storage.storeTokenResponse(response);
 * const transfer = await storage.getTokenData('transfer.api.globus.org');
 * ```
 */
export class MemoryTokenStorage extends TokenStorage {
  /** `"MemoryTokenStorage"`, also in minified bundles: messages, `toString()` and `util.inspect` show it. */
  static override get name(): string {
    return 'MemoryTokenStorage';
  }

  private readonly store: MemoryStore;

  /**
   * @param options - `namespace`, `shareWith`, `idTokenDecoder`, `now`.
   * @throws {@link InvalidArgumentError} for an empty namespace, a `shareWith` that is not a memory storage, or an unknown option.
   */
  constructor(options: MemoryTokenStorageOptions = {}) {
    super(options);
    assertKnownOptions(options, [...TOKEN_STORAGE_OPTION_KEYS, 'shareWith'], 'MemoryTokenStorage');
    const { shareWith } = options;
    if (shareWith !== undefined && !(shareWith instanceof MemoryTokenStorage)) {
      throw new InvalidArgumentError("'shareWith' must be a MemoryTokenStorage");
    }
    this.store = shareWith ? shareWith.store : new MemoryStore();
  }

  /**
   * Runs `fn` while no other call with the same key, through any storage sharing this one's data,
   * is running (an in-process critical section; see `TokenStorageLike.runExclusive`).
   *
   * @param key - Non-empty name of the section.
   * @param fn - The work.
   * @returns What `fn` returns; its error is passed on.
   * @throws {@link InvalidArgumentError} for an empty key.
   */
  declare runExclusive: RunExclusive;
  /** @returns Every namespace that has been written to, in this storage's shared data. */
  declare listNamespaces: () => Promise<string[]>;

  protected override async writeEntries(entries: ReadonlyArray<readonly [string, TokenStorageData]>): Promise<void> {
    const namespace = this.namespaceEntries(true);
    for (const [key, value] of entries) namespace.set(key, value.toDict());
  }

  protected override async readEntries(): Promise<Record<string, TokenStorageData>> {
    const result: Record<string, TokenStorageData> = {};
    for (const [key, dict] of this.namespaceEntries(false) ?? []) {
      setOwnEntry(result, key, TokenStorageData.fromDict(dict));
    }
    return result;
  }

  protected override async readEntry(resourceServer: string): Promise<TokenStorageData | null> {
    const dict = this.namespaceEntries(false)?.get(resourceServer);
    return dict ? TokenStorageData.fromDict(dict) : null;
  }

  protected override async removeEntry(resourceServer: string): Promise<boolean> {
    return this.namespaceEntries(false)?.delete(resourceServer) ?? false;
  }

  protected override async readNamespaces(): Promise<string[]> {
    return [...this.store.namespaces.keys()];
  }

  protected override async runInSection<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.store.sections.get(key) ?? Promise.resolve();
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => done);
    this.store.sections.set(key, tail);
    await previous;
    try {
      return await fn();
    } finally {
      release();
      if (this.store.sections.get(key) === tail) this.store.sections.delete(key);
    }
  }

  private namespaceEntries(create: true): Map<string, TokenDataDict>;
  private namespaceEntries(create: false): Map<string, TokenDataDict> | undefined;
  private namespaceEntries(create: boolean): Map<string, TokenDataDict> | undefined {
    let entries = this.store.namespaces.get(this.namespace);
    if (!entries && create) this.store.namespaces.set(this.namespace, (entries = new Map()));
    return entries;
  }
}
