import { assertKnownOptions } from '../arguments/assert-known-options';
import { IdentityExtractionError, InvalidArgumentError, InvalidTokenDataError } from '../errors';
import { INSPECT_CUSTOM, redactSecret, redactSecretFields } from '../redaction';
import type { IDTokenClaims, IDTokenDecoderLike } from './id-token-decoder';
import { isPlainObject } from './json-value';
import { checkedClock } from '../arguments/checked-clock';

/** How the tokens of a response were obtained. */
export type GrantType = 'authorization_code' | 'refresh_token' | 'client_credentials' | 'dependent_token' | 'unknown';

const GRANT_TYPES: ReadonlySet<string> = new Set([
  'authorization_code',
  'refresh_token',
  'client_credentials',
  'dependent_token',
  'unknown',
]);

/**
 * One token of a response in the Python SDK's `by_resource_server` form (keys in that order;
 * `refresh_token` and `token_type` present as `null` when absent). `JSON.stringify` and
 * `util.inspect` of a dict from a response show its tokens as `"[redacted]"`; `{ ...dict }` is a
 * plain copy that shows them.
 */
export interface TokenDict {
  scope: string;
  access_token: string;
  refresh_token: string | null;
  token_type: string | null;
  expires_at_seconds: number;
  resource_server: string;
}

/** Options of {@link OAuthTokenResponse.fromJSON}. */
export interface OAuthTokenResponseOptions {
  /** How the tokens were obtained; login clients set it. @default "unknown" (`"dependent_token"` for an array) */
  grantType?: GrantType;
  /** Current time in epoch seconds, used to turn `expires_in` into `expires_at_seconds`. @default the system clock */
  now?: () => number;
  /**
   * Resource server of tokens that carry no `resource_server` (standard OAuth2 servers send none).
   * Without it such a token is an error.
   */
  defaultResourceServer?: string;
  /** Decoder used by {@link OAuthTokenResponse.decodeIdToken} when none is passed; login clients set it. */
  idTokenDecoder?: IDTokenDecoderLike;
}

/**
 * A token response from Globus Auth or another OAuth2 server, indexed by resource server and by
 * scope like the Python SDK's `OAuthTokenResponse`. `expires_at_seconds` is fixed when the response
 * is built: `Math.trunc(now + expires_in)`.
 *
 * @example
 * ```ts
 * const response = OAuthTokenResponse.fromJSON(await res.json(), { grantType: 'authorization_code' });
 * const transfer = response.byResourceServer['transfer.api.globus.org'];
 * ```
 */
export class OAuthTokenResponse {
  /** `"OAuthTokenResponse"`, also in minified bundles: messages, `toString()` and `util.inspect` show it. */
  static get name(): string {
    return 'OAuthTokenResponse';
  }

  /** The raw response body (tokens included; do not log it). */
  declare readonly data: Readonly<Record<string, unknown>> | ReadonlyArray<Readonly<Record<string, unknown>>>;
  /** How the tokens were obtained. */
  readonly grantType: GrantType;
  /** Every token of the response (top level, then `other_tokens`) keyed by resource server. */
  declare readonly byResourceServer: Readonly<Record<string, Readonly<TokenDict>>>;
  /** Tokens looked up by scope string; see {@link TokenResponseScopeIndex.get}. */
  declare readonly byScopes: TokenResponseScopeIndex;
  /** The OpenID Connect id_token, or `null`. */
  declare readonly idToken: string | null;
  /** The decoder attached by the login client that produced this response, or `null`. */
  readonly idTokenDecoder: IDTokenDecoderLike | null;

