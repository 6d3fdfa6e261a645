import {
  assertKnownOptions,
  checkedClock,
  InvalidArgumentError,
  InvalidTokenDataError,
  MissingTokenError,
  safeErrorName,
  TokenStorageError,
  type OAuthTokenResponse,
  type TokenDict,
  type TokenStorageData,
  type TokenStorageLike,
  type TokenStorageWithRunExclusive,
} from '@globus-tokenstorage/core';
import type { GlobusAuthorizer } from './globus-authorizer';
import { checkedSignal, checkedTimeoutMs } from './request-deadline';
import { requestTokens } from './token-request';
import { SingleFlight } from './single-flight';
import { describe, INSPECT_CUSTOM, redacted } from './redaction';
import type { RefreshTokenClient } from './refresh-token-authorizer';
import type { OnRefreshCallback } from './renewing-authorizer';

/** Options of {@link StorageBackedAuthorizer}. */
export interface StorageBackedAuthorizerOptions {
  /** Current time in epoch seconds. @default the system clock */
  now?: () => number;
  /**
   * Called with each token response this authorizer obtained, after it is stored and before its
   * header is returned; awaited. Not called when the authorizer adopts a token that another process
   * (or another authorizer) stored.
   * @default none
   */
  onRefresh?: OnRefreshCallback | null;
  /** A token is used while `now() <= expiresAt - marginSeconds`. @default 60 */
  marginSeconds?: number;
  /**
   * How long the refresh request of one renewal may take, in milliseconds, before the renewal fails
   * with `AuthRequestTimeoutError` (the login client's own `timeoutMs` applies as well). `Infinity`
   * waits for ever. @default 30000
   */
  timeoutMs?: number;
  /** Cancels refreshes with `AuthRequestAbortedError`, e.g. at shutdown. @default none */
  signal?: AbortSignal;
}

/** The token this authorizer currently sends. */
interface CurrentToken {
  accessToken: string;
  expiresAt: number;
}

/** A refresh whose answer could not be stored: stored at the next renewal, before anything else. */
interface UnsavedRefresh {
  response: OAuthTokenResponse;
  /** The refresh token that was spent on it. */
  spentRefreshToken: string;
}

/** What one renewal produced. */
interface Renewed {
  accessToken: string;
  /** The response, when this authorizer refreshed; `null` when it adopted a stored token. */
  response: OAuthTokenResponse | null;
}

/**
 * An authorizer whose source of truth is a token storage shared by many processes: parallel CI jobs,
 * several terminals of one CLI, a pool of workers. However many processes need a new token at
 * once, exactly one refreshes it; the others adopt the token it stored. This holds with servers that
 * rotate refresh tokens, where a second refresh with the same refresh token would be refused (or,
 * on some servers, revoke the whole grant and log every process out).
 *
 * How: the constructor only remembers its arguments (no I/O). `getAuthorizationHeader()` uses the
 * token in memory while `now() <= expiresAt - marginSeconds`. Otherwise — or after a `401` on the
 * current token — it re-reads the storage and adopts a newer valid token if another process stored
 * one. If not, it enters the storage's cross-process critical section
 * (`storage.runExclusive("<namespace>/<resourceServer>", …)`), re-reads the storage there, adopts a
 * token stored meanwhile, or else refreshes once with the stored refresh token and stores the answer
 * with `storage.storeTokenResponse(response)` (which keeps the identity, and the refresh token when
 * the answer carries none) before leaving the section. Callers in one process share one renewal; a
 * failed renewal rejects all of them with a typed error and the next call starts afresh.
 *
 * The storage must have `runExclusive` (the JSON, SQLite, PostgreSQL and memory storages do): a storage without
 * it is refused rather than silently given an in-process lock, because that would reintroduce the
 * very race this class exists to remove, and only under load, in production. A holder of the
 * section that dies releases it (at once on the same host; otherwise after the backend's lease). A
 * holder that is frozen (stopped, suspended) for longer than the lease loses the section while it
 * may still send its refresh: the lease bounds the wait, it cannot fence a process that resumes.
 *
 * @example
 * ```ts
 * const storage = new JSONTokenStorage('tokens.json');
 * const client = new NativeAppAuthClient(CLIENT_ID);
 * const authorizer = new StorageBackedAuthorizer(storage, 'transfer.api.globus.org', client);
 * const response = await authorizedFetch(authorizer, 'https://transfer.api.globus.org/v0.10/task_list');
 * ```
 */
