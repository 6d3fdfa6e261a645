import {
  InvalidArgumentError,
  LoginCallbackError,
  ScopeParser,
  type OAuthTokenResponse,
  type ScopeCollection,
  type TokenStorageLike,
} from '@globus-tokenstorage/core';
import { assertKnownOptions } from '@globus-tokenstorage/core/backend';

/**
 * The login client a {@link RedirectLogin} drives: `NativeAppAuthClient` from
 * `@globus-tokenstorage/authorizers` (anything with these three methods works).
 */
export interface RedirectLoginClient {
  oauth2StartFlow(options: {
    requestedScopes: ScopeCollection;
    redirectUri?: string;
    state?: string;
    verifier?: string;
    refreshTokens?: boolean;
    prefillNamedGrant?: string;
  }): void;
  oauth2GetAuthorizeUrl(extra?: Record<string, unknown>): string;
  oauth2ExchangeCodeForTokens(code: string): Promise<OAuthTokenResponse>;
}

/** Options of {@link RedirectLogin}. */
export interface RedirectLoginOptions {
  /** The native app's login client (a `NativeAppAuthClient`). */
  client: RedirectLoginClient;
  /** Where the tokens go once the login completes. */
  storage: TokenStorageLike;
  /**
   * Keeps the pending login (PKCE verifier and `state`) while the tab is away at the login page.
   * @default globalThis.sessionStorage (this tab only, gone when it closes)
   */
  flowStorage?: Storage;
  /**
   * The key of the pending login in `flowStorage`. Keep it outside the `keyPrefix` of a
   * `WebStorageTokenStorage` on the same storage area, whose `listNamespaces` would read it as a
   * namespace. @default "globus-tokenstorage-login"
   */
  flowKey?: string;
}

/** Options of {@link RedirectLogin.start}. */
export interface RedirectLoginStartOptions {
  /** The scopes to request. */
  requestedScopes: ScopeCollection;
  /** Where the login page sends the browser back: a page of this app that calls `handleCallback`. */
  redirectUri: string;
  /** Also get refresh tokens (`access_type=offline`), so `StorageBackedAuthorizer` can renew them. @default false */
  refreshTokens?: boolean;
  /** A name for this grant, shown on the consent page. @default none */
  prefillNamedGrant?: string;
  /** Globus session parameters and extra query parameters of the authorize URL (see `oauth2GetAuthorizeUrl`). */
  authorizeUrlOptions?: Record<string, unknown>;
}

/** What is kept in `flowStorage` between `start` and `handleCallback`. */
interface PendingLogin {
  state: string;
  verifier: string;
  redirectUri: string;
  requestedScopes: string;
  refreshTokens: boolean;
  prefillNamedGrant: string | null;
}

/**
 * The OAuth2 authorization-code login with PKCE of a single-page app, across the redirect to the
 * login page and back: `start` builds the authorize URL with a fresh `state` and PKCE verifier and
 * keeps both in `sessionStorage`; `handleCallback`, on the page the browser comes back to, checks the
 * `state`, exchanges the code with the verifier and stores the tokens.
 *
 * @example
 * ```ts
 * const login = new RedirectLogin({ client: new NativeAppAuthClient(CLIENT_ID), storage: new WebStorageTokenStorage() });
 * if (login.isCallback(location.href)) {
 *   await login.handleCallback(location.href);
 *   history.replaceState(null, '', location.pathname); // drop the code from the address bar
 * } else {
 *   loginButton.onclick = () => location.assign(login.start({ requestedScopes: SCOPES, redirectUri: location.origin + '/', refreshTokens: true }));
 * }
 * ```
 */
export class RedirectLogin {
  /** `"RedirectLogin"`, also in minified bundles: messages, `toString()` and `util.inspect` show it. */
  static get name(): string {
    return 'RedirectLogin';
  }

  /** The default of the `flowKey` option. */
  static readonly DEFAULT_FLOW_KEY = 'globus-tokenstorage-login';

  readonly #client: RedirectLoginClient;
  readonly #storage: TokenStorageLike;
  readonly #flowStorage: Storage;
  readonly #flowKey: string;

