// How Globus Auth's token answers differ from standard OAuth2 ones, and its `access_type=offline`.
import { API_RESOURCE_SERVER, AUTH_RESOURCE_SERVER, OIDC_SCOPES } from './defaults.mjs';

/**
 * Globus's `access_type=offline` is OpenID Connect's `offline_access` scope (which needs consent).
 *
 * @param {import('node:querystring').ParsedUrlQuery} query - The authorize request's query.
 * @returns {import('node:querystring').ParsedUrlQuery} The query oidc-provider gets.
 */
export function withOfflineAccess(query) {
  const { access_type: accessType, ...rest } = query;
  if (accessType !== 'offline' || typeof rest.scope !== 'string') return rest;
  rest.scope = `${rest.scope} offline_access`;
  const prompts = typeof rest.prompt === 'string' ? rest.prompt.split(' ').filter(Boolean) : [];
  rest.prompt = [...new Set([...prompts, 'consent'])].join(' ');
  return rest;
}

/**
 * Adds what Globus token responses carry and standard OAuth2 ones lack: `resource_server` and
 * `other_tokens`. A code exchange that yields an API token and OpenID scopes also gets a token for
 * the auth server itself (userinfo), with its own refresh token: Globus answers with one token per
 * resource server, the auth server's at the top (with the id_token) and the others in `other_tokens`.
 *
 * @param {import('oidc-provider').KoaContextWithOIDC} ctx - A token request oidc-provider answered with 200.
 * @param {{ provider: import('oidc-provider').default; apiUrl: string; grantType: string; settings: import('./types').Settings }} context
 * @returns {Promise<Record<string, unknown>>} The answer's body.
 */
export async function globusShape(ctx, { provider, apiUrl, grantType, settings }) {
  const { entities, client } = ctx.oidc;
  /** @type {Record<string, unknown>} */
  const body = { .../** @type {Record<string, unknown>} */ (ctx.body) };
  const issued = entities.ClientCredentials ?? entities.AccessToken;
  body.resource_server = issued?.aud === apiUrl ? API_RESOURCE_SERVER : AUTH_RESOURCE_SERVER;
  body.other_tokens = [];
  if (typeof body.scope === 'string') body.scope = withoutOfflineAccess(body.scope);
  if (grantType === 'refresh_token') {
    // Globus sends no id_token on refresh (storages keep the identity they already have).
    delete body.id_token;
    if (settings.omitUnrotatedRefreshToken && !entities.RotatedRefreshToken) delete body.refresh_token;
  }

  const code = entities.AuthorizationCode;
  const oidcScope = code ? OIDC_SCOPES.filter((scope) => code.scopes.has(scope)).join(' ') : '';
  if (grantType !== 'authorization_code' || body.resource_server !== API_RESOURCE_SERVER || !code?.scopes.has('openid')) return body;
  /** @type {{ accountId: string; client: import('oidc-provider').Client; grantId: string; gty: string; [key: string]: unknown }} */
  const common = {
    accountId: /** @type {string} */ (code.accountId),
    client: /** @type {import('oidc-provider').Client} */ (client),
    claims: code.claims,
    expiresWithSession: code.expiresWithSession,
    grantId: /** @type {string} */ (code.grantId),
    gty: 'authorization_code',
    sessionUid: code.sessionUid,
    sid: code.sid,
  };
  const accessToken = new provider.AccessToken({ ...common, scope: oidcScope });
  /** @type {Record<string, unknown>} */
  const authToken = {
    access_token: await accessToken.save(),
    expires_in: accessToken.expiration,
    resource_server: AUTH_RESOURCE_SERVER,
    scope: oidcScope,
    token_type: 'Bearer',
  };
  if (body.refresh_token) {
    const refreshToken = new provider.RefreshToken({
      ...common,
      acr: code.acr,
      amr: code.amr,
      authTime: code.authTime,
      nonce: code.nonce,
      rotations: 0,
      scope: `${oidcScope} offline_access`,
    });
    authToken.refresh_token = await refreshToken.save();
  }
  const { id_token: idToken, other_tokens: _none, ...apiToken } = body;
  return { ...authToken, ...(idToken ? { id_token: idToken } : {}), other_tokens: [apiToken] };
}

/**
 * @param {string} scope
 * @returns {string} `scope` without `offline_access`, which Globus never shows.
 */
function withoutOfflineAccess(scope) {
  return scope
    .split(' ')
    .filter((item) => item !== 'offline_access')
    .join(' ');
}
