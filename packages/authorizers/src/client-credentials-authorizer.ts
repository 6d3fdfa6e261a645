import {
  InvalidArgumentError,
  ScopeParser,
  type OAuthTokenResponse,
  type ScopeCollection,
  type TokenDict,
} from '@globus-tokenstorage/core';
import { RenewingAuthorizer, type RenewingAuthorizerOptions } from './renewing-authorizer';

/** What {@link ClientCredentialsAuthorizer} needs from a login client (`ConfidentialAppAuthClient`). */
export interface ClientCredentialsClient {
  /**
   * @param scopes - The space-separated scopes to request.
   * @param options - `signal`: aborts when the renewal times out or is cancelled.
   * @returns The client-credentials response.
   */
  oauth2ClientCredentialsTokens(scopes: string, options?: { signal?: AbortSignal }): Promise<OAuthTokenResponse>;
}

/**
 * Gets access tokens for a confidential client itself with the client-credentials grant, renewing
 * them before they expire and after a `401`. The scopes must all belong to one resource server.
 *
 * Unlike Python, the constructor never fetches (so a response for several resource servers is
 * reported by the first `getAuthorizationHeader`, not by the constructor).
 *
 * @example
 * ```ts
 * const client = new ConfidentialAppAuthClient(CLIENT_ID, CLIENT_SECRET);
 * const authorizer = new ClientCredentialsAuthorizer(client, 'urn:globus:auth:scope:transfer.api.globus.org:all');
 * const res = await authorizedFetch(authorizer, 'https://transfer.api.globus.org/v0.10/endpoint_search?filter_scope=my-endpoints');
 * ```
 */
export class ClientCredentialsAuthorizer extends RenewingAuthorizer {
  /** `"ClientCredentialsAuthorizer"`, also in minified bundles: messages, `toString()` and `util.inspect` show it. */
  static override get name(): string {
    return 'ClientCredentialsAuthorizer';
  }

  /** The requested scopes, space-separated. */
  readonly scopes: string;
  readonly #client: ClientCredentialsClient;

  /**
   * @param confidentialClient - The confidential login client.
   * @param scopes - A scope string, a `Scope`, or a list of them (joined with spaces, as Python's `ScopeParser.serialize`).
   * @param options - See {@link RenewingAuthorizerOptions}.
   * @throws {@link InvalidArgumentError} for empty scopes (`'scopes' cannot be the empty string or
   *   empty collection.`), a client without `oauth2ClientCredentialsTokens`, or bad options.
   */
  constructor(confidentialClient: ClientCredentialsClient, scopes: ScopeCollection, options: RenewingAuthorizerOptions = {}) {
    super(options);
    if (
      typeof confidentialClient !== 'object' ||
      confidentialClient === null ||
      typeof confidentialClient.oauth2ClientCredentialsTokens !== 'function'
    ) {
      throw new InvalidArgumentError(
        'ClientCredentialsAuthorizer requires a ConfidentialAppAuthClient (a client with oauth2ClientCredentialsTokens)',
      );
    }
    this.scopes = ScopeParser.serialize(scopes);
    this.#client = confidentialClient;
  }

  /**
   * @param signal - Passed on to the client.
   * @returns The response of `confidentialClient.oauth2ClientCredentialsTokens(scopes, { signal })`.
   */
  protected getTokenResponse(signal: AbortSignal): Promise<OAuthTokenResponse> {
    return this.#client.oauth2ClientCredentialsTokens(this.scopes, { signal });
  }

  /**
   * @param response - A client-credentials response.
   * @returns Its only token.
   * @throws {@link InvalidArgumentError} if it holds tokens for several resource servers (the scopes
   *   span several), with Python's message.
   */
  protected extractTokenData(response: OAuthTokenResponse): Readonly<TokenDict> {
    const tokens = Object.values(response.byResourceServer);
    const [token] = tokens;
    if (tokens.length !== 1 || token === undefined) {
      throw new InvalidArgumentError(
        "Attempting get new access token for client credentials authorizer didn't return exactly one token. " +
          `Ensure scopes ${this.scopes} are for only one resource server.`,
      );
    }
    return token;
  }

  /** @returns The redacted fields and the scopes. */
  protected override describeFields(): Record<string, unknown> {
    return { ...super.describeFields(), scopes: this.scopes };
  }
}
