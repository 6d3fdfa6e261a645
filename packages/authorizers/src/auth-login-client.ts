import {
  AuthAPIError,
  IDTokenDecoder,
  InvalidArgumentError,
  OAuthTokenResponse,
  ScopeParser,
  type GrantType,
  type IDTokenDecoderLike,
  type ScopeCollection,
} from '@globus-tokenstorage/core';
import { abortable, assertKnownOptions, checkedClock, describeNetworkError, INSPECT_CUSTOM } from '@globus-tokenstorage/core/backend';
import type { FetchFunction } from './authorized-fetch';
import { urlencode } from './encoding';
import { scrub } from './redaction';
import { checkedSignal, checkedTimeoutMs, RequestDeadline, sleep } from './request-deadline';
import { DEFAULT_MAX_RETRIES, retryDelayMs, type FailedAttempt } from './retry-policy';

/** Options of the login clients. */
export interface AuthLoginClientOptions {
  /** Base URL of Globus Auth (or a server with the same API). @default "https://auth.globus.org" */
  baseUrl?: string;
  /** The fetch implementation. @default globalThis.fetch (looked up at each call) */
  fetch?: FetchFunction;
  /** Current time in epoch seconds; token responses compute `expires_at_seconds` with it. @default the system clock */
  now?: () => number;
  /**
   * Verifies the id_tokens of this client's responses (attached to each `OAuthTokenResponse`).
   * @default an `IDTokenDecoder` for `baseUrl` and the client ID, using `fetch`, `now` and `timeoutMs`
   */
  idTokenDecoder?: IDTokenDecoderLike;
  /**
   * How long one call to Auth may take, retries and their waits included, in milliseconds, before
   * it fails with `AuthRequestTimeoutError`. `Infinity` waits for ever. @default 30000
   */
  timeoutMs?: number;
  /** Cancels every call of this client (e.g. at shutdown) with `AuthRequestAbortedError`. @default none */
  signal?: AbortSignal;
  /**
   * How many times a failed call is sent again, after 0.5 s, 1 s, … (or the server's `Retry-After`,
   * up to 10 s), within `timeoutMs`. Only failures that cannot have been handled by the server are
   * retried for the authorization-code and refresh-token grants (the request never reached it, or it
   * answered `429`); other calls are also retried after a `5xx` answer or a lost connection. `0`
   * never retries. @default 2
   */
  maxRetries?: number;
  /**
   * Resource server of the tokens of answers that carry no `resource_server`, as standard OAuth2
   * servers send them (Globus Auth always names it). @default none: such an answer is an error
   */
  defaultResourceServer?: string;
}

/** Options of one call to Auth. */
export interface AuthRequestOptions {
  /** Cancels this call with `AuthRequestAbortedError`. @default none */
  signal?: AbortSignal;
}

/** Every option of {@link AuthLoginClientOptions}, to refuse unknown ones. */
const CLIENT_OPTION_KEYS = ['baseUrl', 'fetch', 'now', 'idTokenDecoder', 'timeoutMs', 'signal', 'maxRetries', 'defaultResourceServer'];

/** Options of `oauth2GetAuthorizeUrl`: Globus session parameters, in the order Python adds them. */
export interface AuthorizeUrlOptions {
  /** Identities that must be in the session (comma-joined). */
  sessionRequiredIdentities?: string | Iterable<string>;
  /** Domains one of which must be in the session (comma-joined). */
  sessionRequiredSingleDomain?: string | Iterable<string>;
  /** Globus Auth policies the session must meet (comma-joined). */
  sessionRequiredPolicies?: string | Iterable<string>;
  /** Whether the session needs multi-factor authentication (sent as Python's `True` / `False`). */
  sessionRequiredMfa?: boolean;
  /** A message shown on the login page. */
  sessionMessage?: string;
  /** `"login"` forces a new login. */
  prompt?: string;
  /** More query parameters; a key already present replaces its value in place, as Python's `dict.update`. */
  queryParams?: Readonly<Record<string, string>>;
}

