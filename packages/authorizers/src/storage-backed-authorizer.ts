import {
  InvalidArgumentError,
  InvalidTokenDataError,
  MissingTokenError,
  TokenStorageError,
  type OAuthTokenResponse,
  type TokenDict,
  type TokenStorageData,
  type TokenStorageLike,
  type TokenStorageWithRunExclusive,
} from '@globus-tokenstorage/core';
import { assertKnownOptions, checkedClock, INSPECT_CUSTOM, redactSecret, safeErrorName } from '@globus-tokenstorage/core/backend';
import type { GlobusAuthorizer } from './globus-authorizer';
import { checkedSignal, checkedTimeoutMs, sleep } from './request-deadline';
import { RenewalDeadline } from './renewal-deadline';
import {
  isLeasedBy,
  liveLease,
  MAX_REFRESH_LEASE_SECONDS,
  newLeaseHolder,
  withLease,
  withoutLease,
  type RefreshLease,
} from './refresh-lease';
import { requestTokens } from './token-request';
import { SingleFlight } from './single-flight';
import { describe } from './redaction';
import type { RefreshTokenClient } from './refresh-token-authorizer';
import type { OnRefreshCallback } from './renewing-authorizer';

/** Options of {@link StorageBackedAuthorizer}. */
export interface StorageBackedAuthorizerOptions {
  /** Current time in epoch seconds. @default the system clock */
  now?: () => number;
  /**
   * Called with each token response this authorizer obtained, once the storage was asked to store
   * it (and, if storing failed, while it is retried), before its header is returned; awaited, and
   * not bounded by `timeoutMs`. Not called when the authorizer adopts a token that another process
   * (or another authorizer) stored.
   * @default none
   */
  onRefresh?: OnRefreshCallback | null;
  /** A token is used while `now() <= expiresAtSeconds - marginSeconds`. @default 60 */
  marginSeconds?: number;
  /**
   * How long one renewal may take, in milliseconds, every step included (storage reads, the wait
   * for the critical section or for another process's refresh, the refresh request), before
   * `getAuthorizationHeader` fails with `AuthRequestTimeoutError` naming the step (the login
   * client's own `timeoutMs` applies to the request as well). `Infinity` waits for ever.
   * @default 30000
   */
  timeoutMs?: number;
  /**
   * Cancels renewals with `AuthRequestAbortedError` wherever they wait, e.g. at shutdown; also ends
   * the retries of a store that failed. @default none
   */
  signal?: AbortSignal;
  /**
   * How long, in seconds, other processes wait for the result of a refresh this authorizer sent
   * (the lease of its "refresh in flight" marker) before they refresh on their own. The refresh
   * request may take half of it; storing its answer is retried until it ends. A process that dies
   * after recording the marker makes the others wait this long. From 1 to 3600.
   * @default 60
   */
  refreshLeaseSeconds?: number;
}

/** The token this authorizer currently sends. */
interface CurrentToken {
  accessToken: string;
  expiresAtSeconds: number;
}

/**
 * A refresh whose answer could not be stored: retried in the background until the lease ends, and
 * stored at the next renewal, before anything else.
 */
interface UnsavedRefresh {
  response: OAuthTokenResponse;
  /** The refresh token that was spent on it. */
  spentRefreshToken: string;
  /** The lease recorded for it. */
  lease: RefreshLease;
  /** When the lease ends on this process's monotonic clock (`performance.now()`). */
  retryUntil: number;
}

/** What the section's work reached, for a caller that stops waiting for the section call itself. */
interface SectionProgress {
  /** The token obtained (whether or not storing it worked). */
  renewed?: Renewed;
  /** Whether the refresh failed, with {@link SectionProgress.failure}. */
  refreshFailed?: boolean;
  failure?: unknown;
}