  /**
   * @param data - The parsed response body: an object, or an array of token objects for
   *   dependent-token responses.
   * @param options - See {@link OAuthTokenResponseOptions}.
   * @throws {@link InvalidTokenDataError} if a token lacks `access_token`, `scope` or
   *   `resource_server` (without `defaultResourceServer`), or a field has a wrong type.
   * @throws {@link InvalidArgumentError} for bad options.
   */
  constructor(data: unknown, options: OAuthTokenResponseOptions = {}) {
    const { grantType, now, defaultResourceServer } = checkedOptions(options, Array.isArray(data));
    const nowSeconds = now();
    let tokens: Array<Record<string, unknown>>;
    let labels: string[];
    let idToken: string | null;
    if (Array.isArray(data)) {
      labels = data.map((_, index) => `token ${index} of the response`);
      tokens = data.map((item, index) => checkedObject(item, labels[index] as string));
      idToken = null;
    } else {
      const top = checkedObject(data, 'the token response');
      const others = top.other_tokens ?? [];
      if (!Array.isArray(others)) throw new InvalidTokenDataError("'other_tokens' must be an array");
      labels = ['the token response', ...others.map((_, index) => `other_tokens[${index}]`)];
      tokens = [top, ...others.map((item, index) => checkedObject(item, labels[index + 1] as string))];
      const raw = top.id_token ?? null;
      if (raw !== null && typeof raw !== 'string') throw new InvalidTokenDataError("'id_token' must be a string");
      idToken = raw === '' ? null : raw;
    }
    const byResourceServer = new Map<string, Readonly<TokenDict>>();
    tokens.forEach((token, index) => {
      const dict = toTokenDict(token, labels[index] as string, nowSeconds, defaultResourceServer);
      byResourceServer.set(dict.resource_server, dict);
    });
    const frozen = Object.freeze(Object.fromEntries(byResourceServer));
    // The token-holding fields are not enumerable, so that even util.inspect without custom
    // inspection does not show the tokens.
    Object.defineProperties(this, {
      data: { value: data },
      byResourceServer: { value: frozen },
      byScopes: { value: new TokenResponseScopeIndex(frozen) },
      idToken: { value: idToken },
    });
    this.grantType = grantType;
    this.idTokenDecoder = options.idTokenDecoder ?? null;
    Object.freeze(this);
  }

  /**
   * Builds a response from a parsed JSON body.
   *
   * @param data - The parsed body.
   * @param options - See {@link OAuthTokenResponseOptions}.
   * @returns The response.
   * @throws {@link InvalidTokenDataError} see the constructor.
   */
  static fromJSON(data: unknown, options: OAuthTokenResponseOptions = {}): OAuthTokenResponse {
    return new OAuthTokenResponse(data, options);
  }

  /**
   * Verifies the id_token and returns its claims.
   *
   * @param decoder - The decoder to use. @default the one attached by the login client
   * @returns The verified claims (`sub` is the identity ID).
   * @throws {@link IdentityExtractionError} if there is no id_token, no decoder, or verification fails.
   */
  async decodeIdToken(decoder?: IDTokenDecoderLike): Promise<IDTokenClaims> {
    if (this.idToken === null) throw new IdentityExtractionError('the token response has no id_token');
    const chosen = decoder ?? this.idTokenDecoder;
    if (!chosen) {
      throw new IdentityExtractionError('no IDTokenDecoder to verify the id_token: pass one, or give the storage an idTokenDecoder');
    }
    return chosen.decode(this.idToken);
  }

  /** A JSON-friendly view with every token redacted. */
  toJSON(): Record<string, unknown> {
    return {
      grantType: this.grantType,
      byResourceServer: redactSecretFields(this.byResourceServer),
      idToken: redactSecret(this.idToken),
    };
  }

  /** A one-line description with every token redacted. */
  toString(): string {
    return `OAuthTokenResponse(${JSON.stringify(this.toJSON())})`;
  }

  /** What `util.inspect` shows: the redacted view. */
  [INSPECT_CUSTOM](): string {
    return this.toString();
  }
}

/** Looks tokens up by scope, like the Python SDK's `by_scopes`. */
export class TokenResponseScopeIndex {
  private readonly byScope: ReadonlyMap<string, Readonly<TokenDict>>;

  /** @param byResourceServer - The tokens of a response by resource server. */
  constructor(byResourceServer: Readonly<Record<string, Readonly<TokenDict>>>) {
    const byScope = new Map<string, Readonly<TokenDict>>();
    for (const dict of Object.values(byResourceServer)) {
      for (const scope of splitScopes(dict.scope)) byScope.set(scope, dict);
    }
    this.byScope = byScope;
  }