/** A login flow started with `oauth2StartFlow` (what both clients remember of it). */
export interface OAuth2Flow {
  /** Where Auth sends the user back with the code. */
  redirectUri: string;
  /** The requested scopes, space-separated. */
  requestedScopes: string;
  /** The `state` value sent and expected back. */
  state: string;
  /** Whether refresh tokens were requested (`access_type=offline`). */
  refreshTokens: boolean;
}

const DEFAULT_BASE_URL = 'https://auth.globus.org';

/**
 * What the two login clients share: the token, revocation and authorize endpoints of Globus Auth,
 * error handling, and redaction. Use {@link NativeAppAuthClient} or {@link ConfidentialAppAuthClient}.
 */
export abstract class AuthLoginClient {
  /** The OAuth2 client ID. */
  readonly clientId: string;
  /** Base URL of the auth server, without a trailing slash. */
  readonly baseUrl: string;
  /** Verifies the id_tokens of this client's responses. */
  readonly idTokenDecoder: IDTokenDecoderLike;
  /** The clock (epoch seconds). */
  protected readonly now: () => number;
  readonly #fetch: FetchFunction;
  /** Whether `#fetch` is the platform's, whose error messages never quote the request. */
  readonly #isPlatformFetch: boolean;
  readonly #timeoutMs: number;
  readonly #signal: AbortSignal | undefined;
  readonly #maxRetries: number;
  readonly #defaultResourceServer: string | undefined;

