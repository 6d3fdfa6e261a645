import { createLocalJWKSet, jwtVerify, type JSONWebKeySet as JoseKeySet, type JWTPayload } from 'jose';
import { assertKnownOptions } from '../arguments/assert-known-options';
import { IdentityExtractionError, InvalidArgumentError, TokenStorageError } from '../errors';
import { abortable } from '../network/abortable';
import { describeNetworkError } from '../network/describe-network-error';
import { checkedClock } from '../arguments/checked-clock';
import { checkedMilliseconds } from '../arguments/checked-milliseconds';

/** The parts of an OpenID Connect discovery document the decoder reads. */
export interface OpenIDConfiguration {
  /** Where the signing keys are published. */
  jwks_uri: string;
  /** Algorithms id_tokens may be signed with. */
  id_token_signing_alg_values_supported?: string[];
  /** The issuer; not checked, as in the Python SDK. */
  issuer?: string;
  [key: string]: unknown;
}

// The public types below are declared here rather than taken from jose: jose is an ES module only,
// and a CommonJS TypeScript project (`module: node16`) may not import its types from core's `.d.cts`.

/**
 * One JSON Web Key (RFC 7517) of a key set. Only the members every key has are named; the others
 * (`n`, `e`, `x`, `y`, `crv`…) are passed on to the verifier as they are.
 */
export interface JSONWebKey {
  /** Key type: `RSA`, `EC`, `OKP`… */
  kty?: string;
  /** Key ID, matched against the `kid` of the token's header. */
  kid?: string;
  /** The algorithm the key is meant for. */
  alg?: string;
  /** Public key use: `sig` for signing keys. */
  use?: string;
  [member: string]: unknown;
}

/** A JSON Web Key Set (RFC 7517), as an authorization server publishes at its `jwks_uri`. */
export interface JSONWebKeySet {
  /** The keys. */
  keys: JSONWebKey[];
}

/** Claims of a verified id_token; `sub` is the Globus identity ID. */
export interface IDTokenClaims {
  /** The identity ID. */
  sub: string;
  /** The issuer. */
  iss?: string;
  /** The client ID (or IDs) the token was issued to. */
  aud?: string | string[];
  /** Expiry, in epoch seconds. */
  exp?: number;
  /** Issue time, in epoch seconds. */
  iat?: number;
  /** Not valid before, in epoch seconds. */
  nbf?: number;
  /** Token ID. */
  jti?: string;
  /** Other claims (`email`, `name`, `identity_set`…). */
  [claim: string]: unknown;
}

/** Anything that turns an id_token into verified claims (an {@link IDTokenDecoder} or your own). */
export interface IDTokenDecoderLike {
  /**
   * @param idToken - The compact JWT from a token response.
   * @returns Its verified claims.
   */
  decode(idToken: string): Promise<IDTokenClaims>;
}

/** Options of {@link IDTokenDecoder}. */
export interface IDTokenDecoderOptions {
  /** The OAuth2 client the id_token was issued to; its `aud` must match. */
  clientId: string;
  /** Base URL of the authorization server. @default "https://auth.globus.org" */
  authBaseUrl?: string;
  /** The server's OpenID configuration, to work offline (else fetched once and cached). */
  openidConfiguration?: OpenIDConfiguration;
  /** The server's key set, to work offline (else fetched from `jwks_uri` once and cached). */
  jwks?: JSONWebKeySet;
  /** Tolerance for `exp` and `iat`, in seconds. @default 300 */
  leewaySeconds?: number;
  /** The fetch implementation. @default globalThis.fetch */
  fetch?: typeof fetch;
  /**
   * How long fetching the OpenID configuration or the key set may take, in milliseconds, before it
   * fails with `IdentityExtractionError` (see core's README for the range). `Infinity` waits for ever. @default 30000
   */
  timeoutMs?: number;
  /** Current time in epoch seconds. @default the system clock */
  now?: () => number;
}

