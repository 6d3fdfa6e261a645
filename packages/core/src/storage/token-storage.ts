import { InvalidArgumentError, StorageClosedError } from '../errors';
import { INSPECT_CUSTOM } from '../redaction';
import type { IDTokenDecoderLike } from '../tokens/id-token-decoder';
import type { OAuthTokenResponse } from '../tokens/oauth-token-response';
import { TokenStorageData } from '../tokens/token-storage-data';
import type { TokenStorageLike } from './token-storage-like';
import { checkTokenResponse, extractIdentityId, tokenDataFromResponse } from './token-response-data';
import { checkedClock } from '../arguments/checked-clock';
import { InFlightCalls } from './in-flight-calls';

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
export const TOKEN_STORAGE_OPTION_KEYS: readonly ['namespace', 'idTokenDecoder', 'now'] = Object.freeze(['namespace', 'idTokenDecoder', 'now'] as const);

/**
 * Base class of token storages: implement the three abstract methods, call {@link TokenStorage.assertOpen}
 * first in each, and inherit `getTokenData`, `storeTokenResponse` and `close`. Prove the result with
 * `runTokenStorageConformance` from `@globus-tokenstorage/core/conformance`.
 *
 * @example
 * ```ts
 * class MapTokenStorage extends TokenStorage {
 *   private readonly entries = new Map<string, TokenDataDict>();
 *   async storeTokenDataByResourceServer(data: Record<string, TokenStorageData>) {
 *     this.assertOpen();
 *     for (const [key, value] of checkTokenDataMapping(data)) this.entries.set(key, value.toDict());
 *   }
 *   async getTokenDataByResourceServer() {
 *     this.assertOpen();
 *     return Object.fromEntries([...this.entries].map(([key, dict]) => [key, TokenStorageData.fromDict(dict)]));
 *   }
 *   async removeTokenData(resourceServer: string) {
 *     this.assertOpen();
 *     return this.entries.delete(checkResourceServer(resourceServer));
 *   }
 * }
 * ```
 */
export abstract class TokenStorage implements TokenStorageLike {
  /** The namespace this storage reads and writes. */
  readonly namespace: string;
  /** Verifies id_tokens in `storeTokenResponse`; may be replaced at any time. */
  idTokenDecoder: IDTokenDecoderLike | null;
  /** The clock (epoch seconds). */
  protected readonly now: () => number;
  private closed = false;
  private readonly inFlight = new InFlightCalls();

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
    // Every call of the storage's methods (the subclass's own, whatever they are) is counted, so
    // that close() can wait for those it accepted.
    this.inFlight.wrapMethodsOf(this);
  }

  /** {@inheritDoc TokenStorageLike.storeTokenDataByResourceServer} */
  abstract storeTokenDataByResourceServer(data: Readonly<Record<string, TokenStorageData>>): Promise<void>;

  /** {@inheritDoc TokenStorageLike.getTokenDataByResourceServer} */
  abstract getTokenDataByResourceServer(): Promise<Record<string, TokenStorageData>>;

  /** {@inheritDoc TokenStorageLike.removeTokenData} */
  abstract removeTokenData(resourceServer: string): Promise<boolean>;

  /**
   * Looks one entry up (backends may override this with a cheaper lookup).
   *
   * @param resourceServer - The key the entry was stored under.
   * @returns The entry, or `null`.
   * @throws {@link InvalidArgumentError} for an empty or non-string key.
   */
  async getTokenData(resourceServer: string): Promise<TokenStorageData | null> {
    checkResourceServer(resourceServer);
    const all = await this.getTokenDataByResourceServer();
    return Object.hasOwn(all, resourceServer) ? (all[resourceServer] ?? null) : null;
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
   */
  async storeTokenResponse(response: OAuthTokenResponse): Promise<void> {
    this.assertOpen();
    checkTokenResponse(response);
    const identityId = await extractIdentityId(response, this.idTokenDecoder);
    const previous = response.grantType === 'refresh_token' ? await this.getTokenDataByResourceServer() : {};
    await this.storeTokenDataByResourceServer(tokenDataFromResponse(response, identityId, previous));
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
   * Makes {@link TokenStorage.close} wait for `call` too: for a backend's own methods beyond
   * `TokenStorageLike` (those of `TokenStorageLike` are counted already).
   *
   * @param call - The pending work.
   * @returns `call` itself.
   */
  protected track<T>(call: Promise<T>): Promise<T> {
    return this.inFlight.track(call);
  }

  /** Whether {@link TokenStorage.close} was called. */
  protected get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Call first in every operation.
   *
   * @throws {@link StorageClosedError} after `close()`.
   */
  protected assertOpen(): void {
    if (this.closed) throw new StorageClosedError(`the token storage for namespace '${this.namespace}' is closed`);
  }
}

/**
 * Checks a resource server (or other mapping key) argument.
 *
 * @param resourceServer - The argument.
 * @returns It, typed.
 * @throws {@link InvalidArgumentError} if it is not a non-empty string.
 */
export function checkResourceServer(resourceServer: unknown): string {
  if (typeof resourceServer !== 'string' || resourceServer === '') {
    throw new InvalidArgumentError('resourceServer must be a non-empty string');
  }
  return resourceServer;
}

/**
 * Checks the argument of `storeTokenDataByResourceServer`.
 *
 * @param data - The argument.
 * @returns Its entries.
 * @throws {@link InvalidArgumentError} if it is not an object of `TokenStorageData` under non-empty keys.
 */
export function checkTokenDataMapping(data: unknown): Array<[string, TokenStorageData]> {
  if (typeof data !== 'object' || data === null || Array.isArray(data) || data instanceof Map) {
    throw new InvalidArgumentError('token data must be an object mapping resource servers to TokenStorageData');
  }
  const entries = Object.entries(data);
  for (const [key, value] of entries) {
    if (key === '') throw new InvalidArgumentError('token data keys (resource servers) must be non-empty');
    if (!TokenStorageData.isInstance(value)) {
      throw new InvalidArgumentError(`the token data for '${key}' must be a TokenStorageData (use TokenStorageData.fromDict for plain objects)`);
    }
  }
  return entries as Array<[string, TokenStorageData]>;
}
