import { InvalidArgumentError, StorageClosedError } from '../errors';
import { INSPECT_CUSTOM } from '../redaction';
import type { IDTokenDecoderLike } from '../tokens/id-token-decoder';
import type { OAuthTokenResponse } from '../tokens/oauth-token-response';
import type { TokenStorageData } from '../tokens/token-storage-data';
import type { TokenStorageLike } from './token-storage-like';
import { checkTokenResponse, extractIdentityId, tokenDataFromResponse } from './token-response-data';
import { checkedClock } from '../arguments/checked-clock';
import { InFlightCalls } from './in-flight-calls';
import { checkResourceServer, checkTokenDataMapping } from './storage-arguments';
import type { StoredEntry } from './stored-entry';

/** Options every storage accepts. */
export interface TokenStorageOptions {
  /** The namespace to read and write; any non-empty string. @default "DEFAULT" */
  namespace?: string;
  /** Verifies id_tokens in `storeTokenResponse`. @default the decoder attached to the response */
  idTokenDecoder?: IDTokenDecoderLike | null;
  /** Current time in epoch seconds. @default the system clock */
  now?: () => number;
}

/**
 * The options {@link TokenStorage} itself reads. A backend checks its options with
 * `assertKnownOptions(options, [...TOKEN_STORAGE_OPTION_KEYS, ...its own], name)`.
 */
export const TOKEN_STORAGE_OPTION_KEYS: readonly ['namespace', 'idTokenDecoder', 'now'] = Object.freeze([
  'namespace',
  'idTokenDecoder',
  'now',
] as const);

/** The signature of `runExclusive` (see {@link TokenStorageLike.runExclusive}). */
export type RunExclusive = <T>(key: string, fn: () => Promise<T>) => Promise<T>;

/** Each optional public method, and the hook whose presence makes it present. */
const OPTIONAL_ABILITIES = {
  listNamespaces: 'readNamespaces',
  iterAllEntries: 'walkEntries',
  runExclusive: 'runInSection',
} as const;

type OptionalAbility = keyof typeof OPTIONAL_ABILITIES;
type OptionalHook = (typeof OPTIONAL_ABILITIES)[OptionalAbility];

/**
 * Base class of token storages. Its public methods check that the storage is open and check their
 * arguments, count the call for `close()`, then call the protected hooks a backend implements:
 * {@link TokenStorage.readEntries}, {@link TokenStorage.writeEntries} and
 * {@link TokenStorage.removeEntry} (required), {@link TokenStorage.readEntry} (a cheaper lookup),
 * and the optional {@link TokenStorage.readNamespaces}, {@link TokenStorage.runInSection} and
 * {@link TokenStorage.walkEntries}, each of which makes its public method
 * (`listNamespaces`, `runExclusive`, `iterAllEntries`) present. Hooks get checked arguments and
 * are called only while the storage is open. Prove the result with `runTokenStorageConformance`
 * from `@globus-tokenstorage/core/conformance`.
 *
 * @example
 * ```ts
 * class MapTokenStorage extends TokenStorage {
 *   private readonly entries = new Map<string, TokenDataDict>();
 *   protected async readEntries() {
 *     return Object.fromEntries([...this.entries].map(([key, dict]) => [key, TokenStorageData.fromDict(dict)]));
 *   }
 *   protected async writeEntries(entries: ReadonlyArray<readonly [string, TokenStorageData]>) {
 *     for (const [key, value] of entries) this.entries.set(key, value.toDict());
 *   }
 *   protected async removeEntry(resourceServer: string) {
 *     return this.entries.delete(resourceServer);
 *   }
 * }
 * ```
 */