  /**
   * The one token that carries every scope of a space-separated scope string.
   *
   * @param scopes - One scope, or several separated by whitespace.
   * @returns The token dict.
   * @throws {@link InvalidArgumentError} if a scope is unknown or the scopes belong to different tokens.
   */
  get(scopes: string): Readonly<TokenDict> {
    if (typeof scopes !== 'string') throw new InvalidArgumentError('byScopes.get: scopes must be a string');
    const found = new Set(splitScopes(scopes).map((scope) => this.byScope.get(scope)));
    const [only] = found;
    if (found.size !== 1 || only === undefined) {
      throw new InvalidArgumentError(`Scope specifier "${scopes}" did not match exactly one token`);
    }
    return only;
  }

  /**
   * @param scopes - One scope, or several separated by whitespace.
   * @returns Whether {@link TokenResponseScopeIndex.get} would find exactly one token.
   */
  has(scopes: string): boolean {
    if (typeof scopes !== 'string') return false;
    const found = new Set(splitScopes(scopes).map((scope) => this.byScope.get(scope)));
    return found.size === 1 && !found.has(undefined);
  }

  /** Every individual scope of the response. */
  keys(): IterableIterator<string> {
    return this.byScope.keys();
  }
}

function splitScopes(scopes: string): string[] {
  return scopes.split(/\s+/).filter((scope) => scope !== '');
}

function checkedOptions(options: OAuthTokenResponseOptions, isArray: boolean) {
  assertKnownOptions(options, ['grantType', 'now', 'defaultResourceServer', 'idTokenDecoder'], 'OAuthTokenResponse');
  const grantType = options.grantType ?? (isArray ? 'dependent_token' : 'unknown');
  if (!GRANT_TYPES.has(grantType)) throw new InvalidArgumentError(`unknown grantType '${String(grantType)}'`);
  const { defaultResourceServer } = options;
  if (defaultResourceServer !== undefined && (typeof defaultResourceServer !== 'string' || defaultResourceServer === '')) {
    throw new InvalidArgumentError("'defaultResourceServer' must be a non-empty string");
  }
  return { grantType, now: checkedClock(options.now), defaultResourceServer };
}

function checkedObject(value: unknown, what: string): Record<string, unknown> {
  if (!isPlainObject(value)) throw new InvalidTokenDataError(`${what} must be a JSON object`);
  return value;
}

function toTokenDict(
  token: Record<string, unknown>,
  what: string,
  nowSeconds: number,
  defaultResourceServer?: string,
): Readonly<TokenDict> {
  const resourceServer = token.resource_server ?? defaultResourceServer;
  if (typeof resourceServer !== 'string' || resourceServer === '') {
    throw new InvalidTokenDataError(
      `${what} has no 'resource_server' (a standard OAuth2 server sends none: give the login client, or OAuthTokenResponse.fromJSON, a defaultResourceServer option)`,
    );
  }
  for (const key of ['access_token', 'scope'] as const) {
    if (typeof token[key] !== 'string') throw new InvalidTokenDataError(`'${key}' of ${what} must be a string`);
  }
  for (const key of ['refresh_token', 'token_type'] as const) {
    const value = token[key];
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw new InvalidTokenDataError(`'${key}' of ${what} must be a string or null`);
    }
  }
  const expiresIn = token.expires_in ?? 0;
  if (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn))
    throw new InvalidTokenDataError(`'expires_in' of ${what} must be a number`);
  const expiresAtSeconds = Math.trunc(nowSeconds + expiresIn);
  if (!Number.isSafeInteger(expiresAtSeconds)) throw new InvalidTokenDataError(`'expires_in' of ${what} is out of range`);
  const dict: TokenDict = {
    scope: token.scope as string,
    access_token: token.access_token as string,
    refresh_token: (token.refresh_token as string | null | undefined) ?? null,
    token_type: (token.token_type as string | null | undefined) ?? null,
    expires_at_seconds: expiresAtSeconds,
    resource_server: resourceServer,
  };
  // Not enumerable: the dict keeps Python's keys (and `{ ...dict }` is the raw copy), but logging it shows no token.
  Object.defineProperties(dict, { toJSON: { value: redactedView }, [INSPECT_CUSTOM]: { value: redactedView } });
  return Object.freeze(dict);
}

/** A token dict as `JSON.stringify` and `util.inspect` show it: its tokens redacted. */
function redactedView(this: TokenDict): unknown {
  return redactSecretFields({ ...this });
}
