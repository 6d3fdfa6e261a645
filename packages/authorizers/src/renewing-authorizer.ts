import { InvalidArgumentError, type OAuthTokenResponse, type TokenDict } from '@globus-tokenstorage/core';
import { assertKnownOptions, checkedClock, INSPECT_CUSTOM, redactSecret } from '@globus-tokenstorage/core/backend';
import type { GlobusAuthorizer } from './globus-authorizer';
import { checkedSignal, checkedTimeoutMs } from './request-deadline';
import { requestTokens } from './token-request';
import { SingleFlight } from './single-flight';
import { describe } from './redaction';

/** Called with every token response a renewing authorizer obtains; awaited before the new header is used. */
export type OnRefreshCallback = (response: OAuthTokenResponse) => unknown;

/**
 * The token a renewing authorizer starts with: an access token and when it expires, both or
 * neither (then the first call fetches a token).
 */
export type InitialAccessToken =
  | {
      /** A current access token, e.g. from storage. */
      accessToken: string;
      /** When `accessToken` expires, in epoch seconds. */
      expiresAtSeconds: number;
    }
  | { accessToken?: null; expiresAtSeconds?: null };

/** Options of every {@link RenewingAuthorizer}: {@link RenewingAuthorizerSettings} and an optional {@link InitialAccessToken}. */
export type RenewingAuthorizerOptions = RenewingAuthorizerSettings & InitialAccessToken;

/** The settings of every {@link RenewingAuthorizer}, besides the token it starts with. */
export interface RenewingAuthorizerSettings {
  /**
   * Called with each new token response after the new token is in place and before its header is
   * returned; awaited. Typically `(response) => storage.storeTokenResponse(response)`. If it throws,
   * the next call offers it the same response again before the token is used.
   * @default none
   */
  onRefresh?: OnRefreshCallback | null;
  /** Current time in epoch seconds. @default the system clock */
  now?: () => number;
  /**
   * How long the token request of one renewal may take, in milliseconds, before the renewal fails
   * with `AuthRequestTimeoutError` (the login client's own `timeoutMs` applies as well). `Infinity`
   * waits for ever. @default 30000
   */
  timeoutMs?: number;
  /**
   * Cancels renewals with `AuthRequestAbortedError`, e.g. at shutdown; once it has aborted, every
   * renewal fails at once. @default none
   */
  signal?: AbortSignal;
}

/** Every option of {@link RenewingAuthorizerOptions}, to refuse unknown ones. */
const RENEWING_OPTION_KEYS = ['accessToken', 'expiresAtSeconds', 'onRefresh', 'now', 'timeoutMs', 'signal'];

/**
 * Base class of authorizers that obtain their own access tokens (by refresh token, client
 * credentials, …). Subclasses implement {@link RenewingAuthorizer.getTokenResponse} and
 * {@link RenewingAuthorizer.extractTokenData}.
 *
 * - A token is used while `now() <= expiresAtSeconds - 60`; otherwise the next `getAuthorizationHeader`
 *   fetches a new one. The constructor never does (unlike Python, where it fetches at once).
 * - Concurrent callers share one renewal; its failure rejects all of them with a typed error, and the
 *   next call starts a new renewal.
 * - A renewal's token request ends within `timeoutMs` (default 30 s), or when `signal` aborts, with a
 *   typed error: a token endpoint that never answers cannot leave callers waiting for ever.
 * - `onRefresh(response)` is awaited after the new token is in place and before any caller gets it.
 *   If it throws, the callers get its error and the new token is kept (its refresh token may already
 *   be spent) but not used: the next call first offers the same response to `onRefresh` again, so
 *   a token is never handed out before `onRefresh` has accepted it.
 *
 * @example
 * ```ts
 * class MyAuthorizer extends RenewingAuthorizer {
 *   protected getTokenResponse() { return client.oauth2ClientCredentialsTokens('scope'); }
 *   protected extractTokenData(response: OAuthTokenResponse) { return Object.values(response.byResourceServer)[0]!; }
 * }
 * ```
 */