export abstract class TokenStorage implements TokenStorageLike {
  /** The namespace this storage reads and writes. */
  readonly namespace: string;
  /** Verifies id_tokens in `storeTokenResponse`; may be replaced at any time. */
  idTokenDecoder: IDTokenDecoderLike | null;
  /**
   * {@inheritDoc TokenStorageLike.runExclusive}
   * Present when the backend implements {@link TokenStorage.runInSection}.
   * @throws {@link InvalidArgumentError} for an empty key or a `fn` that is not a function.
   * @throws {@link StorageClosedError} after `close()`.
   */
  declare runExclusive?: RunExclusive;
  /**
   * {@inheritDoc TokenStorageLike.listNamespaces}
   * Present when the backend implements {@link TokenStorage.readNamespaces}.
   * @throws {@link StorageClosedError} after `close()`.
   */
  declare listNamespaces?: () => Promise<string[]>;
  /**
   * Walks every entry of every namespace (whatever this storage's namespace); an invalid entry is
   * yielded with its error. Present when the backend implements {@link TokenStorage.walkEntries}.
   * @throws {@link StorageClosedError} (on iteration) after `close()`.
   */
  declare iterAllEntries?: () => AsyncGenerator<StoredEntry>;
  /** The clock (epoch seconds). */
  protected readonly now: () => number;
  /** Aborted by `close()`, with a `StorageClosedError` as reason: a backend's long waits stop on it. */
  protected readonly closeSignal: AbortSignal;
  private readonly closer = new AbortController();
  /** Whether `close()` was called: a plain field, read on every call (cheaper than the signal's getter). */
  private closed = false;
  private readonly inFlight = new InFlightCalls();

  static {
    // A hook assigned as a property (in a constructor, when the environment allows it) makes its
    // public method present too; a hook written as a method is found by the constructor.
    for (const [name, hook] of Object.entries(OPTIONAL_ABILITIES) as Array<[OptionalAbility, OptionalHook]>) {
      Object.defineProperty(this.prototype, hook, {
        configurable: true,
        set(this: TokenStorage, value: unknown) {
          Object.defineProperty(this, hook, { value, writable: true, configurable: true });
          this.provide(name);
        },
      });
    }
  }

  /**
   * @param options - See {@link TokenStorageOptions}.
   * @throws {@link InvalidArgumentError} for an empty or non-string namespace, or bad options.
   */
  constructor(options: TokenStorageOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('storage options must be an object');
    const namespace = options.namespace === undefined ? 'DEFAULT' : options.namespace;
    if (typeof namespace !== 'string' || namespace === '') {
      throw new InvalidArgumentError('namespace must be a non-empty string');
    }
    const decoder = options.idTokenDecoder ?? null;
    if (decoder !== null && typeof decoder.decode !== 'function') {
      throw new InvalidArgumentError("'idTokenDecoder' must have a decode(idToken) method");
    }
    this.namespace = namespace;
    this.idTokenDecoder = decoder;
    this.now = checkedClock(options.now);
    this.closeSignal = this.closer.signal;
    for (const [name, hook] of Object.entries(OPTIONAL_ABILITIES) as Array<[OptionalAbility, OptionalHook]>) {
      if (typeof this[hook] === 'function') this.provide(name);
    }
  }

  /**
   * Reads every entry of this storage's namespace.
   *
   * @returns The entries keyed by resource server, fresh objects each call (build it with
   *   `setOwnEntry` or `Object.fromEntries`: `"__proto__"` is a valid key).
   */
  protected abstract readEntries(): Promise<Record<string, TokenStorageData>>;

  /**
   * Writes entries into this storage's namespace, replacing whole entries of the same keys, all or
   * none. An empty list still creates the namespace where the backend has such a notion.
   *
   * @param entries - Checked entries: non-empty keys and `TokenStorageData` values.
   */
  protected abstract writeEntries(entries: ReadonlyArray<readonly [string, TokenStorageData]>): Promise<void>;

  /**
   * Removes one entry of this storage's namespace.
   *
   * @param resourceServer - A checked key (a non-empty string).
   * @returns Whether an entry was removed.
   */
  protected abstract removeEntry(resourceServer: string): Promise<boolean>;

