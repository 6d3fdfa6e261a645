import {
  AuthAPIError,
  InvalidArgumentError,
  ScopeParser,
  type Consent,
  type OAuthTokenResponse,
  type ScopeCollection,
} from '@globus-tokenstorage/core';
import { assertKnownOptions, REDACTED } from '@globus-tokenstorage/core/backend';
import {
  AuthLoginClient,
  checkedFlow,
  checkedToken,
  noFlowError,
  type AuthRequestOptions,
  type AuthLoginClientOptions,
  type AuthorizeUrlOptions,
  type OAuth2Flow,
} from './auth-login-client';
import { basicAuthorizationHeader } from './basic-authorizer';
import { quotePathSegment } from './encoding';

/** Options of {@link ConfidentialAppAuthClient.oauth2StartFlow}. */
export interface ConfidentialAppFlowOptions {
  /** Where Auth sends the user back (required: one of the client's registered redirect URIs). */
  redirectUri: string;
  /** The scopes to request: a string, a `Scope`, or a list of them. */
  requestedScopes: ScopeCollection;
  /** Returned unchanged with the code; check it. @default "_default" */
  state?: string;
  /** Also get refresh tokens (`access_type=offline`). @default false */
  refreshTokens?: boolean;
}

/** Options of {@link ConfidentialAppAuthClient.oauth2GetDependentTokens}. */
export interface DependentTokenOptions {
  /** Also get refresh tokens (`access_type=offline`). @default false */
  refreshTokens?: boolean;
  /** Limit the dependent tokens to these scopes. @default all dependent scopes */
  scope?: ScopeCollection;
  /** More form fields, added last (Python's `additional_params`). */
  additionalParams?: Readonly<Record<string, string>>;
  /** Cancels the call with `AuthRequestAbortedError`. @default none */
  signal?: AbortSignal;
}

/** The answer of `GET /v2/api/identities/{id}/consents`. */
export interface ConsentListResponse {
  consents: Consent[];
  [key: string]: unknown;
}

/**
 * The login client of a confidential app (a service with a client secret). Every request to Auth
 * authenticates with HTTP Basic `client_id:client_secret`, verbatim as in Python; forms carry no
 * `client_id`.
 *
 * `getConsents` also authenticates with the client's own credentials (Python's `AuthClient` would
 * use whatever authorizer it was given); the client can then act as the `ConsentClient` of
 * `ScopeRequirementsValidator`.
 *
 * @example
 * ```ts
 * const client = new ConfidentialAppAuthClient(CLIENT_ID, CLIENT_SECRET);
 * const response = await client.oauth2ClientCredentialsTokens('urn:globus:auth:scope:transfer.api.globus.org:all');
 * await storage.storeTokenResponse(response);
 * ```
 */
export class ConfidentialAppAuthClient extends AuthLoginClient {
  /** `"ConfidentialAppAuthClient"`, also in minified bundles: messages, `toString()` and `util.inspect` show it. */
  static override get name(): string {
    return 'ConfidentialAppAuthClient';
  }

  readonly #clientSecret: string;
  readonly #authorization: string;
  #flow: OAuth2Flow | null = null;

  /**
   * @param clientId - The client ID.
   * @param clientSecret - The client secret.
   * @param options - See {@link AuthLoginClientOptions}. No network happens here.
   * @throws {@link InvalidArgumentError} for an empty client ID or secret, one with an unpaired UTF-16
   *   surrogate, or bad options.
   */
  constructor(clientId: string, clientSecret: string, options: AuthLoginClientOptions = {}) {
    super(clientId, options);
    if (typeof clientSecret !== 'string' || clientSecret === '') throw new InvalidArgumentError('clientSecret must be a non-empty string');
    this.#clientSecret = clientSecret;
    this.#authorization = basicAuthorizationHeader(clientId, clientSecret);
  }