/**
 * Verifies id_tokens with `jose`: signature against the server's published keys, `aud` equal to
 * the client ID, and `exp` / `iat` with a leeway. The OpenID configuration and key set are fetched
 * once and cached, or supplied up front to run offline.
 *
 * @example
 * ```ts
 * const decoder = new IDTokenDecoder({ clientId: CLIENT_ID });
 * const storage = new JSONTokenStorage('tokens.json', { idTokenDecoder: decoder });
 * ```
 */
export class IDTokenDecoder implements IDTokenDecoderLike {
  /** The client ID the decoder checks `aud` against. */
  readonly clientId: string;
  /** Base URL of the authorization server (no trailing slash). */
  readonly authBaseUrl: string;
  private readonly leewaySeconds: number;
  private readonly fetchImpl: typeof fetch | undefined;
  private readonly now: () => number;
  private readonly timeoutMs: number;
  private configuration: Promise<OpenIDConfiguration> | null;
  private keySet: Promise<ReturnType<typeof createLocalJWKSet>> | null;

  /**
   * @param options - See {@link IDTokenDecoderOptions}. No network happens here.
   * @throws {@link InvalidArgumentError} for a missing client ID, a bad URL, `jwks` without
   *   `openidConfiguration`, a bad `timeoutMs`, or an unknown option.
   */
  constructor(options: IDTokenDecoderOptions) {
    assertKnownOptions(
      options,
      ['clientId', 'authBaseUrl', 'openidConfiguration', 'jwks', 'leewaySeconds', 'fetch', 'now', 'timeoutMs'],
      'IDTokenDecoder',
    );
    if (typeof options.clientId !== 'string' || options.clientId === '') {
      throw new InvalidArgumentError("IDTokenDecoder: 'clientId' must be a non-empty string");
    }
    if (options.jwks !== undefined && options.openidConfiguration === undefined) {
      throw new InvalidArgumentError("IDTokenDecoder: 'jwks' requires 'openidConfiguration'");
    }
    if (options.openidConfiguration !== undefined && !isConfiguration(options.openidConfiguration)) {
      throw new InvalidArgumentError("IDTokenDecoder: 'openidConfiguration' must be an object with a string 'jwks_uri'");
    }
    if (options.jwks !== undefined && !isKeySet(options.jwks)) {
      throw new InvalidArgumentError("IDTokenDecoder: 'jwks' must be an object with a 'keys' array");
    }
    const leeway = options.leewaySeconds ?? 300;
    if (typeof leeway !== 'number' || !Number.isFinite(leeway) || leeway < 0) {
      throw new InvalidArgumentError("IDTokenDecoder: 'leewaySeconds' must be a non-negative number");
    }
    const timeoutMs = checkedMilliseconds(options.timeoutMs ?? 30_000, 'timeoutMs');
    this.clientId = options.clientId;
    this.timeoutMs = timeoutMs;
    this.authBaseUrl = checkedBaseUrl(options.authBaseUrl ?? 'https://auth.globus.org');
    this.leewaySeconds = leeway;
    this.fetchImpl = options.fetch;
    this.now = checkedClock(options.now);
    this.configuration = options.openidConfiguration ? Promise.resolve(options.openidConfiguration) : null;
    this.keySet = options.jwks ? Promise.resolve(createLocalJWKSet(options.jwks as JoseKeySet)) : null;
  }