export abstract class RenewingAuthorizer implements GlobusAuthorizer {
  /** `"RenewingAuthorizer"`, also in minified bundles: messages, `toString()` and `util.inspect` show it. */
  static get name(): string {
    return 'RenewingAuthorizer';
  }

  /** Tokens expiring within this many seconds are renewed before use (as in the Python SDK). */
  static readonly EXPIRES_ADJUST_SECONDS = 60;

  #accessToken: string | null = null;
  #expiresAtSeconds: number | null = null;
  /** A promise of `Bearer <access token>`, built once per token: the hot path allocates nothing. */
  #header: Promise<string> | null = null;
  /** The last `now()` at which the token is used: `expiresAtSeconds - 60`, or -Infinity when it must be renewed. */
  #useUntil = -Infinity;
  /** A response `onRefresh` threw on: offered to it again before its token is used. */
  #undelivered: OAuthTokenResponse | null = null;
  readonly #renewal = new SingleFlight<string>();
  readonly #onRefresh: OnRefreshCallback | null;
  readonly #now: () => number;
  readonly #timeoutMs: number;
  readonly #signal: AbortSignal | undefined;

  /**
   * @param options - See {@link RenewingAuthorizerOptions}. No network happens here.
   * @throws {@link InvalidArgumentError} if exactly one of `accessToken` and `expiresAtSeconds` is given,
   *   an option has the wrong type, or for an unknown option.
   */
  constructor(options: RenewingAuthorizerOptions = {}) {
    assertKnownOptions(options, RENEWING_OPTION_KEYS, new.target.name);
    const accessToken = options.accessToken ?? null;
    const expiresAtSeconds = options.expiresAtSeconds ?? null;
    if ((accessToken === null) !== (expiresAtSeconds === null)) {
      throw new InvalidArgumentError(
        `${new.target.name}: give both 'accessToken' and 'expiresAtSeconds' (the stored token and when it expires), or neither (the first call then fetches a token)`,
      );
    }
    if (accessToken !== null && (typeof accessToken !== 'string' || accessToken === '')) {
      throw new InvalidArgumentError("'accessToken' must be a non-empty string");
    }
    if (expiresAtSeconds !== null && (typeof expiresAtSeconds !== 'number' || !Number.isFinite(expiresAtSeconds))) {
      throw new InvalidArgumentError("'expiresAtSeconds' must be a number (epoch seconds)");
    }
    const onRefresh = options.onRefresh ?? null;
    if (onRefresh !== null && typeof onRefresh !== 'function') throw new InvalidArgumentError("'onRefresh' must be a function");
    this.#setToken(accessToken, expiresAtSeconds);
    this.#onRefresh = onRefresh;
    this.#now = checkedClock(options.now);
    this.#timeoutMs = checkedTimeoutMs(options.timeoutMs);
    this.#signal = checkedSignal(options.signal);
  }

  /** The current access token, or `null` before the first renewal (a secret: do not log it). */
  get accessToken(): string | null {
    return this.#accessToken;
  }

  /** When the current access token expires (epoch seconds), or `null` if unknown or marked stale. */
  get expiresAtSeconds(): number | null {
    return this.#expiresAtSeconds;
  }

  /**
   * Fetches a new token response. Called by at most one renewal at a time.
   *
   * @param signal - Aborts when the renewal's `timeoutMs` passes or the authorizer's `signal`
   *   aborts; pass it on to the login client. The renewal ends then even if the request does not.
   * @returns The response.
   */
  protected abstract getTokenResponse(signal: AbortSignal): Promise<OAuthTokenResponse>;

  /**
   * Picks this authorizer's token out of a response (and may update other state, such as a
   * rotated refresh token).
   *
   * @param response - What {@link RenewingAuthorizer.getTokenResponse} returned.
   * @returns The token's dict.
   * @throws A `TokenStorageError` subclass if the response does not fit.
   */
  protected abstract extractTokenData(response: OAuthTokenResponse): Readonly<TokenDict>;