  /**
   * @param clientId - The OAuth2 client ID.
   * @param options - See {@link AuthLoginClientOptions}. No network happens here.
   * @throws {@link InvalidArgumentError} for an empty client ID, a base URL that is not an absolute
   *   http(s) URL, options of the wrong type, or an unknown option.
   */
  protected constructor(clientId: string, options: AuthLoginClientOptions) {
    if (typeof clientId !== 'string' || clientId === '') throw new InvalidArgumentError('clientId must be a non-empty string');
    assertKnownOptions(options, CLIENT_OPTION_KEYS, new.target.name);
    const baseUrl = options.baseUrl ?? DEFAULT_BASE_URL;
    if (typeof baseUrl !== 'string' || !URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol)) {
      throw new InvalidArgumentError("'baseUrl' must be an absolute http(s) URL");
    }
    if (options.fetch !== undefined && typeof options.fetch !== 'function') throw new InvalidArgumentError("'fetch' must be a function");
    if (options.idTokenDecoder !== undefined && typeof options.idTokenDecoder?.decode !== 'function') {
      throw new InvalidArgumentError("'idTokenDecoder' must have a decode(idToken) method");
    }
    const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    if (typeof maxRetries !== 'number' || !Number.isInteger(maxRetries) || maxRetries < 0 || maxRetries > 10) {
      throw new InvalidArgumentError("'maxRetries' must be an integer from 0 to 10");
    }
    const { defaultResourceServer } = options;
    if (defaultResourceServer !== undefined && (typeof defaultResourceServer !== 'string' || defaultResourceServer === '')) {
      throw new InvalidArgumentError("'defaultResourceServer' must be a non-empty string");
    }
    this.clientId = clientId;
    this.baseUrl = baseUrl.replace(/\/+$/, '');
    this.now = checkedClock(options.now);
    this.#isPlatformFetch = options.fetch === undefined;
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.#timeoutMs = checkedTimeoutMs(options.timeoutMs);
    this.#signal = checkedSignal(options.signal);
    this.#maxRetries = maxRetries;
    this.#defaultResourceServer = defaultResourceServer;
    this.idTokenDecoder =
      options.idTokenDecoder ??
      new IDTokenDecoder({
        clientId,
        authBaseUrl: this.baseUrl,
        ...(options.fetch === undefined ? {} : { fetch: this.#fetch as typeof fetch }),
        now: this.now,
        timeoutMs: this.#timeoutMs,
      });
  }

  /**
   * Gets new tokens with a refresh token (`grant_type=refresh_token`). Not retried once the request
   * may have reached the server (see `maxRetries`).
   *
   * @param refreshToken - The refresh token.
   * @param options - `signal` cancels the call.
   * @returns The response (`grantType: "refresh_token"`).
   * @throws {@link AuthAPIError} for an error answer or a network failure (`httpStatus` 0, the
   *   network error as `cause`); its subclasses `AuthRequestTimeoutError` after `timeoutMs` and
   *   `AuthRequestAbortedError` when a signal aborts it; `InvalidTokenDataError` for a malformed response.
   */
  abstract oauth2RefreshToken(refreshToken: string, options?: AuthRequestOptions): Promise<OAuthTokenResponse>;

  /**
   * Revokes an access or refresh token (`POST /v2/oauth2/token/revoke`).
   *
   * @param token - The token to revoke.
   * @param options - `signal` cancels the call.
   * @throws {@link AuthAPIError} (or its timeout and cancellation subclasses) for an error answer or a network failure.
   */
  abstract oauth2RevokeToken(token: string, options?: AuthRequestOptions): Promise<void>;

  /** The `Authorization` header value of this client's requests to Auth, or `null` for none. */
  protected abstract clientAuthorization(): string | null;

  /** Values of this client that must never appear in an error (its secret). */
  protected abstract clientSecrets(): readonly string[];

  /**
   * POSTs a form to the token endpoint and wraps the answer.
   *
   * @param form - The form fields, in order.
   * @param grantType - Recorded on the response.
   * @param secrets - Values sent that an error must not echo.
   * @param options - The call's options (`signal`).
   * @returns The token response.
   */
  protected async oauth2Token(
    form: ReadonlyArray<readonly [string, string]>,
    grantType: GrantType,
    secrets: readonly string[],
    options: AuthRequestOptions | undefined,
  ): Promise<OAuthTokenResponse> {
    // The code is single-use, and a refresh token may be rotated by the first request: see maxRetries.
    const idempotent = grantType !== 'authorization_code' && grantType !== 'refresh_token';
    const body = await this.authRequest('POST', '/v2/oauth2/token', { form, secrets, what: `the ${grantType} grant`, idempotent, options });
    return OAuthTokenResponse.fromJSON(body, {
      grantType,
      now: this.now,
      idTokenDecoder: this.idTokenDecoder,
      ...(this.#defaultResourceServer === undefined ? {} : { defaultResourceServer: this.#defaultResourceServer }),
    });
  }

  /**
   * Sends a request to Auth, with the client's time limit, signal and retries, and returns the
   * parsed JSON body of the answer (`null` for an empty body).
   *
   * @param method - `GET` or `POST`.
   * @param pathAndQuery - Path (and query) under the base URL.
   * @param request - `form` fields for a POST, `secrets` to keep out of errors, `what` names the call
   *   in messages, `idempotent` says whether it may be retried after the server may have handled it,
   *   `options` holds the call's signal.
   * @returns The body.
   * @throws {@link AuthAPIError} for an error answer, an answer that is not JSON, or a network
   *   failure (with the network error as `cause`); `AuthRequestTimeoutError`, `AuthRequestAbortedError`.
   */
  protected async authRequest(
    method: 'GET' | 'POST',
    pathAndQuery: string,
    request: {
      form?: ReadonlyArray<readonly [string, string]>;
      secrets: readonly string[];
      what: string;
      idempotent: boolean;
      options?: AuthRequestOptions | undefined;
    },
  ): Promise<unknown> {
    const options = request.options ?? {};
    assertKnownOptions(options, ['signal'], request.what);
    const where = `${method} ${pathAndQuery.split('?')[0]}`;
    const deadline = new RequestDeadline(this.#timeoutMs, [this.#signal, checkedSignal(options.signal)]);
    try {
      for (let attempt = 0; ; attempt++) {
        const outcome = await this.#attempt(method, pathAndQuery, request, where, deadline);
        if (!('failure' in outcome)) return outcome.body;
        const delay = retryDelayMs(outcome.failure, attempt, {
          idempotent: request.idempotent,
          maxRetries: this.#maxRetries,
          remainingMs: deadline.remainingMs,
        });
        if (delay === null) throw outcome.error;
        await sleep(delay, deadline.signal);
      }
    } catch (error) {
      throw deadline.signal.aborted ? deadline.error(`${request.what} (${where})`) : error;
    } finally {
      deadline.dispose();
    }
  }

  /** One attempt: the parsed body, or the failure (for the retry decision) and its error. */
  async #attempt(
    method: 'GET' | 'POST',
    pathAndQuery: string,
    request: { form?: ReadonlyArray<readonly [string, string]>; secrets: readonly string[]; what: string },
    where: string,
    deadline: RequestDeadline,
  ): Promise<{ body: unknown } | { failure: FailedAttempt; error: AuthAPIError }> {
    const secrets = [...request.secrets, ...this.clientSecrets()];
    const headers: Record<string, string> = { Accept: 'application/json' };
    const authorization = this.clientAuthorization();
    if (authorization !== null) headers.Authorization = authorization;
    let body: string | undefined;
    if (request.form !== undefined) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      body = urlencode(request.form);
    }
    const { signal } = deadline;
    let response: Response;
    let text: string;
    try {
      response = await abortable(this.#fetch(`${this.baseUrl}${pathAndQuery}`, { method, headers, body, signal }), signal);
    } catch (error) {
      if (signal.aborted) throw error;
      const { reason, code, syscall, cause } = describeNetworkError(error, { trustMessages: this.#isPlatformFetch });
      return {
        failure: { kind: 'network', code, syscall },
        error: new AuthAPIError(`${request.what} failed: could not reach ${this.baseUrl} (${where}): ${reason}`, { httpStatus: 0, cause }),
      };
    }
    try {
      text = await abortable(response.text(), signal);
    } catch (error) {
      if (signal.aborted) throw error;
      const { reason, code, cause } = describeNetworkError(error, { trustMessages: this.#isPlatformFetch });
      return {
        failure: { kind: 'network', code, syscall: null },
        error: new AuthAPIError(`${request.what} failed: the answer of ${where} could not be read: ${reason}`, {
          httpStatus: response.status,
          cause,
        }),
      };
    }
    const parsed = parseJSON(text);
    if (!response.ok) {
      const { errorCode, description } = oauthError(parsed, secrets);
      const detail = [errorCode, description].filter((part) => part !== null).join(': ');
      return {
        failure: { kind: 'answer', status: response.status, retryAfter: response.headers.get('Retry-After') },
        error: new AuthAPIError(`${request.what} failed (${where}): HTTP ${response.status}${detail ? ` ${detail}` : ''}`, {
          httpStatus: response.status,
          errorCode,
          description,
        }),
      };
    }
    if (parsed === undefined) {
      throw new AuthAPIError(`${request.what} failed (${where}): HTTP ${response.status} with a body that is not JSON`, {
        httpStatus: response.status,
      });
    }
    return { body: parsed };
  }

  /**
   * Builds an authorize URL from the flow's parameters and the session options, encoded like
   * Python's `urlencode`.
   */
  protected authorizeUrl(flowParams: ReadonlyArray<readonly [string, string]>, extra: AuthorizeUrlOptions = {}): string {
    assertKnownOptions(
      extra,
      [
        'sessionRequiredIdentities',
        'sessionRequiredSingleDomain',
        'sessionRequiredPolicies',
        'sessionRequiredMfa',
        'sessionMessage',
        'prompt',
        'queryParams',
      ],
      'oauth2GetAuthorizeUrl',
    );
    const params = new Map<string, string>(flowParams);
    const set = (key: string, value: string | undefined) => {
      if (value !== undefined) params.set(key, value);
    };
    set('session_required_identities', commaJoined(extra.sessionRequiredIdentities, 'sessionRequiredIdentities'));
    set('session_required_single_domain', commaJoined(extra.sessionRequiredSingleDomain, 'sessionRequiredSingleDomain'));
    set('session_required_policies', commaJoined(extra.sessionRequiredPolicies, 'sessionRequiredPolicies'));
    if (extra.sessionRequiredMfa !== undefined) {
      if (typeof extra.sessionRequiredMfa !== 'boolean') throw new InvalidArgumentError("'sessionRequiredMfa' must be a boolean");
      set('session_required_mfa', extra.sessionRequiredMfa ? 'True' : 'False');
    }
    set('session_message', optionalString(extra.sessionMessage, 'sessionMessage'));
    set('prompt', optionalString(extra.prompt, 'prompt'));
    const queryParams = extra.queryParams ?? {};
    if (typeof queryParams !== 'object' || queryParams === null || Array.isArray(queryParams)) {
      throw new InvalidArgumentError("'queryParams' must be an object of parameter names to strings");
    }
    for (const [key, value] of Object.entries(queryParams)) set(key, optionalString(value, `queryParams.${key}`));
    return `${this.baseUrl}/v2/oauth2/authorize?${urlencode([...params])}`;
  }

  /** A JSON view (no secret). */
  toJSON(): Record<string, unknown> {
    return { client: this.constructor.name, clientId: this.clientId, baseUrl: this.baseUrl };
  }

  /** A one-line description (no secret). */
  toString(): string {
    return `${this.constructor.name}(${JSON.stringify({ clientId: this.clientId, baseUrl: this.baseUrl })})`;
  }

  /** What `util.inspect` shows (no secret). */
  [INSPECT_CUSTOM](): string {
    return this.toString();
  }
}

/**
 * Checks the options common to both `oauth2StartFlow` methods.
 *
 * @returns The normalised flow (without PKCE).
 */
export function checkedFlow(options: {
  requestedScopes: ScopeCollection;
  redirectUri: string;
  state?: string;
  refreshTokens?: boolean;
}): OAuth2Flow {
  if (typeof options.redirectUri !== 'string' || !URL.canParse(options.redirectUri)) {
    throw new InvalidArgumentError("'redirectUri' must be an absolute URL");
  }
  const state = options.state ?? '_default';
  if (typeof state !== 'string') throw new InvalidArgumentError("'state' must be a string");
  const refreshTokens = options.refreshTokens ?? false;
  if (typeof refreshTokens !== 'boolean') throw new InvalidArgumentError("'refreshTokens' must be a boolean");
  return { redirectUri: options.redirectUri, requestedScopes: ScopeParser.serialize(options.requestedScopes), state, refreshTokens };
}

/** The error for methods that need a started flow (Python's usage error). */
export function noFlowError(method: string): InvalidArgumentError {
  return new InvalidArgumentError(`Cannot ${method} until starting an OAuth2 flow. Call oauth2StartFlow() on this client first.`);
}

/** Checks a token argument. */
export function checkedToken(value: unknown, name: string): string {
  if (typeof value !== 'string' || value === '') throw new InvalidArgumentError(`'${name}' must be a non-empty string`);
  return value;
}

function commaJoined(value: string | Iterable<string> | undefined, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null || typeof (value as Iterable<string>)[Symbol.iterator] !== 'function') {
    throw new InvalidArgumentError(`'${name}' must be a string or a list of strings`);
  }
  const items = [...value];
  if (items.some((item) => typeof item !== 'string')) throw new InvalidArgumentError(`'${name}' must be a string or a list of strings`);
  return items.join(',');
}

function optionalString(value: unknown, name: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidArgumentError(`'${name}' must be a string`);
  return value;
}

/** `undefined` when the text is not JSON, `null` when it is empty. */
function parseJSON(text: string): unknown {
  if (text.trim() === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The OAuth2 (`error`, `error_description`) or Globus (`errors[0].code`, `.detail`) error of an answer. */
function oauthError(body: unknown, secrets: readonly string[]): { errorCode: string | null; description: string | null } {
  if (typeof body !== 'object' || body === null) return { errorCode: null, description: null };
  const record = body as Record<string, unknown>;
  const first =
    Array.isArray(record.errors) && typeof record.errors[0] === 'object' && record.errors[0] !== null
      ? (record.errors[0] as Record<string, unknown>)
      : {};
  const errorCode = [record.error, first.code].find((value): value is string => typeof value === 'string') ?? null;
  const description =
    [record.error_description, first.detail, first.message].find((value): value is string => typeof value === 'string') ?? null;
  return {
    errorCode: errorCode === null ? null : scrub(errorCode, secrets),
    description: description === null ? null : scrub(description, secrets),
  };
}
