import {
  TOKEN_STORAGE_OPTION_KEYS,
  InvalidArgumentError,
  StorageLockTimeoutError,
  StorageQuotaExceededError,
  TokenStorage,
  TokenStorageError,
  type RunExclusive,
  type TokenStorageData,
  type TokenStorageOptions,
} from '@globus-tokenstorage/core';
import { assertKnownOptions, checkedMilliseconds, safeErrorName } from '@globus-tokenstorage/core/backend';
import { NamespaceRecord } from './namespace-record';
import { revisionLedger } from './revision-ledger';

/** Options of {@link WebStorageTokenStorage}. */
export interface WebStorageTokenStorageOptions extends TokenStorageOptions {
  /**
   * Where the tokens live: `localStorage` (shared by the origin's tabs, kept across restarts) or
   * `sessionStorage` (one tab, gone when it closes), or any object with the `Storage` interface.
   * @default globalThis.localStorage
   */
  storage?: Storage;
  /** Prefix of this package's keys in the storage and of its Web Lock names. @default "globus-tokenstorage:" */
  keyPrefix?: string;
  /**
   * How long a write waits for the namespace's write lock, held by another tab's write, before
   * failing with `StorageLockTimeoutError`, in milliseconds: a whole number from 0 (take it only if
   * free) to 2^31 − 1, or `Infinity` for no limit. @default 60000
   */
  lockTimeoutMs?: number;
  /**
   * How long `runExclusive` waits for a section another tab (or call) holds before failing with
   * `StorageLockTimeoutError`, in milliseconds: a whole number from 0 (take it only if free) to
   * 2^31 − 1, or `Infinity` for no limit. @default 60000
   */
  sectionTimeoutMs?: number;
}

/** The part of the Web Locks API this class uses. */
interface LockManagerLike {
  request<T>(name: string, options: { signal?: AbortSignal; ifAvailable?: boolean }, callback: (lock: unknown) => Promise<T>): Promise<T>;
}

/** The default of the `sectionTimeoutMs` option. */
const DEFAULT_SECTION_TIMEOUT_MS = 60000;

/** How long after another tab's write a tab waits for its localStorage to show it. */
const PROPAGATION_GRACE_MS = 2000;
const PROPAGATION_POLL_MS = 2;

/**
 * Keeps tokens in the browser's `localStorage` (default) or `sessionStorage`: one key per namespace
 * (`<keyPrefix><namespace>`) whose value is a JSON token file in format 2.0 holding that namespace,
 * so an exported value reads like the JSON backend's file (and the Python SDK's).
 *
 * Across tabs: writes and `runExclusive` use the Web Locks API (`navigator.locks`), so tabs never
 * lose each other's updates and a `StorageBackedAuthorizer` (from `@globus-tokenstorage/authorizers`)
 * open in several tabs refreshes a token once. Chromium delivers another tab's localStorage writes a
 * little after the lock that covered them, so each write also records its revision in IndexedDB and
 * a tab entering a lock first waits (milliseconds) until its localStorage shows that revision.
 * Without Web Locks, `runExclusive` is absent (not faked) and only one tab should write.
 *
 * A value that is not a token file is reported with a typed error and never overwritten; a write
 * the browser refuses for lack of space throws `StorageQuotaExceededError` and changes nothing.
 *
 * @example
 * ```ts
 * import { WebStorageTokenStorage } from '@globus-tokenstorage/web-storage';
 * import { NativeAppAuthClient, StorageBackedAuthorizer, authorizedFetch } from '@globus-tokenstorage/authorizers';
 *
 * const storage = new WebStorageTokenStorage(); // localStorage, namespace "DEFAULT"
 * const client = new NativeAppAuthClient(CLIENT_ID);
 * if (!hasRunExclusive(storage)) throw new Error('no Web Locks here'); // hasRunExclusive from core
 * const authorizer = new StorageBackedAuthorizer(storage, 'transfer.api.globus.org', client);
 * const response = await authorizedFetch(authorizer, 'https://transfer.api.globus.org/v0.10/endpoint_search?filter_scope=my-endpoints');
 * ```
 */
export class WebStorageTokenStorage extends TokenStorage {
  /** `"WebStorageTokenStorage"`, also in minified bundles: messages, `toString()` and `util.inspect` show it. */
  static override get name(): string {
    return 'WebStorageTokenStorage';
  }

  /** The default of the `keyPrefix` option. */
  static readonly DEFAULT_KEY_PREFIX = 'globus-tokenstorage:';
  /** The default of the `lockTimeoutMs` option. */
  static readonly DEFAULT_LOCK_TIMEOUT_MS = 60000;