  /**
   * Gets tokens for the client itself (`grant_type=client_credentials`).
   *
   * @param scopes - A scope string, a `Scope`, or a list of them.
   * @param options - `signal` cancels the call.
   * @returns The response (`grantType: "client_credentials"`).
   * @throws {@link InvalidArgumentError} for empty scopes; {@link AuthAPIError} for an error answer
   *   or a network failure (and its subclasses `AuthRequestTimeoutError`, `AuthRequestAbortedError`).
   */
  async oauth2ClientCredentialsTokens(scopes: ScopeCollection, options?: AuthRequestOptions): Promise<OAuthTokenResponse> {
    const form: Array<[string, string]> = [
      ['grant_type', 'client_credentials'],
      ['scope', ScopeParser.serialize(scopes)],
    ];
    return this.oauth2Token(form, 'client_credentials', [], options);
  }

  /**
   * Starts an authorization-code flow (no PKCE, as in Python; the secret authenticates the exchange).
   *
   * @param options - See {@link ConfidentialAppFlowOptions}.
   * @throws {@link InvalidArgumentError} for a missing redirect URI or empty scopes.
   */
  oauth2StartFlow(options: ConfidentialAppFlowOptions): void {
    assertKnownOptions(options, ['redirectUri', 'requestedScopes', 'state', 'refreshTokens'], 'oauth2StartFlow');
    this.#flow = checkedFlow(options);
  }

  /**
   * The URL to send the user to, in Python's parameter order and encoding.
   *
   * @param extra - Session parameters and extra query parameters.
   * @returns The authorize URL.
   * @throws {@link InvalidArgumentError} before `oauth2StartFlow`, or for bad options.
   */
  oauth2GetAuthorizeUrl(extra?: AuthorizeUrlOptions): string {
    const flow = this.#flow;
    if (flow === null) throw noFlowError('get authorize URL');
    return this.authorizeUrl(
      [
        ['client_id', this.clientId],
        ['redirect_uri', flow.redirectUri],
        ['scope', flow.requestedScopes],
        ['state', flow.state],
        ['response_type', 'code'],
        ['access_type', flow.refreshTokens ? 'offline' : 'online'],
      ],
      extra,
    );
  }

  /**
   * Exchanges an authorization code for tokens.
   *
   * @param code - The code from the redirect.
   * @param options - `signal` cancels the call.
   * @returns The response (`grantType: "authorization_code"`).
   * @throws {@link InvalidArgumentError} before `oauth2StartFlow` or for an empty code;
   *   {@link AuthAPIError} for an error answer or a network failure (and its subclasses
   *   `AuthRequestTimeoutError`, `AuthRequestAbortedError`). Not retried once the request may have
   *   reached the server: a code is single-use.
   */
  async oauth2ExchangeCodeForTokens(code: string, options?: AuthRequestOptions): Promise<OAuthTokenResponse> {
    const flow = this.#flow;
    if (flow === null) throw noFlowError('exchange code for tokens');
    checkedToken(code, 'code');
    const form: Array<[string, string]> = [
      ['grant_type', 'authorization_code'],
      ['code', code],
      ['redirect_uri', flow.redirectUri],
    ];
    return this.oauth2Token(form, 'authorization_code', [code], options);
  }

  /** {@inheritDoc AuthLoginClient.oauth2RefreshToken} */
  async oauth2RefreshToken(refreshToken: string, options?: AuthRequestOptions): Promise<OAuthTokenResponse> {
    checkedToken(refreshToken, 'refreshToken');
    const form: Array<[string, string]> = [
      ['refresh_token', refreshToken],
      ['grant_type', 'refresh_token'],
    ];
    return this.oauth2Token(form, 'refresh_token', [refreshToken], options);
  }

  /** {@inheritDoc AuthLoginClient.oauth2RevokeToken} */
  async oauth2RevokeToken(token: string, options?: AuthRequestOptions): Promise<void> {
    checkedToken(token, 'token');
    await this.authRequest('POST', '/v2/oauth2/token/revoke', {
      form: [['token', token]],
      secrets: [token],
      what: 'token revocation',
      idempotent: true,
      options,
    });
  }

