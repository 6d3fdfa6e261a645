import { InvalidArgumentError, type OAuthTokenResponse, type ScopeCollection } from '@globus-tokenstorage/core';
import { assertKnownOptions } from '@globus-tokenstorage/core/backend';
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
import { base64Url, utf8 } from './encoding';
import { sha256 } from './sha256';

/** Options of {@link NativeAppAuthClient.oauth2StartFlow}. */
export interface NativeAppFlowOptions {
  /** The scopes to request: a string, a `Scope`, or a list of them. Required, as in Python 4.x. */
  requestedScopes: ScopeCollection;
  /** Where Auth sends the user back. @default `<baseUrl>/v2/web/auth-code` (Globus shows the code to copy) */
  redirectUri?: string;
  /** Returned unchanged with the code; check it to tie the answer to this flow. @default "_default" */
  state?: string;
  /** A PKCE verifier of 43–128 characters from `[A-Za-z0-9~_.-]`. @default 43 random characters */
  verifier?: string;
  /** Also get refresh tokens (`access_type=offline`). @default false */
  refreshTokens?: boolean;
  /** A name for this grant, shown on the consent page (`prefill_named_grant`). @default none */
  prefillNamedGrant?: string;
}

interface NativeFlow extends OAuth2Flow {
  verifier: string;
  prefillNamedGrant: string | null;
}

const VERIFIER_CHARACTERS = /^[a-zA-Z0-9~_.-]*$/;

/**
 * The login client of a native (public) app: PKCE login, code exchange, refresh and revocation
 * without a client secret (`client_id` goes in the form, no `Authorization` header), exactly as the
 * Python SDK's `NativeAppAuthClient` sends them.
 *
 * @example
 * ```ts
 * const client = new NativeAppAuthClient(CLIENT_ID);
 * client.oauth2StartFlow({ requestedScopes: 'openid profile urn:globus:auth:scope:transfer.api.globus.org:all', refreshTokens: true });
 * console.log('Log in at', client.oauth2GetAuthorizeUrl());
 * const response = await client.oauth2ExchangeCodeForTokens(codeTheUserPasted);
 * await storage.storeTokenResponse(response);
 * ```
 */
export class NativeAppAuthClient extends AuthLoginClient {
  /** `"NativeAppAuthClient"`, also in minified bundles: messages, `toString()` and `util.inspect` show it. */
  static override get name(): string {
    return 'NativeAppAuthClient';
  }

  #flow: NativeFlow | null = null;

  /**
   * @param clientId - The app's client ID.
   * @param options - See {@link AuthLoginClientOptions}. No network happens here.
   * @throws {@link InvalidArgumentError} for an empty client ID or bad options.
   */
  constructor(clientId: string, options: AuthLoginClientOptions = {}) {
    super(clientId, options);
  }

  /**
   * Starts a PKCE login flow (replacing any previous one). Nothing is sent yet.
   *
   * @param options - See {@link NativeAppFlowOptions}.
   * @throws {@link InvalidArgumentError} for empty scopes, a bad redirect URI, or a verifier with
   *   Python's messages (`verifier must be 43-128 characters long: N`, `verifier contained invalid characters`).
   */
  oauth2StartFlow(options: NativeAppFlowOptions): void {
    assertKnownOptions(
      options,
      ['requestedScopes', 'redirectUri', 'state', 'verifier', 'refreshTokens', 'prefillNamedGrant'],
      'oauth2StartFlow',
    );
    const flow = checkedFlow({ ...options, redirectUri: options.redirectUri ?? `${this.baseUrl}/v2/web/auth-code` });
    const prefill = options.prefillNamedGrant ?? null;
    if (prefill !== null && typeof prefill !== 'string') throw new InvalidArgumentError("'prefillNamedGrant' must be a string");
    this.#flow = { ...flow, verifier: checkedVerifier(options.verifier), prefillNamedGrant: prefill };
  }

  /**
   * The URL to send the user to, with the PKCE challenge (S256) and Python's parameter order and encoding.
   *
   * @param extra - Session parameters and extra query parameters.
   * @returns The authorize URL.
   * @throws {@link InvalidArgumentError} before `oauth2StartFlow`, or for bad options.
   */
  oauth2GetAuthorizeUrl(extra?: AuthorizeUrlOptions): string {
    const flow = this.#flow;
    if (flow === null) throw noFlowError('get authorize URL');
    const params: Array<[string, string]> = [
      ['client_id', this.clientId],
      ['redirect_uri', flow.redirectUri],
      ['scope', flow.requestedScopes],
      ['state', flow.state],
      ['response_type', 'code'],
      ['code_challenge', s256Challenge(flow.verifier)],
      ['code_challenge_method', 'S256'],
      ['access_type', flow.refreshTokens ? 'offline' : 'online'],
    ];
    if (flow.prefillNamedGrant !== null) params.push(['prefill_named_grant', flow.prefillNamedGrant]);
    return this.authorizeUrl(params, extra);
  }

  /**
   * Exchanges the code the user got for tokens (with the flow's PKCE verifier).
   *
   * @param code - The authorization code.
   * @param options - `signal` cancels the call.
   * @returns The response (`grantType: "authorization_code"`), with the id_token if `openid` was requested.
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
      ['client_id', this.clientId],
      ['grant_type', 'authorization_code'],
      ['code', code],
      ['code_verifier', flow.verifier],
      ['redirect_uri', flow.redirectUri],
    ];
    return this.oauth2Token(form, 'authorization_code', [code, flow.verifier], options);
  }

  /** {@inheritDoc AuthLoginClient.oauth2RefreshToken} */
  async oauth2RefreshToken(refreshToken: string, options?: AuthRequestOptions): Promise<OAuthTokenResponse> {
    checkedToken(refreshToken, 'refreshToken');
    const form: Array<[string, string]> = [
      ['refresh_token', refreshToken],
      ['grant_type', 'refresh_token'],
      ['client_id', this.clientId],
    ];
    return this.oauth2Token(form, 'refresh_token', [refreshToken], options);
  }

  /** {@inheritDoc AuthLoginClient.oauth2RevokeToken} */
  async oauth2RevokeToken(token: string, options?: AuthRequestOptions): Promise<void> {
    checkedToken(token, 'token');
    const form: Array<[string, string]> = [
      ['token', token],
      ['client_id', this.clientId],
    ];
    await this.authRequest('POST', '/v2/oauth2/token/revoke', {
      form,
      secrets: [token],
      what: 'token revocation',
      idempotent: true,
      options,
    });
  }

  /** @returns `null`: a native app sends its client ID in the form instead. */
  protected clientAuthorization(): null {
    return null;
  }

  /** @returns `[]`: a native app has no secret. */
  protected clientSecrets(): readonly string[] {
    return [];
  }
}

function checkedVerifier(verifier: string | undefined): string {
  if (verifier === undefined) return base64Url(crypto.getRandomValues(new Uint8Array(32)));
  if (typeof verifier !== 'string') throw new InvalidArgumentError("'verifier' must be a string");
  if (verifier.length < 43 || verifier.length > 128)
    throw new InvalidArgumentError(`verifier must be 43-128 characters long: ${verifier.length}`);
  if (!VERIFIER_CHARACTERS.test(verifier)) throw new InvalidArgumentError('verifier contained invalid characters');
  return verifier;
}

/** base64url(SHA-256(verifier)) without padding (RFC 7636 S256). */
function s256Challenge(verifier: string): string {
  return base64Url(sha256(utf8(verifier)));
}
