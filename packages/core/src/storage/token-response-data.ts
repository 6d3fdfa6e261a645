import { IdentityExtractionError, InvalidArgumentError, TokenStorageError } from '../errors';
import type { IDTokenDecoderLike } from '../tokens/id-token-decoder';
import type { OAuthTokenResponse } from '../tokens/oauth-token-response';
import { TokenStorageData } from '../tokens/token-storage-data';
import { setOwnEntry } from '../objects/set-own-entry';

/**
 * The identity ID (`sub` of the verified id_token) of a response, or `null` when it carries no
 * id_token or is a dependent-token response.
 *
 * @param response - The token response.
 * @param decoder - The storage's decoder; falls back to the one attached to the response.
 * @returns The identity ID or `null`.
 * @throws {@link IdentityExtractionError} if verification fails.
 */
export async function extractIdentityId(response: OAuthTokenResponse, decoder: IDTokenDecoderLike | null): Promise<string | null> {
  if (response.grantType === 'dependent_token' || response.idToken === null) return null;
  try {
    const claims = await response.decodeIdToken(decoder ?? undefined);
    return claims.sub;
  } catch (error) {
    if (TokenStorageError.isInstance(error)) throw error;
    throw new IdentityExtractionError('the id_token decoder failed');
  }
}

/**
 * Turns a token response into the mapping `storeTokenDataByResourceServer` takes. For a refresh
 * response, an identity or refresh token the response lacks is taken from `previous` (what is stored
 * now), so a refresh never drops them.
 *
 * @param response - The token response.
 * @param identityId - The identity of every token of the response.
 * @param previous - The entries stored now (only read for refresh responses).
 * @returns Token data keyed by resource server.
 */
export function tokenDataFromResponse(
  response: OAuthTokenResponse,
  identityId: string | null,
  previous: Readonly<Record<string, TokenStorageData>>,
): Record<string, TokenStorageData> {
  const isRefresh = response.grantType === 'refresh_token';
  const mapping: Record<string, TokenStorageData> = {};
  for (const [key, dict] of Object.entries(response.byResourceServer)) {
    const before = isRefresh && Object.hasOwn(previous, key) ? previous[key] : undefined;
    const data = new TokenStorageData({
      resourceServer: dict.resource_server,
      identityId: identityId ?? before?.identityId ?? null,
      scope: dict.scope,
      accessToken: dict.access_token,
      refreshToken: dict.refresh_token ?? before?.refreshToken ?? null,
      expiresAtSeconds: dict.expires_at_seconds,
      tokenType: dict.token_type,
    });
    setOwnEntry(mapping, key, data);
  }
  return mapping;
}

/**
 * @param response - The argument of `storeTokenResponse`.
 * @throws {@link InvalidArgumentError} if it is not a token response.
 */
export function checkTokenResponse(response: unknown): asserts response is OAuthTokenResponse {
  const candidate = response as Partial<OAuthTokenResponse> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.byResourceServer !== 'object' ||
    typeof candidate.decodeIdToken !== 'function'
  ) {
    throw new InvalidArgumentError('storeTokenResponse needs an OAuthTokenResponse (build one with OAuthTokenResponse.fromJSON)');
  }
}