  /**
   * @param options - See {@link RedirectLoginOptions}. Reads nothing yet.
   * @throws {@link InvalidArgumentError} for a missing client or storage, or no `sessionStorage`.
   */
  constructor(options: RedirectLoginOptions) {
    assertKnownOptions(options, ['client', 'storage', 'flowStorage', 'flowKey'], 'RedirectLogin');
    const { client, storage } = options;
    if (typeof client?.oauth2StartFlow !== 'function' || typeof client.oauth2ExchangeCodeForTokens !== 'function') {
      throw new InvalidArgumentError("'client' must be a login client such as NativeAppAuthClient");
    }
    if (typeof storage?.storeTokenResponse !== 'function') throw new InvalidArgumentError("'storage' must be a token storage");
    const flowStorage = options.flowStorage ?? (globalThis as { sessionStorage?: Storage }).sessionStorage;
    if (typeof flowStorage?.getItem !== 'function')
      throw new InvalidArgumentError("'flowStorage' must be a Storage (there is no sessionStorage here)");
    const flowKey = options.flowKey ?? RedirectLogin.DEFAULT_FLOW_KEY;
    if (typeof flowKey !== 'string' || flowKey === '') throw new InvalidArgumentError("'flowKey' must be a non-empty string");
    this.#client = client;
    this.#storage = storage;
    this.#flowStorage = flowStorage;
    this.#flowKey = flowKey;
  }

  /**
   * Starts a login: a new `state` and PKCE verifier are kept in `flowStorage` (replacing any pending
   * login of this tab) and the authorize URL is returned. Send the browser there
   * (`location.assign(url)`).
   *
   * @param options - See {@link RedirectLoginStartOptions}.
   * @returns The authorize URL.
   * @throws {@link InvalidArgumentError} for empty scopes or a missing redirect URI, or one that is
   *   not an absolute URL.
   */
  start(options: RedirectLoginStartOptions): string {
    assertKnownOptions(
      options,
      ['requestedScopes', 'redirectUri', 'refreshTokens', 'prefillNamedGrant', 'authorizeUrlOptions'],
      'RedirectLogin.start',
    );
    // Without it the login page would end on Globus's copy-this-code page, never coming back here.
    if (typeof options.redirectUri !== 'string' || options.redirectUri === '') {
      throw new InvalidArgumentError("'redirectUri' is required: the page the login returns to");
    }
    const pending: PendingLogin = {
      state: randomText(16),
      verifier: randomText(32),
      redirectUri: options.redirectUri,
      requestedScopes: ScopeParser.serialize(options.requestedScopes, { rejectEmpty: true }),
      refreshTokens: options.refreshTokens ?? false,
      prefillNamedGrant: options.prefillNamedGrant ?? null,
    };
    this.#resume(pending);
    const url = this.#client.oauth2GetAuthorizeUrl(options.authorizeUrlOptions);
    this.#flowStorage.setItem(this.#flowKey, JSON.stringify(pending));
    return url;
  }

  /**
   * @param url - The address the browser is at (`location.href`; a relative one is resolved against it).
   * @returns Whether it is the way back from a login this tab started: a login is pending, the
   *   address is its `redirectUri` (same origin and path; the query may differ) and it carries
   *   `code` or `error`. Other pages of the app with such parameters are not callbacks.
   * @throws {@link InvalidArgumentError} if `url` is not a URL.
   */
  isCallback(url: string | URL): boolean {
    const address = callbackUrl(url);
    const pending = this.#readPending();
    return (
      pending !== null &&
      isAddressOf(address, pending.redirectUri) &&
      (address.searchParams.has('code') || address.searchParams.has('error'))
    );
  }