  /** Prefix of this storage's keys and lock names. */
  readonly keyPrefix: string;
  /** The key of this storage's namespace: `<keyPrefix><namespace>`. */
  readonly key: string;
  /**
   * Runs `fn` while no other call with the same key runs, in any tab of the origin (a Web Lock named
   * `<keyPrefix>lock:<key>`, released when `fn` settles or the tab closes). Inside, reads see every
   * write that finished before. Absent when the browser has no Web Locks API.
   *
   * @param key - Non-empty name of the section, e.g. `DEFAULT/transfer.api.globus.org`.
   * @param fn - The work; its result or error is passed on.
   * @returns What `fn` returns.
   * @throws {@link InvalidArgumentError} for an empty key; {@link StorageLockTimeoutError} after
   *   waiting `sectionTimeoutMs`; {@link StorageClosedError} after `close()`.
   */
  declare runExclusive?: RunExclusive;
  /**
   * @returns Every namespace under this storage's prefix that holds at least one entry.
   * @throws {@link TokenFileFormatError} if one of those keys holds something else than a token file.
   */
  declare listNamespaces: () => Promise<string[]>;
  readonly #storage: Storage;
  readonly #storageName: string;
  readonly #locks: LockManagerLike | null;
  readonly #usesLedger: boolean;
  readonly #lockTimeoutMs: number;
  readonly #sectionTimeoutMs: number;
  #cached: { text: string | null; record: NamespaceRecord } | null = null;