  /**
   * `Bearer <access token>`, renewing the token first if it is missing, stale or expires within
   * 60 seconds (or joining a renewal already in flight).
   *
   * @returns The header value.
   * @throws {@link AuthAPIError} (or another `TokenStorageError` subclass) if the renewal fails;
   *   whatever `onRefresh` throws.
   */
  getAuthorizationHeader(): Promise<string> {
    // The hot path: field reads and one clock read, returning an already settled promise. (The clock
    // is read on every call, as in Python: a cached reading or a timer would go stale across a
    // suspended laptop or a blocked event loop.)
    try {
      if (this.#header !== null && !this.#renewal.isRunning && this.#now() <= this.#useUntil) return this.#header;
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#renewedHeader();
  }

  /**
   * Renews the token after a `401`, unless a newer token than the rejected one is already in place
   * (or being fetched), in which case it just answers `true`. Unlike Python, the renewal happens
   * here, so its failure surfaces from this call.
   *
   * @param rejectedAuthorization - The header value the server rejected. Without it, the current
   *   token is assumed rejected (Python's behaviour).
   * @returns `true`: retrying with the new token makes sense.
   * @throws {@link AuthAPIError} (or another `TokenStorageError` subclass) if the renewal fails.
   */
  async handleMissingAuthorization(rejectedAuthorization?: string | null): Promise<boolean> {
    if (!this.#renewal.isRunning) {
      const current = this.#accessToken === null ? null : `Bearer ${this.#accessToken}`;
      if (typeof rejectedAuthorization === 'string' && current !== null && rejectedAuthorization !== current) return true;
      this.#setToken(this.#accessToken, null);
    }
    await this.#renew();
    return true;
  }

  /** The fields shown (redacted) by `toJSON`, `toString` and `util.inspect`; subclasses add theirs. */
  protected describeFields(): Record<string, unknown> {
    return { accessToken: redactSecret(this.#accessToken), expiresAtSeconds: this.#expiresAtSeconds };
  }

  /** A JSON view with every token redacted. */
  toJSON(): Record<string, unknown> {
    return { authorizer: this.constructor.name, ...this.describeFields() };
  }

  /** A one-line description with every token redacted. */
  toString(): string {
    return describe(this.constructor.name, this.describeFields());
  }

  /** What `util.inspect` shows: the redacted description. */
  [INSPECT_CUSTOM](): string {
    return this.toString();
  }

  /** Replaces the token and what the hot path derives from it. */
  #setToken(accessToken: string | null, expiresAtSeconds: number | null): void {
    this.#accessToken = accessToken;
    this.#expiresAtSeconds = expiresAtSeconds;
    this.#header = accessToken === null ? null : Promise.resolve(`Bearer ${accessToken}`);
    this.#useUntil =
      this.#undelivered !== null || accessToken === null || expiresAtSeconds === null
        ? -Infinity
        : expiresAtSeconds - RenewingAuthorizer.EXPIRES_ADJUST_SECONDS;
  }

  /**
   * Awaits `onRefresh(response)`. Until it succeeds, the response stays undelivered and its token is
   * not used (the hot path falls through to a renewal, which delivers it first).
   */
  async #deliver(response: OAuthTokenResponse): Promise<void> {
    if (this.#onRefresh === null) return;
    this.#undelivered = response;
    this.#useUntil = -Infinity;
    await this.#onRefresh(response);
    this.#undelivered = null;
    this.#setToken(this.#accessToken, this.#expiresAtSeconds);
  }

  async #renewedHeader(): Promise<string> {
    return `Bearer ${await this.#renew()}`;
  }

  #renew(): Promise<string> {
    return this.#renewal.run(() => this.#fetchNewToken());
  }

  async #fetchNewToken(): Promise<string> {
    if (this.#undelivered !== null) {
      await this.#deliver(this.#undelivered);
      if (this.#accessToken !== null && this.#now() <= this.#useUntil) return this.#accessToken;
    }
    const response = await requestTokens(`${this.constructor.name}: the token renewal`, this.#timeoutMs, this.#signal, (signal) =>
      this.getTokenResponse(signal),
    );
    const data = this.extractTokenData(response);
    this.#setToken(data.access_token, data.expires_at_seconds);
    await this.#deliver(response);
    return data.access_token;
  }
}