  /**
   * Reads one entry of this storage's namespace. Defaults to {@link TokenStorage.readEntries};
   * override it with a cheaper lookup.
   *
   * @param resourceServer - A checked key (a non-empty string).
   * @returns The entry, or `null`.
   */
  protected async readEntry(resourceServer: string): Promise<TokenStorageData | null> {
    const all = await this.readEntries();
    return Object.hasOwn(all, resourceServer) ? (all[resourceServer] ?? null) : null;
  }

  /**
   * Optional: lists the namespaces with data in the backing store. Implementing it makes
   * `listNamespaces` present.
   *
   * @returns The namespace names.
   */
  protected readNamespaces?(): Promise<string[]>;

  /**
   * Optional: runs `fn` inside the critical section `key` (see {@link TokenStorageLike.runExclusive}).
   * Implementing it makes `runExclusive` present; a backend whose sections depend on the
   * environment assigns it in its constructor, or leaves it out (declare it with
   * `protected declare runInSection?: RunExclusive`: a class field would hide the assignment from
   * the base class). The same holds for the other optional hooks.
   *
   * @param key - A checked key (a non-empty string).
   * @param fn - A checked function.
   * @returns What `fn` returns.
   */
  protected runInSection?<T>(key: string, fn: () => Promise<T>): Promise<T>;

  /**
   * Optional: walks every entry of every namespace. Implementing it makes `iterAllEntries`
   * present, which checks that the storage is open before each step and counts each step for `close()`.
   *
   * @returns The entries, one at a time.
   */
  protected walkEntries?(): AsyncIterable<StoredEntry>;

  /**
   * {@inheritDoc TokenStorageLike.storeTokenDataByResourceServer}
   * @throws {@link InvalidArgumentError} if `data` is not an object of `TokenStorageData` under non-empty keys.
   * @throws {@link StorageClosedError} after `close()`.
   */
  storeTokenDataByResourceServer(data: Readonly<Record<string, TokenStorageData>>): Promise<void> {
    return this.whileOpen(() => this.writeEntries(checkTokenDataMapping(data)));
  }

  /**
   * {@inheritDoc TokenStorageLike.getTokenDataByResourceServer}
   * @throws {@link StorageClosedError} after `close()`.
   */
  getTokenDataByResourceServer(): Promise<Record<string, TokenStorageData>> {
    return this.whileOpen(() => this.readEntries());
  }

  /**
   * Looks one entry up.
   *
   * @param resourceServer - The key the entry was stored under.
   * @returns The entry, or `null`.
   * @throws {@link InvalidArgumentError} for an empty or non-string key.
   * @throws {@link StorageClosedError} after `close()`.
   */
  getTokenData(resourceServer: string): Promise<TokenStorageData | null> {
    return this.whileOpen(() => this.readEntry(checkResourceServer(resourceServer)));
  }

  /**
   * {@inheritDoc TokenStorageLike.removeTokenData}
   * @throws {@link InvalidArgumentError} for an empty or non-string key.
   * @throws {@link StorageClosedError} after `close()`.
   */
  removeTokenData(resourceServer: string): Promise<boolean> {
    return this.whileOpen(() => this.removeEntry(checkResourceServer(resourceServer)));
  }

  /**
   * Stores every token of a response in one `storeTokenDataByResourceServer` call.
   *
   * The identity comes from the verified id_token (`sub`); a response without one stores
   * `identityId: null`, except a refresh response, which keeps the identity, and the refresh token
   * if the response carries none, already stored for each resource server (the Python SDK drops both).
   *
   * @param response - A response from a login client or `OAuthTokenResponse.fromJSON`.
   * @throws {@link IdentityExtractionError} if the id_token cannot be verified; nothing is stored.
   * @throws {@link InvalidArgumentError} if `response` is not a token response.
   * @throws {@link StorageClosedError} after `close()`.
   */
  storeTokenResponse(response: OAuthTokenResponse): Promise<void> {
    return this.whileOpen(async () => {
      checkTokenResponse(response);
      const identityId = await extractIdentityId(response, this.idTokenDecoder);
      const previous = response.grantType === 'refresh_token' ? await this.getTokenDataByResourceServer() : {};
      await this.storeTokenDataByResourceServer(tokenDataFromResponse(response, identityId, previous));
    });
  }