  /**
   * Checks its options; reads nothing yet.
   *
   * @param options - See {@link WebStorageTokenStorageOptions}.
   * @throws {@link InvalidArgumentError} for an empty namespace, a `storage` without the `Storage`
   *   methods, no `localStorage` in this environment (pass `storage`), or bad options.
   */
  constructor(options: WebStorageTokenStorageOptions = {}) {
    super(options);
    assertKnownOptions(
      options,
      [...TOKEN_STORAGE_OPTION_KEYS, 'storage', 'keyPrefix', 'lockTimeoutMs', 'sectionTimeoutMs'],
      'WebStorageTokenStorage',
    );
    const storage = options.storage ?? defaultStorage();
    if (!isStorage(storage))
      throw new InvalidArgumentError("'storage' must be a Storage (localStorage, sessionStorage or an object with the same methods)");
    const keyPrefix = options.keyPrefix ?? WebStorageTokenStorage.DEFAULT_KEY_PREFIX;
    if (typeof keyPrefix !== 'string') throw new InvalidArgumentError("'keyPrefix' must be a string");
    const lockTimeoutMs = checkedMilliseconds(options.lockTimeoutMs ?? WebStorageTokenStorage.DEFAULT_LOCK_TIMEOUT_MS, 'lockTimeoutMs');
    const sectionTimeoutMs = checkedMilliseconds(options.sectionTimeoutMs ?? DEFAULT_SECTION_TIMEOUT_MS, 'sectionTimeoutMs');
    this.keyPrefix = keyPrefix;
    this.key = `${keyPrefix}${this.namespace}`;
    this.#storage = storage;
    this.#storageName = storageName(storage);
    this.#lockTimeoutMs = lockTimeoutMs;
    this.#sectionTimeoutMs = sectionTimeoutMs;
    this.#locks = lockManager();
    // sessionStorage is per tab, so other tabs' revisions of the same key say nothing about it.
    this.#usesLedger = this.#locks !== null && this.#storageName === 'localStorage' && revisionLedger.isAvailable;
    if (this.#locks !== null) {
      this.runInSection = (key, fn) =>
        this.#locked(`${this.keyPrefix}lock:${key}`, this.#sectionTimeoutMs, async () => {
          await this.#catchUp();
          return fn();
        });
    }
  }

  /** Present when the browser has Web Locks (see `runExclusive`). */
  declare protected runInSection?: RunExclusive;

  protected override async writeEntries(entries: ReadonlyArray<readonly [string, TokenStorageData]>): Promise<void> {
    await this.#write((record, revision) => ({ record: record.withEntries(entries, revision), result: undefined }));
  }

  protected override async readEntries(): Promise<Record<string, TokenStorageData>> {
    return this.#read().allTokenData();
  }

  protected override async readEntry(resourceServer: string): Promise<TokenStorageData | null> {
    return this.#read().tokenData(resourceServer);
  }

  protected override async removeEntry(resourceServer: string): Promise<boolean> {
    return this.#write((record, revision) =>
      record.has(resourceServer) ? { record: record.without(resourceServer, revision), result: true } : { record: null, result: false },
    );
  }

  protected override async readNamespaces(): Promise<string[]> {
    const names: string[] = [];
    for (let index = 0; index < this.#storage.length; index += 1) {
      const key = this.#storage.key(index);
      if (key === null || !key.startsWith(this.keyPrefix) || key.length === this.keyPrefix.length) continue;
      const namespace = key.slice(this.keyPrefix.length);
      if (NamespaceRecord.parse(this.#storage.getItem(key), this.#where(key), namespace).size > 0) names.push(namespace);
    }
    return names;
  }

  /** A short description naming the class, storage and key; never the tokens. */
  override toString(): string {
    return `WebStorageTokenStorage(${this.#where(this.key)})`;
  }

  /** What `JSON.stringify` shows: class, namespace and key only. */
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), key: this.key, storageArea: this.#storageName };
  }

  /** Read-modify-write of this namespace's key, under the namespace's write lock when there are locks. */
  async #write<T>(change: (record: NamespaceRecord, revision: number) => { record: NamespaceRecord | null; result: T }): Promise<T> {
    if (this.#locks === null) return this.#apply(change, 0).result;
    return this.#locked(`${this.keyPrefix}write:${this.namespace}`, this.#lockTimeoutMs, async () => {
      const ledgerRevision = await this.#catchUp();
      const { record, result } = this.#apply(change, ledgerRevision);
      if (record !== null && this.#usesLedger) await revisionLedger.record(this.key, record.revision);
      return result;
    });
  }

  /** Synchronous, so no other call of this tab can interleave between the read and the write. */
  #apply<T>(change: (record: NamespaceRecord, revision: number) => { record: NamespaceRecord | null; result: T }, ledgerRevision: number) {
    const current = this.#read();
    const outcome = change(current, Math.max(current.revision, ledgerRevision) + 1);
    if (outcome.record !== null) this.#save(outcome.record);
    return outcome;
  }

  /**
   * Waits until this tab's view of the key is at least the last revision any tab recorded (or the
   * grace period after that write ran out: then the key was changed by something else, e.g. cleared,
   * and what this tab sees is the truth).
   *
   * @returns The recorded revision (0 if none).
   */
  async #catchUp(): Promise<number> {
    if (!this.#usesLedger) return 0;
    const latest = await revisionLedger.read(this.key);
    if (latest === null) return 0;
    const deadline = latest.writtenAtMs + PROPAGATION_GRACE_MS;
    while (this.#visibleRevision() < latest.revision && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, PROPAGATION_POLL_MS));
    }
    return latest.revision;
  }

  #visibleRevision(): number {
    try {
      return this.#read().revision;
    } catch {
      // An unreadable value is as new as it gets; the read after this reports it.
      return Number.MAX_SAFE_INTEGER;
    }
  }

  #read(): NamespaceRecord {
    let text: string | null;
    try {
      text = this.#storage.getItem(this.key);
    } catch (error) {
      throw new TokenStorageError(`${this.#where(this.key)} cannot be read (${safeErrorName(error) ?? 'unknown error'})`, { cause: error });
    }
    if (this.#cached?.text !== text) this.#cached = { text, record: NamespaceRecord.parse(text, this.#where(this.key), this.namespace) };
    return this.#cached.record;
  }

  #save(record: NamespaceRecord): void {
    const text = record.serialize();
    try {
      this.#storage.setItem(this.key, text);
    } catch (error) {
      if (isQuotaError(error)) {
        throw new StorageQuotaExceededError(
          `${this.#where(this.key)} cannot be written: the browser's storage quota is exceeded; nothing was changed`,
          {
            resource: this.#where(this.key),
            cause: error,
          },
        );
      }
      throw new TokenStorageError(
        `${this.#where(this.key)} cannot be written (${safeErrorName(error) ?? 'unknown error'}); nothing was changed`,
        { cause: error },
      );
    }
    this.#cached = { text, record };
  }

  async #locked<T>(name: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
    // 0 takes the lock only if it is free now; Infinity waits without a timer (AbortSignal.timeout refuses it).
    const signal = timeoutMs > 0 && timeoutMs < Infinity ? AbortSignal.timeout(timeoutMs) : undefined;
    const timedOut = () =>
      new StorageLockTimeoutError(`the Web Lock '${name}' stayed taken by another tab for ${timeoutMs} ms`, { resource: name, timeoutMs });
    let entered = false;
    try {
      return await (this.#locks as LockManagerLike).request(name, { signal, ifAvailable: timeoutMs === 0 }, (lock) => {
        if (lock === null) throw timedOut();
        entered = true;
        this.closeSignal.throwIfAborted();
        return fn();
      });
    } catch (error) {
      if (!entered && signal?.aborted === true) throw timedOut();
      throw error;
    }
  }

  #where(key: string): string {
    return `${this.#storageName}[${JSON.stringify(key)}]`;
  }
}

function defaultStorage(): Storage {
  try {
    return globalThis.localStorage;
  } catch {
    // Reading `localStorage` throws where the user blocked site data; the check below reports it.
    return undefined as unknown as Storage;
  }
}

function isStorage(value: unknown): value is Storage {
  const candidate = value as Partial<Storage> | null | undefined;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.getItem === 'function' &&
    typeof candidate.setItem === 'function' &&
    typeof candidate.key === 'function'
  );
}

function storageName(storage: Storage): string {
  const global = globalThis as { localStorage?: Storage; sessionStorage?: Storage };
  try {
    if (storage === global.localStorage) return 'localStorage';
    if (storage === global.sessionStorage) return 'sessionStorage';
  } catch {
    // Blocked site data: the storage was passed in, so it is neither of the two.
  }
  return 'Storage';
}

function lockManager(): LockManagerLike | null {
  const locks = (globalThis as { navigator?: { locks?: unknown } }).navigator?.locks;
  return typeof locks === 'object' && locks !== null && typeof (locks as LockManagerLike).request === 'function'
    ? (locks as LockManagerLike)
    : null;
}

function isQuotaError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED';
}