export class StorageBackedAuthorizer implements GlobusAuthorizer {
  /** `"StorageBackedAuthorizer"`, also in minified bundles: messages, `toString()` and `util.inspect` show it. */
  static get name(): string {
    return 'StorageBackedAuthorizer';
  }

  /** Tokens expiring within this many seconds are renewed before use unless `marginSeconds` says otherwise. */
  static readonly DEFAULT_MARGIN_SECONDS = 60;

  /** The storage key of the token (normally its resource server). */
  readonly resourceServer: string;
  /** The name of the critical section: `<namespace>/<resourceServer>`. */
  readonly sectionKey: string;
  readonly #storage: TokenStorageLike;
  readonly #runExclusive: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
  readonly #authClient: RefreshTokenClient;
  readonly #onRefresh: OnRefreshCallback | null;
  readonly #now: () => number;
  readonly #marginSeconds: number;
  readonly #timeoutMs: number;
  readonly #signal: AbortSignal | undefined;
  #token: CurrentToken | null = null;
  /** An access token a server refused: never adopted again, even before it expires. */
  #rejected: string | null = null;
  readonly #renewal = new SingleFlight<string>();
  #unsaved: UnsavedRefresh | null = null;

  /**
   * Checks its arguments; does no I/O (the storage is first read by `getAuthorizationHeader`).
   *
   * @param storage - Where the token is kept; must have `runExclusive` (a critical section shared
   *   by every process using the same backing store). Where that depends on the environment
   *   (`WebStorageTokenStorage`), check with `hasRunExclusive(storage)` from core first.
   * @param resourceServer - The key the token is stored under, e.g. `transfer.api.globus.org`.
   * @param authClient - Anything with `oauth2RefreshToken(refreshToken)`, such as `NativeAppAuthClient`.
   * @param options - See {@link StorageBackedAuthorizerOptions}.
   * @throws {@link InvalidArgumentError} for a storage without `runExclusive` (or not a storage), an
   *   empty resource server, a client without `oauth2RefreshToken`, or bad options.
   */
  constructor(storage: TokenStorageWithRunExclusive, resourceServer: string, authClient: RefreshTokenClient, options: StorageBackedAuthorizerOptions = {}) {
    if (
      typeof storage !== 'object' ||
      storage === null ||
      typeof storage.getTokenData !== 'function' ||
      typeof storage.storeTokenResponse !== 'function' ||
      typeof storage.namespace !== 'string'
    ) {
      throw new InvalidArgumentError('StorageBackedAuthorizer requires a token storage (a TokenStorageLike)');
    }
    if (typeof storage.runExclusive !== 'function') {
      throw new InvalidArgumentError(
        'StorageBackedAuthorizer requires a storage with runExclusive (a cross-process critical section), such as JSONTokenStorage, ' +
          'SQLiteTokenStorage, PostgresTokenStorage or MemoryTokenStorage (or a ValidatingTokenStorage around one of them)',
      );
    }
    if (typeof resourceServer !== 'string' || resourceServer === '') throw new InvalidArgumentError('resourceServer must be a non-empty string');
    if (typeof authClient !== 'object' || authClient === null || typeof authClient.oauth2RefreshToken !== 'function') {
      throw new InvalidArgumentError(
        'StorageBackedAuthorizer requires a login client with an oauth2RefreshToken method (NativeAppAuthClient or ConfidentialAppAuthClient)',
      );
    }
    assertKnownOptions(options, ['now', 'onRefresh', 'marginSeconds', 'timeoutMs', 'signal'], 'StorageBackedAuthorizer');
    const onRefresh = options.onRefresh ?? null;
    if (onRefresh !== null && typeof onRefresh !== 'function') throw new InvalidArgumentError("'onRefresh' must be a function");
    const marginSeconds = options.marginSeconds ?? StorageBackedAuthorizer.DEFAULT_MARGIN_SECONDS;
    if (typeof marginSeconds !== 'number' || !Number.isFinite(marginSeconds) || marginSeconds < 0) {
      throw new InvalidArgumentError("'marginSeconds' must be a finite number >= 0");
    }
    this.resourceServer = resourceServer;
    this.sectionKey = `${storage.namespace}/${resourceServer}`;
    this.#storage = storage;
    this.#runExclusive = storage.runExclusive.bind(storage);
    this.#authClient = authClient;
    this.#onRefresh = onRefresh;
    this.#now = checkedClock(options.now);
    this.#marginSeconds = marginSeconds;
    this.#timeoutMs = checkedTimeoutMs(options.timeoutMs);
    this.#signal = checkedSignal(options.signal);
  }