/** First and longest pause between two looks at a refresh another process has in flight, in milliseconds. */
const FIRST_POLL_MS = 50;
const MAX_POLL_MS = 500;
/** First and longest pause between two attempts to store an unsaved answer, in milliseconds. */
const FIRST_STORE_RETRY_MS = 250;
const MAX_STORE_RETRY_MS = 5000;

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
 * token in memory while `now() <= expiresAtSeconds - marginSeconds`. Otherwise — or after a `401` on the
 * current token — it re-reads the storage and adopts a newer valid token if another process stored
 * one. If not, it enters the storage's cross-process critical section
 * (`storage.runExclusive("<namespace>/<resourceServer>", …)`), re-reads the storage there, adopts a
 * token stored meanwhile, or else records a "refresh in flight" marker with a lease in the entry
 * (see {@link StorageBackedAuthorizerOptions.refreshLeaseSeconds}), refreshes once with the stored
 * refresh token and stores the answer with `storage.storeTokenResponse(response)` (which keeps the
 * identity, and the refresh token when the answer carries none, and drops the marker) before leaving
 * the section. Callers in one process share one renewal; a failed renewal rejects all of them with a
 * typed error and the next call starts afresh. `timeoutMs` and `signal` bound the whole renewal.
 *
 * A process that finds another's live marker waits for that refresh's result instead of sending
 * the same refresh token again. If storing the answer fails (a database outage), the caller still
 * gets the new token, and the answer is stored again and again, with backoff, until it is stored
 * or the lease ends. What remains: a process that dies (or whose retries end) before its answer is
 * stored takes the only copy of the new tokens with it; once its lease ends, the next refresh
 * presents the spent refresh token, which a rotating server refuses.
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
  /** The lease of a refresh in flight unless `refreshLeaseSeconds` says otherwise. */
  static readonly DEFAULT_REFRESH_LEASE_SECONDS = 60;

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
  readonly #leaseSeconds: number;
  /** Names this authorizer in the markers it records. */
  readonly #leaseHolder = newLeaseHolder();
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
  constructor(
    storage: TokenStorageWithRunExclusive,
    resourceServer: string,
    authClient: RefreshTokenClient,
    options: StorageBackedAuthorizerOptions = {},
  ) {
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
    if (typeof resourceServer !== 'string' || resourceServer === '')
      throw new InvalidArgumentError('resourceServer must be a non-empty string');
    if (typeof authClient !== 'object' || authClient === null || typeof authClient.oauth2RefreshToken !== 'function') {
      throw new InvalidArgumentError(
        'StorageBackedAuthorizer requires a login client with an oauth2RefreshToken method (NativeAppAuthClient or ConfidentialAppAuthClient)',
      );
    }
    assertKnownOptions(
      options,
      ['now', 'onRefresh', 'marginSeconds', 'timeoutMs', 'signal', 'refreshLeaseSeconds'],
      'StorageBackedAuthorizer',
    );
    const onRefresh = options.onRefresh ?? null;
    if (onRefresh !== null && typeof onRefresh !== 'function') throw new InvalidArgumentError("'onRefresh' must be a function");
    const marginSeconds = options.marginSeconds ?? StorageBackedAuthorizer.DEFAULT_MARGIN_SECONDS;
    if (typeof marginSeconds !== 'number' || !Number.isFinite(marginSeconds) || marginSeconds < 0) {
      throw new InvalidArgumentError("'marginSeconds' must be a finite number >= 0");
    }
    const leaseSeconds = options.refreshLeaseSeconds ?? StorageBackedAuthorizer.DEFAULT_REFRESH_LEASE_SECONDS;
    if (typeof leaseSeconds !== 'number' || !(leaseSeconds >= 1) || leaseSeconds > MAX_REFRESH_LEASE_SECONDS) {
      throw new InvalidArgumentError(`'refreshLeaseSeconds' must be a number of seconds from 1 to ${MAX_REFRESH_LEASE_SECONDS}`);
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
    this.#leaseSeconds = leaseSeconds;
  }

  /** The access token in use, or `null` before the first read of the storage (a secret: do not log it). */
  get accessToken(): string | null {
    return this.#token?.accessToken ?? null;
  }

  /** When the access token in use expires (epoch seconds), or `null` before the first read of the storage. */
  get expiresAtSeconds(): number | null {
    return this.#token?.expiresAtSeconds ?? null;
  }

  /**
   * `Bearer <access token>`. While the token in memory is valid for more than `marginSeconds`, no
   * I/O happens; otherwise the storage is re-read and, if it holds no valid token either, the token
   * is refreshed inside the storage's critical section (or a renewal already in flight is joined).
   *
   * @returns The header value.
   * @throws {@link MissingTokenError} if the storage holds no token for the resource server, or a
   *   refresh is needed and it holds no refresh token.
   * @throws {@link AuthRequestTimeoutError} if the renewal did not end within `timeoutMs` (its
   *   message names the step: reading the storage, waiting for the section or for another process's
   *   refresh, refreshing); {@link AuthRequestAbortedError} if `signal` aborted it.
   * @throws {@link AuthAPIError} if the refresh fails (the auth client's typed errors pass through).
   * @throws {@link InvalidTokenDataError} if the refresh answer holds other than one token for the resource server.
   * @throws A `TokenStorageError` subclass (e.g. `StorageLockTimeoutError`) if the storage fails
   *   before the refresh (once a new token is obtained, it is returned even if storing it fails);
   *   whatever `onRefresh` throws.
   */
  async getAuthorizationHeader(): Promise<string> {
    const token = this.#token;
    if (!this.#renewal.isRunning && token !== null && this.#isUsable(token.accessToken, token.expiresAtSeconds))
      return `Bearer ${token.accessToken}`;
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
      accessToken: redactSecret(this.accessToken),
      expiresAtSeconds: this.expiresAtSeconds,
    };
  }

  #isUsable(accessToken: string, expiresAtSeconds: number): boolean {
    return accessToken !== this.#rejected && this.#now() <= expiresAtSeconds - this.#marginSeconds;
  }

  #renew(): Promise<string> {
    return this.#renewal.run(() => this.#renewWithinDeadline());
  }

  async #renewWithinDeadline(): Promise<string> {
    const deadline = new RenewalDeadline(`the token renewal for ${this.resourceServer}`, this.#timeoutMs, this.#signal);
    try {
      const renewed = await this.#obtain(deadline);
      if (renewed.response !== null && this.#onRefresh !== null) await this.#onRefresh(renewed.response);
      return renewed.accessToken;
    } finally {
      deadline.dispose();
    }
  }

  async #obtain(deadline: RenewalDeadline): Promise<Renewed> {
    for (let pauseMs = FIRST_POLL_MS; ; pauseMs = Math.min(pauseMs * 2, MAX_POLL_MS)) {
      // Cheap first look, outside the section: another process may have stored a new token, or be refreshing it.
      const next = this.#unsaved === null ? this.#nextStep(await this.#read(deadline)) : 'refresh';
      if (next === 'refresh') {
        const outcome = await this.#enterSection(deadline);
        if (outcome !== 'wait') return outcome;
      } else if (next !== 'wait') {
        return next;
      }
      await deadline.pause("waiting for another process's refresh", jittered(pauseMs));
    }
  }

  /**
   * What a stored entry means for a renewal: adopt its token, wait for the refresh another process
   * has in flight (its live marker), or refresh.
   */
  #nextStep(stored: TokenStorageData): Renewed | 'wait' | 'refresh' {
    if (this.#adopt(stored)) return { accessToken: stored.accessToken, response: null };
    const lease = liveLease(stored, this.#now());
    return lease !== null && lease.holder !== this.#leaseHolder ? 'wait' : 'refresh';
  }

  /**
   * Runs the exclusive part of a renewal. The caller is released at the deadline even if the storage
   * never answers, and gets the token obtained in the section even if storing it, or leaving the
   * section, fails or outlasts the deadline.
   */
  async #enterSection(deadline: RenewalDeadline): Promise<Renewed | 'wait'> {
    const reached: SectionProgress = {};
    try {
      return await deadline.wait('waiting for the critical section', () =>
        this.#runExclusive(this.sectionKey, () => this.#renewExclusively(deadline, reached)),
      );
    } catch (error) {
      if (reached.renewed !== undefined) return reached.renewed;
      if (reached.refreshFailed === true) throw reached.failure;
      throw typedStorageError(error, 'entering the critical section');
    }
  }

  /**
   * The part of a renewal that must not run in two processes at once. Its storage calls are not cut
   * short by the deadline (the caller is released by {@link StorageBackedAuthorizer.#enterSection}):
   * a write must be known to have landed, or failed, before the section is left.
   */
  async #renewExclusively(deadline: RenewalDeadline, reached: SectionProgress): Promise<Renewed | 'wait'> {
    // The caller may have given up while the section was being entered.
    deadline.throwIfOver();
    deadline.step = 'reading the token storage';
    let stored = await this.#readInSection();
    if (this.#unsaved !== null) {
      deadline.step = 'storing the refreshed token';
      stored = await this.#storeUnsaved(stored);
    }
    if (stored === null) throw missingToken(this.resourceServer);
    const next = this.#nextStep(stored);
    if (next !== 'refresh') return next;
    const refreshToken = stored.refreshToken;
    if (refreshToken === null || refreshToken === '') {
      throw new MissingTokenError(`No refresh_token for ${this.resourceServer}`, { resourceServer: this.resourceServer });
    }
    // Recorded before the refresh token is sent: until the lease ends, others wait for this refresh's
    // result instead of presenting the same refresh token (which a rotating server may have spent).
    const lease: RefreshLease = { holder: this.#leaseHolder, expiresAtSeconds: Math.ceil(this.#now() + this.#leaseSeconds) };
    const retryUntil = performance.now() + this.#leaseSeconds * 1000;
    deadline.step = 'recording the refresh in the storage';
    await this.#storageCall('recording the refresh in the storage', () =>
      this.#storage.storeTokenDataByResourceServer({ [this.resourceServer]: withLease(stored, lease) }),
    );
    let response: OAuthTokenResponse;
    let token: Readonly<TokenDict>;
    try {
      deadline.throwIfOver();
      response = await this.#refresh(refreshToken, deadline);
      token = this.#tokenOf(response);
    } catch (error) {
      reached.refreshFailed = true;
      reached.failure = error;
      await this.#dropLease().catch(() => undefined);
      throw error;
    }
    this.#token = { accessToken: token.access_token, expiresAtSeconds: token.expires_at_seconds };
    const renewed: Renewed = { accessToken: token.access_token, response };
    reached.renewed = renewed;
    deadline.step = 'storing the refreshed token';
    try {
      await this.#storage.storeTokenResponse(response);
    } catch {
      // The refresh token may be spent already (rotation): keep the answer, and store it as soon as
      // the storage works again, before the lease ends.
      const unsaved: UnsavedRefresh = { response, spentRefreshToken: refreshToken, lease, retryUntil };
      this.#unsaved = unsaved;
      void this.#keepStoring(unsaved);
    }
    return renewed;
  }

  /**
   * Stores the unsaved answer if the storage still holds the refresh token spent on it (otherwise
   * another process moved on, or the entry was removed, and the answer is older than what is stored).
   * Runs inside the section.
   *
   * @returns The entry stored now.
   */
  async #storeUnsaved(stored: TokenStorageData | null): Promise<TokenStorageData | null> {
    const unsaved = this.#unsaved;
    if (unsaved === null) return stored;
    if (stored !== null && stored.refreshToken === unsaved.spentRefreshToken) {
      await this.#storageCall('storing the refreshed token', () => this.#storage.storeTokenResponse(unsaved.response));
      stored = await this.#readInSection();
    }
    if (this.#unsaved === unsaved) this.#unsaved = null;
    return stored;
  }

  /**
   * Retries storing an unsaved answer, with exponential backoff, until it is stored, a renewal
   * stored it, the lease ends, or the authorizer's signal aborts. Never rejects.
   */
  async #keepStoring(unsaved: UnsavedRefresh): Promise<void> {
    for (let pauseMs = FIRST_STORE_RETRY_MS; this.#unsaved === unsaved; pauseMs = Math.min(pauseMs * 2, MAX_STORE_RETRY_MS)) {
      const waitMs = jittered(pauseMs);
      // Past the lease, another process may present the spent refresh token: storing is then no longer safe to promise.
      if (performance.now() + waitMs >= unsaved.retryUntil || this.#now() + waitMs / 1000 >= unsaved.lease.expiresAtSeconds) return;
      if (!(await pauseUnlessAborted(waitMs, this.#signal))) return;
      try {
        await this.#runExclusive(this.sectionKey, async () => {
          if (this.#unsaved === unsaved) await this.#storeUnsaved(await this.#readInSection());
        });
      } catch {
        // The storage still fails: the next attempt, after a longer pause.
      }
    }
  }

  /** Removes this authorizer's marker after a failed refresh, so that others need not wait for the lease. */
  async #dropLease(): Promise<void> {
    const stored = await this.#readInSection();
    if (stored !== null && isLeasedBy(stored, this.#leaseHolder)) {
      await this.#storage.storeTokenDataByResourceServer({ [this.resourceServer]: withoutLease(stored) });
    }
  }

  /** Makes a stored token the current one if it is valid and not the rejected one. */
  #adopt(stored: TokenStorageData): boolean {
    if (!this.#isUsable(stored.accessToken, stored.expiresAtSeconds)) return false;
    this.#token = { accessToken: stored.accessToken, expiresAtSeconds: stored.expiresAtSeconds };
    return true;
  }

  /** Reads the entry outside the section, within the deadline. */
  async #read(deadline: RenewalDeadline): Promise<TokenStorageData> {
    let stored: TokenStorageData | null;
    try {
      stored = await deadline.wait('reading the token storage', () => this.#storage.getTokenData(this.resourceServer));
    } catch (error) {
      throw typedStorageError(error, 'reading the token storage');
    }
    if (stored === null) throw missingToken(this.resourceServer);
    return stored;
  }

  #readInSection(): Promise<TokenStorageData | null> {
    return this.#storageCall('reading the token storage', () => this.#storage.getTokenData(this.resourceServer));
  }

  /**
   * Sends the refresh. Once sent, it is not cut short by the caller's deadline (a refresh cancelled
   * in flight may have spent the refresh token, and its answer would be lost): it has its own limit,
   * `timeoutMs` and at most half the lease, so that storing its answer has the other half, and the
   * authorizer's `signal` cancels it.
   */
  #refresh(refreshToken: string, deadline: RenewalDeadline): Promise<OAuthTokenResponse> {
    deadline.step = 'refreshing the token';
    const limitMs = Math.min(this.#timeoutMs, this.#leaseSeconds * 500);
    return requestTokens(`token refresh for ${this.resourceServer}`, limitMs, this.#signal, (signal) =>
      this.#authClient.oauth2RefreshToken(refreshToken, { signal }),
    );
  }

  #tokenOf(response: OAuthTokenResponse): Readonly<TokenDict> {
    const entries = Object.entries(response.byResourceServer);
    const [entry] = entries;
    if (entries.length !== 1 || entry === undefined || entry[0] !== this.resourceServer) {
      throw new InvalidTokenDataError(
        `the refresh answer did not hold exactly one token, for ${this.resourceServer}: possible service error`,
      );
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

function missingToken(resourceServer: string): MissingTokenError {
  return new MissingTokenError(`No token data for ${resourceServer}`, { resourceServer });
}

/** `ms` ±25 %, so that processes do not poll in step. */
function jittered(ms: number): number {
  return ms * (0.75 + Math.random() / 2);
}

/**
 * Pauses, keeping the process alive: an unsaved token must not be lost to a normal exit.
 *
 * @returns `false` if `signal` aborted (before or during the pause).
 */
function pauseUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal === undefined) return new Promise((resolve) => setTimeout(() => resolve(true), ms));
  return sleep(ms, signal).then(
    () => true,
    () => false,
  );
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