  /**
   * Completes the login on the page the browser came back to: checks that the address is the
   * login's `redirectUri` and that `state` is the one this tab sent, exchanges the code (with the
   * PKCE verifier) and stores the tokens. Once the state matches, the pending login is used up
   * whatever the outcome, so a redirect cannot be replayed; a redirect that fails those checks
   * leaves it in place, so a forged one cannot cancel the login under way.
   *
   * @param url - The address the browser is at (`location.href`; a relative one is resolved against it).
   * @returns The token response, already stored.
   * @throws {@link LoginCallbackError} if the server sent an error (`reason` is its `error`, e.g.
   *   `access_denied`), no login was started in this tab (`no_login_started`), the address is not
   *   the login's redirect URI (`not_redirect_uri`), the `state` differs (`state_mismatch`) or there
   *   is no code (`missing_code`); nothing is requested or stored then.
   * @throws {@link InvalidArgumentError} if `url` is not a URL (the pending login is kept then).
   * @throws The login client's errors (`AuthAPIError`) and the storage's.
   */
  async handleCallback(url: string | URL): Promise<OAuthTokenResponse> {
    const address = callbackUrl(url);
    const params = address.searchParams;
    const pending = this.#readPending();
    if (pending === null) {
      this.#flowStorage.removeItem(this.#flowKey);
      throw new LoginCallbackError('no login was started in this browser tab (or it was already completed)', {
        reason: 'no_login_started',
      });
    }
    if (!isAddressOf(address, pending.redirectUri)) {
      throw new LoginCallbackError("the address is not the login's redirect URI", { reason: 'not_redirect_uri' });
    }
    if (params.get('state') !== pending.state) {
      throw new LoginCallbackError('the login redirect does not belong to the login this tab started (its state differs)', {
        reason: 'state_mismatch',
      });
    }
    this.#flowStorage.removeItem(this.#flowKey);
    const error = params.get('error');
    if (error !== null) {
      const description = params.get('error_description');
      throw new LoginCallbackError(`the login failed: ${error}${description ? `: ${description}` : ''}`, { reason: error, description });
    }
    const code = params.get('code');
    if (code === null || code === '') throw new LoginCallbackError('the login redirect carries no code', { reason: 'missing_code' });
    this.#resume(pending);
    const response = await this.#client.oauth2ExchangeCodeForTokens(code);
    await this.#storage.storeTokenResponse(response);
    return response;
  }

  /** Puts the client back in the flow that `pending` describes (a page load lost its memory of it). */
  #resume(pending: PendingLogin): void {
    this.#client.oauth2StartFlow({
      requestedScopes: pending.requestedScopes,
      redirectUri: pending.redirectUri,
      state: pending.state,
      verifier: pending.verifier,
      refreshTokens: pending.refreshTokens,
      ...(pending.prefillNamedGrant === null ? {} : { prefillNamedGrant: pending.prefillNamedGrant }),
    });
  }

  /** The pending login of this tab, or `null` if there is none (or what is kept is unusable). */
  #readPending(): PendingLogin | null {
    const text = this.#flowStorage.getItem(this.#flowKey);
    if (text === null) return null;
    try {
      const value = JSON.parse(text) as PendingLogin;
      return typeof value.state === 'string' && typeof value.verifier === 'string' ? value : null;
    } catch {
      return null;
    }
  }

  /** A description without the pending login's secrets. */
  toString(): string {
    return `RedirectLogin(flowKey=${JSON.stringify(this.#flowKey)})`;
  }

  /** What `JSON.stringify` shows: no secrets. */
  toJSON(): Record<string, unknown> {
    return { redirectLogin: true, flowKey: this.#flowKey };
  }
}

/** The address the browser came back to, resolved against the page's own address. */
function callbackUrl(url: string | URL): URL {
  const address =
    typeof url === 'string' || url instanceof URL ? parsedUrl(url, (globalThis as { location?: { href?: string } }).location?.href) : null;
  if (address === null) throw new InvalidArgumentError("'url' must be the page's address (location.href)");
  return address;
}

/** `url` parsed (against `base` if relative), or `null` if it is not a URL. */
function parsedUrl(url: string | URL, base?: string): URL | null {
  try {
    return new URL(url, base);
  } catch {
    return null;
  }
}

/** Whether `address` is the page `redirectUri` names: the same origin and path (queries may differ). */
function isAddressOf(address: URL, redirectUri: string): boolean {
  const expected = parsedUrl(redirectUri);
  return expected !== null && address.origin === expected.origin && address.pathname === expected.pathname;
}

/** `byteCount` random bytes as unpadded base64url (43 characters for 32 bytes: a valid PKCE verifier). */
function randomText(byteCount: number): string {
  const bytes = crypto.getRandomValues(new Uint8Array(byteCount));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