  /**
   * Closes the storage; afterwards every call rejects with `StorageClosedError`. Calls started
   * before finish (or reject with `StorageClosedError`), and `close()` resolves only once all of
   * them have settled, so do not await it inside `runExclusive`'s `fn` of the same storage.
   * Idempotent. Subclasses that hold resources override it, call `super.close()` first, and
   * release them after it resolves.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (!this.closer.signal.aborted) this.closer.abort(this.closedError());
    await this.inFlight.idle();
  }

  /** A short description naming the class and namespace; never the tokens. */
  toString(): string {
    return `${this.constructor.name}(namespace=${JSON.stringify(this.namespace)})`;
  }

  /** What `JSON.stringify` shows: the class and namespace only. */
  toJSON(): Record<string, unknown> {
    return { storage: this.constructor.name, namespace: this.namespace };
  }

  /** What `util.inspect` (and so `console.log`) shows: the class and namespace only. */
  [INSPECT_CUSTOM](): string {
    return this.toString();
  }

  /**
   * Runs an operation as every public method runs its hook: it rejects with `StorageClosedError`
   * after `close()`, and `close()` waits for it. For a backend's own public methods.
   *
   * @param work - The operation.
   * @returns What `work` returns.
   * @throws {@link StorageClosedError} after `close()`.
   */
  protected whileOpen<T>(work: () => Promise<T>): Promise<T> {
    let result: Promise<T>;
    try {
      if (this.closed) throw this.closedError();
      result = work();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.inFlight.track(result);
  }

  /**
   * Iterates a backend's own sequence as `iterAllEntries` does: each step rejects with
   * `StorageClosedError` after `close()` (before asking `source` for more), and `close()` waits for it.
   *
   * @param source - Makes the sequence; called at the first step.
   * @returns The sequence's items, one at a time.
   * @throws {@link StorageClosedError} (on iteration) after `close()`.
   */
  protected async *whileOpenEach<T>(source: () => AsyncIterable<T>): AsyncGenerator<T> {
    const iterator = (await this.whileOpen(async () => source()))[Symbol.asyncIterator]();
    try {
      for (;;) {
        const step = await this.whileOpen(() => iterator.next());
        if (step.done === true) return;
        yield step.value;
      }
    } finally {
      await iterator.return?.();
    }
  }

  /** Whether {@link TokenStorage.close} was called. */
  protected get isClosed(): boolean {
    return this.closed;
  }

  private closedError(): StorageClosedError {
    return new StorageClosedError(`the token storage for namespace '${this.namespace}' is closed`);
  }

  /** Makes the public method of an optional hook present on this storage. */
  private provide(name: OptionalAbility): void {
    const value =
      name === 'listNamespaces'
        ? () => this.whileOpen(() => (this.readNamespaces as () => Promise<string[]>)())
        : name === 'iterAllEntries'
          ? () => this.whileOpenEach(() => (this.walkEntries as () => AsyncIterable<StoredEntry>)())
          : <T>(key: string, fn: () => Promise<T>): Promise<T> =>
              this.whileOpen(() => {
                if (typeof key !== 'string' || key === '') throw new InvalidArgumentError('runExclusive: key must be a non-empty string');
                if (typeof fn !== 'function') throw new InvalidArgumentError('runExclusive: fn must be a function');
                return (this.runInSection as RunExclusive)(key, fn);
              });
    Object.defineProperty(this, name, { value, writable: true, configurable: true });
  }
}
