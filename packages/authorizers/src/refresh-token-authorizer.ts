import { InvalidArgumentError, InvalidTokenDataError, type OAuthTokenResponse, type TokenDict } from '@globus-tokenstorage/core';
import { redactSecret } from '@globus-tokenstorage/core/backend';
import { RenewingAuthorizer, type RenewingAuthorizerOptions } from './renewing-authorizer';

/** What {@link RefreshTokenAuthorizer} needs from a login client (`NativeAppAuthClient` or `ConfidentialAppAuthClient`). */
export interface RefreshTokenClient {
  /**
   * @param refreshToken - The refresh token to use.
   * @param options - `signal`: aborts when the renewal times out or is cancelled.
   * @returns The refresh response.
   */
  oauth2RefreshToken(refreshToken: string, options?: { signal?: AbortSignal }): Promise<OAuthTokenResponse>;
}

/**
 * Gets access tokens with a refresh token, renewing them before they expire and after a `401`.
 *
 * Differences from Python: the constructor never fetches; concurrent callers share one refresh; and
 * a refresh response without a `refresh_token` keeps the current one (Python forgets it and sends
 * a refresh request without any refresh token next time).
 *
 * @example
 * ```ts
 * const client = new NativeAppAuthClient(CLIENT_ID);
 * const stored = await storage.getTokenData('transfer.api.globus.org');
 * const authorizer = new RefreshTokenAuthorizer(stored.refreshToken!, client, {
 *   accessToken: stored.accessToken,
 *   expiresAtSeconds: stored.expiresAtSeconds,
 *   onRefresh: (response) => storage.storeTokenResponse(response),
 * });
 * const res = await authorizedFetch(authorizer, 'https://transfer.api.globus.org/v0.10/task_list');
 * ```
 */
export class RefreshTokenAuthorizer extends RenewingAuthorizer {
  /** `"RefreshTokenAuthorizer"`, also in minified bundles: messages, `toString()` and `util.inspect` show it. */
  static override get name(): string {
    return 'RefreshTokenAuthorizer';
  }

  #refreshToken: string;
  readonly #authClient: RefreshTokenClient;

  /**
   * @param refreshToken - The refresh token.
   * @param authClient - The login client that issued it.
   * @param options - See {@link RenewingAuthorizerOptions}.
   * @throws {@link InvalidArgumentError} for an empty refresh token, a client without
   *   `oauth2RefreshToken`, or bad options.
   */
  constructor(refreshToken: string, authClient: RefreshTokenClient, options: RenewingAuthorizerOptions = {}) {
    super(options);
    if (typeof refreshToken !== 'string' || refreshToken === '') throw new InvalidArgumentError('refreshToken must be a non-empty string');
    if (typeof authClient !== 'object' || authClient === null || typeof authClient.oauth2RefreshToken !== 'function') {
      throw new InvalidArgumentError(
        'RefreshTokenAuthorizer requires a login client with an oauth2RefreshToken method (NativeAppAuthClient or ConfidentialAppAuthClient)',
      );
    }
    this.#refreshToken = refreshToken;
    this.#authClient = authClient;
  }

  /** The current refresh token (replaced when the server rotates it; a secret: do not log it). */
  get refreshToken(): string {
    return this.#refreshToken;
  }

  /**
   * @param signal - Passed on to the client.
   * @returns The response of `authClient.oauth2RefreshToken(refreshToken, { signal })`.
   */
  protected getTokenResponse(signal: AbortSignal): Promise<OAuthTokenResponse> {
    return this.#authClient.oauth2RefreshToken(this.#refreshToken, { signal });
  }

  /**
   * @param response - A refresh response.
   * @returns Its only token; its refresh token, if any, replaces the current one.
   * @throws {@link InvalidTokenDataError} if the response holds other than exactly one token.
   */
  protected extractTokenData(response: OAuthTokenResponse): Readonly<TokenDict> {
    const tokens = Object.values(response.byResourceServer);
    const [token] = tokens;
    if (tokens.length !== 1 || token === undefined) {
      throw new InvalidTokenDataError(
        "Attempting refresh for refresh token authorizer didn't return exactly one token. Possible service error.",
      );
    }
    if (token.refresh_token !== null && token.refresh_token !== '') this.#refreshToken = token.refresh_token;
    return token;
  }

  /** @returns The redacted fields, refresh token included. */
  protected override describeFields(): Record<string, unknown> {
    return { ...super.describeFields(), refreshToken: redactSecret(this.#refreshToken) };
  }
}