  /** The access token in use, or `null` before the first read of the storage (a secret: do not log it). */
  get accessToken(): string | null {
    return this.#token?.accessToken ?? null;
  }

  /** When the access token in use expires (epoch seconds), or `null` before the first read of the storage. */
  get expiresAt(): number | null {
    return this.#token?.expiresAt ?? null;
  }

  /**
   * `Bearer <access token>`. While the token in memory is valid for more than `marginSeconds`, no
   * I/O happens; otherwise the storage is re-read and, if it holds no valid token either, the token
   * is refreshed inside the storage's critical section (or a renewal already in flight is joined).
   *
   * @returns The header value.
   * @throws {@link MissingTokenError} if the storage holds no token for the resource server, or a
   *   refresh is needed and it holds no refresh token.
   * @throws {@link AuthAPIError} if the refresh fails (the auth client's typed errors pass through).
   * @throws {@link InvalidTokenDataError} if the refresh answer holds other than one token for the resource server.
   * @throws A `TokenStorageError` subclass (e.g. `StorageLockTimeoutError`) if the storage fails;
   *   whatever `onRefresh` throws.
   */
  async getAuthorizationHeader(): Promise<string> {
    const token = this.#token;
    if (!this.#renewal.isRunning && token !== null && this.#isUsable(token.accessToken, token.expiresAt)) return `Bearer ${token.accessToken}`;
    return `Bearer ${await this.#renew()}`;
  }

  /**
   * Called after a `401`. If the rejected header is not the current one (the token was replaced
   * meanwhile), answers `true` at once. Otherwise the rejected token is never used again: the
   * storage is re-read (another process may have stored a newer token) and, failing that, the token
   * is refreshed in the critical section, as in {@link StorageBackedAuthorizer.getAuthorizationHeader}.
   *
   * @param rejectedAuthorization - The header value the server rejected. Without it, the current
   *   token is taken as rejected.
   * @returns `true`: retrying with a new `getAuthorizationHeader()` makes sense.
   * @throws The errors of {@link StorageBackedAuthorizer.getAuthorizationHeader}.
   */
  async handleMissingAuthorization(rejectedAuthorization?: string | null): Promise<boolean> {
    if (!this.#renewal.isRunning) {
      const current = this.#token === null ? null : `Bearer ${this.#token.accessToken}`;
      if (typeof rejectedAuthorization === 'string' && current !== null && rejectedAuthorization !== current) return true;
      this.#rejected = bearerToken(rejectedAuthorization) ?? this.#token?.accessToken ?? this.#rejected;
    }
    await this.#renew();
    return true;
  }

  /** A JSON view with every token redacted. */
  toJSON(): Record<string, unknown> {
    return { authorizer: 'StorageBackedAuthorizer', ...this.#describeFields() };
  }

  /** A one-line description with every token redacted. */
  toString(): string {
    return describe('StorageBackedAuthorizer', this.#describeFields());
  }

  /** What `util.inspect` shows: the redacted description. */
  [INSPECT_CUSTOM](): string {
    return this.toString();
  }

  #describeFields(): Record<string, unknown> {
    const storageClass = (this.#storage as { constructor?: { name?: unknown } }).constructor?.name;
    return {
      storage: typeof storageClass === 'string' ? storageClass : 'TokenStorageLike',
      sectionKey: this.sectionKey,
      accessToken: redacted(this.accessToken),
      expiresAt: this.expiresAt,
    };
  }

  #isUsable(accessToken: string, expiresAt: number): boolean {
    return accessToken !== this.#rejected && this.#now() <= expiresAt - this.#marginSeconds;
  }

  #renew(): Promise<string> {
    return this.#renewal.run(() => this.#obtain());
  }

  async #obtain(): Promise<string> {
    // Cheap first look, outside the section: another process may already have stored a new token.
    if (this.#unsaved === null && this.#adopt(await this.#read())) return (this.#token as CurrentToken).accessToken;
    const renewed = await this.#storageCall('entering the critical section', () => this.#runExclusive(this.sectionKey, () => this.#renewExclusively()));
    if (renewed.response !== null && this.#onRefresh !== null) await this.#onRefresh(renewed.response);
    return renewed.accessToken;
  }

  /** The part of a renewal that must not run in two processes at once. */
  async #renewExclusively(): Promise<Renewed> {
    let stored = await this.#read();
    const unsaved = this.#unsaved;
    if (unsaved !== null) {
      // Only if nobody else moved on meanwhile: otherwise the unsaved answer is older than the stored one.
      if (stored.refreshToken === unsaved.spentRefreshToken) {
        await this.#storageCall('storing the refreshed token', () => this.#storage.storeTokenResponse(unsaved.response));
        stored = await this.#read();
      }
      this.#unsaved = null;
    }
    if (this.#adopt(stored)) return { accessToken: stored.accessToken, response: null };
    const refreshToken = stored.refreshToken;
    if (refreshToken === null || refreshToken === '') {
      throw new MissingTokenError(`No refresh_token for ${this.resourceServer}`, { resourceServer: this.resourceServer });
    }
    const response = await this.#refresh(refreshToken);
    const token = this.#tokenOf(response);
    try {
      await this.#storage.storeTokenResponse(response);
    } catch (error) {
      // The refresh token may be spent already (rotation): keep the answer until it is stored.
      this.#unsaved = { response, spentRefreshToken: refreshToken };
      throw typedStorageError(error, 'storing the refreshed token');
    }
    this.#token = { accessToken: token.access_token, expiresAt: token.expires_at_seconds };
    return { accessToken: token.access_token, response };
  }

  /** Makes a stored token the current one if it is valid and not the rejected one. */
  #adopt(stored: TokenStorageData): boolean {
    if (!this.#isUsable(stored.accessToken, stored.expiresAtSeconds)) return false;
    this.#token = { accessToken: stored.accessToken, expiresAt: stored.expiresAtSeconds };
    return true;
  }

  async #read(): Promise<TokenStorageData> {
    const stored = await this.#storageCall('reading the token storage', () => this.#storage.getTokenData(this.resourceServer));
    if (stored === null) throw new MissingTokenError(`No token data for ${this.resourceServer}`, { resourceServer: this.resourceServer });
    return stored;
  }

  #refresh(refreshToken: string): Promise<OAuthTokenResponse> {
    return requestTokens(`token refresh for ${this.resourceServer}`, this.#timeoutMs, this.#signal, (signal) => this.#authClient.oauth2RefreshToken(refreshToken, { signal }));
  }

  #tokenOf(response: OAuthTokenResponse): Readonly<TokenDict> {
    const entries = Object.entries(response.byResourceServer);
    const [entry] = entries;
    if (entries.length !== 1 || entry === undefined || entry[0] !== this.resourceServer) {
      throw new InvalidTokenDataError(`the refresh answer did not hold exactly one token, for ${this.resourceServer}: possible service error`);
    }
    return entry[1];
  }

  async #storageCall<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw typedStorageError(error, what);
    }
  }
}

/** The token of a `Bearer` header value, or `null`. */
function bearerToken(header: string | null | undefined): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
  return match?.[1] ?? null;
}

/**
 * Typed errors (ours, or a custom storage's built on core) pass through; anything else is described
 * by its class and errno code only: its message could quote a token (a custom storage's, a JSON
 * parser's).
 */
function typedStorageError(error: unknown, what: string): TokenStorageError {
  if (TokenStorageError.isInstance(error)) return error;
  const code = (error as { code?: unknown } | null)?.code;
  const name = safeErrorName(error) ?? typeof error;
  const detail = typeof code === 'string' && /^[A-Z0-9_]+$/.test(code) ? `${name} ${code}` : name;
  return new TokenStorageError(`${what} failed: the storage threw ${detail}`);
}