  /**
   * Exchanges a token sent to this service for tokens to call other services on the user's behalf
   * (`grant_type=urn:globus:auth:grant_type:dependent_token`).
   *
   * @param token - The access token the service received.
   * @param options - See {@link DependentTokenOptions}.
   * @returns The response (`grantType: "dependent_token"`), one token per dependent resource server.
   * @throws {@link InvalidArgumentError} for an empty token; {@link AuthAPIError} for an error
   *   answer or a network failure.
   */
  async oauth2GetDependentTokens(token: string, options: DependentTokenOptions = {}): Promise<OAuthTokenResponse> {
    checkedToken(token, 'token');
    assertKnownOptions(options, ['refreshTokens', 'scope', 'additionalParams', 'signal'], 'oauth2GetDependentTokens');
    const form: Array<[string, string]> = [
      ['grant_type', 'urn:globus:auth:grant_type:dependent_token'],
      ['token', token],
    ];
    if (options.refreshTokens === true) form.push(['access_type', 'offline']);
    if (options.scope !== undefined) form.push(['scope', ScopeParser.serialize(options.scope)]);
    for (const [key, value] of Object.entries(options.additionalParams ?? {})) {
      if (typeof value !== 'string') throw new InvalidArgumentError(`additionalParams.${key} must be a string`);
      const existing = form.findIndex(([name]) => name === key);
      if (existing >= 0) form[existing] = [key, value];
      else form.push([key, value]);
    }
    return this.oauth2Token(form, 'dependent_token', [token], { signal: options.signal });
  }

  /**
   * Lists an identity's consents (`GET /v2/api/identities/{id}/consents?all=False`).
   *
   * @param identityId - The identity.
   * @param options - `all`: also list consents of other clients (sent as Python's `True`), default
   *   `false`; `signal` cancels the call.
   * @returns The answer; its `consents` array feeds `ScopeRequirementsValidator`.
   * @throws {@link InvalidArgumentError} for an empty identity ID (or `.`, `..`, or one with an unpaired
   *   UTF-16 surrogate); {@link AuthAPIError} for an error
   *   answer, an answer without a `consents` list, or a network failure.
   */
  async getConsents(identityId: string, options: { all?: boolean; signal?: AbortSignal } = {}): Promise<ConsentListResponse> {
    checkedToken(identityId, 'identityId');
    assertKnownOptions(options, ['all', 'signal'], 'getConsents');
    const all = options.all ?? false;
    if (typeof all !== 'boolean') throw new InvalidArgumentError("'all' must be a boolean");
    const path = `/v2/api/identities/${quotePathSegment(identityId, 'identityId')}/consents?all=${all ? 'True' : 'False'}`;
    const body = await this.authRequest('GET', path, {
      secrets: [],
      what: 'the consent listing',
      idempotent: true,
      options: { signal: options.signal },
    });
    if (typeof body !== 'object' || body === null || !Array.isArray((body as ConsentListResponse).consents)) {
      throw new AuthAPIError('the consent listing failed (GET /v2/api/identities/{id}/consents): the answer has no consents list', {
        httpStatus: 200,
      });
    }
    return body as ConsentListResponse;
  }

  /** @returns `Basic base64(client_id:client_secret)`. */
  protected clientAuthorization(): string {
    return this.#authorization;
  }

  /** @returns The client secret, and the base64 credentials that encode it. */
  protected clientSecrets(): readonly string[] {
    return [this.#clientSecret, this.#authorization.slice('Basic '.length)];
  }

  /** A JSON view with the secret redacted. */
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), clientSecret: REDACTED };
  }

  /** A one-line description with the secret redacted. */
  override toString(): string {
    return `ConfidentialAppAuthClient(${JSON.stringify({ clientId: this.clientId, baseUrl: this.baseUrl, clientSecret: REDACTED })})`;
  }
}