  /**
   * Verifies an id_token and returns its claims.
   *
   * @param idToken - The compact JWT.
   * @returns The verified claims; `sub` is the identity ID.
   * @throws {@link IdentityExtractionError} if the configuration or keys cannot be fetched, or the
   *   token fails verification. The message says why; it never contains the token.
   */
  async decode(idToken: string): Promise<IDTokenClaims> {
    if (typeof idToken !== 'string' || idToken === '') throw new InvalidArgumentError('decode: the id_token must be a non-empty string');
    const configuration = await this.getOpenIDConfiguration();
    const keys = await this.getKeySet();
    const algorithms = configuration.id_token_signing_alg_values_supported;
    const nowSeconds = this.now();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(idToken, keys, {
        audience: this.clientId,
        clockTolerance: this.leewaySeconds,
        currentDate: new Date(nowSeconds * 1000),
        ...(Array.isArray(algorithms) ? { algorithms } : {}),
      }));
    } catch (error) {
      throw new IdentityExtractionError(`id_token verification failed: ${describeJoseError(error)}`);
    }
    if (typeof payload.iat === 'number' && payload.iat > nowSeconds + this.leewaySeconds) {
      throw new IdentityExtractionError('id_token verification failed: "iat" is in the future');
    }
    if (typeof payload.sub !== 'string' || payload.sub === '') {
      throw new IdentityExtractionError('id_token verification failed: the "sub" claim is missing');
    }
    return payload as IDTokenClaims;
  }

  /**
   * The server's OpenID configuration, fetched from `<authBaseUrl>/.well-known/openid-configuration`
   * on first use and cached (a failed fetch is retried on the next call).
   *
   * @returns The configuration.
   * @throws {@link IdentityExtractionError} if it cannot be fetched.
   */
  getOpenIDConfiguration(): Promise<OpenIDConfiguration> {
    this.configuration ??= this.fetchJson(`${this.authBaseUrl}/.well-known/openid-configuration`, 'OpenID configuration').then((body) => {
      if (!isConfiguration(body)) throw new IdentityExtractionError('the OpenID configuration has no jwks_uri');
      return body;
    });
    return this.forgetOnFailure(this.configuration, () => (this.configuration = null));
  }

  private getKeySet(): Promise<ReturnType<typeof createLocalJWKSet>> {
    this.keySet ??= this.getOpenIDConfiguration()
      .then((configuration) => this.fetchJson(configuration.jwks_uri, 'JSON Web Key Set'))
      .then((body) => {
        if (!isKeySet(body)) throw new IdentityExtractionError('the JSON Web Key Set has no keys array');
        return createLocalJWKSet(body as JoseKeySet);
      });
    return this.forgetOnFailure(this.keySet, () => (this.keySet = null));
  }

  private async fetchJson(url: string, what: string): Promise<unknown> {
    const fetchImpl = this.fetchImpl ?? globalThis.fetch;
    const signal = this.timeoutMs === Infinity ? new AbortController().signal : AbortSignal.timeout(this.timeoutMs);
    const timedOut = () =>
      new IdentityExtractionError(`could not fetch the ${what} from ${url}: no answer within ${this.timeoutMs} ms`, {
        cause: signal.reason,
      });
    let response: Response;
    try {
      response = await abortable(fetchImpl(url, { headers: { Accept: 'application/json' }, signal }), signal);
    } catch (error) {
      if (signal.aborted) throw timedOut();
      const { reason, cause } = describeNetworkError(error, { trustMessages: this.fetchImpl === undefined });
      throw new IdentityExtractionError(`could not fetch the ${what} from ${url}: ${reason}`, { cause });
    }
    if (!response.ok) throw new IdentityExtractionError(`could not fetch the ${what} from ${url}: HTTP ${response.status}`);
    try {
      return await abortable(response.json() as Promise<unknown>, signal);
    } catch {
      if (signal.aborted) throw timedOut();
      throw new IdentityExtractionError(`the ${what} at ${url} is not valid JSON`);
    }
  }

  private forgetOnFailure<T>(promise: Promise<T>, forget: () => void): Promise<T> {
    return promise.catch((error: unknown) => {
      forget();
      throw TokenStorageError.isInstance(error) ? error : new IdentityExtractionError('could not load the signing keys');
    });
  }
}

function isConfiguration(value: unknown): value is OpenIDConfiguration {
  return typeof value === 'object' && value !== null && typeof (value as OpenIDConfiguration).jwks_uri === 'string';
}

function isKeySet(value: unknown): value is JSONWebKeySet {
  return typeof value === 'object' && value !== null && Array.isArray((value as JSONWebKeySet).keys);
}

function checkedBaseUrl(url: unknown): string {
  if (typeof url !== 'string' || !URL.canParse(url))
    throw new InvalidArgumentError("IDTokenDecoder: 'authBaseUrl' must be an absolute URL");
  return url.replace(/\/+$/, '');
}

/** jose's code and message describe the failed check; neither contains the token. */
function describeJoseError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${code}: ${error.message}` : error.message;
  }
  return 'unknown error';
}
