import type { OAuthTokenResponse } from '../tokens/oauth-token-response';
import type { TokenStorageData } from '../tokens/token-storage-data';
import type { TokenStorage } from './token-storage';

/**
 * The contract every token storage fulfils. Everything that consumes a storage accepts this
 * interface (never checks `instanceof`), so any object with these methods works: a subclass of
 * {@link TokenStorage}, a wrapper such as `ValidatingTokenStorage`, or your own.
 *
 * All methods are async so that network backends (Redis, PostgreSQL, a keychain) can fulfil it.
 * Entries are keyed by the mapping key they were stored under (normally the resource server).
 * Every method rejects bad arguments with `InvalidArgumentError` and, after `close()`, rejects with
 * `StorageClosedError`.
 *
 * A backend that extends {@link TokenStorage} gets all of that from the base class: its public
 * methods check the closed state and the arguments once, count the call for `close()`, and then
 * call the protected hooks the backend implements (`readEntries`, `writeEntries`, `removeEntry`,
 * optionally `readEntry`, `readNamespaces`, `runInSection`, `walkEntries`). An optional method here
 * (`listNamespaces`, `runExclusive`) is present on such a storage exactly when its hook is.
 */
export interface TokenStorageLike {
  /** The namespace this storage reads and writes (`"DEFAULT"` unless chosen). */
  readonly namespace: string;

  /**
   * Stores token data by resource server, replacing whole entries of the same keys. An empty
   * mapping still creates the namespace where the backend has such a notion.
   *
   * @param data - Token data keyed by resource server.
   */
  storeTokenDataByResourceServer(data: Readonly<Record<string, TokenStorageData>>): Promise<void>;

  /** @returns Every entry of the namespace keyed by resource server (fresh objects each call). */
  getTokenDataByResourceServer(): Promise<Record<string, TokenStorageData>>;

  /**
   * @param resourceServer - The key the entry was stored under.
   * @returns The entry, or `null` if there is none.
   */
  getTokenData(resourceServer: string): Promise<TokenStorageData | null>;

  /**
   * @param resourceServer - The key the entry was stored under.
   * @returns Whether an entry was removed.
   */
  removeTokenData(resourceServer: string): Promise<boolean>;

  /**
   * Stores every token of a token response, with the identity taken from its id_token.
   *
   * @param response - A response from a login client or `OAuthTokenResponse.fromJSON`.
   */
  storeTokenResponse(response: OAuthTokenResponse): Promise<void>;

  /** Releases the storage's resources; afterwards every call rejects with `StorageClosedError`. */
  close?(): Promise<void>;

  /** @returns Every namespace with data in the backing store. */
  listNamespaces?(): Promise<string[]>;

  /**
   * Runs `fn` inside a critical section shared by every handle on the same backing store, in every
   * process: calls with the same `key` (e.g. `namespace + "/" + resourceServer`) run one at a time,
   * in no guaranteed order. Meant for work that must not be done twice at once, such as refreshing
   * a token, so `fn` may take long and do network I/O: while it runs, the storage stays fully usable
   * (reads and writes inside and outside `fn` work; no write transaction or file lock is held), and
   * if the process holding the section dies, the section is released after the backend's lease.
   *
   * @param key - Non-empty name of the section.
   * @param fn - The work; its result or error is passed on, and the section is released either way.
   * @returns What `fn` returns.
   * @throws `StorageLockTimeoutError` if the section stays taken longer than the backend's timeout.
   */
  runExclusive?<T>(key: string, fn: () => Promise<T>): Promise<T>;
}
