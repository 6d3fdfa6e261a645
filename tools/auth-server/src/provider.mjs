// The OAuth2 / OpenID Connect server itself: oidc-provider configured with two clients, resource
// indicators for the protected API, Globus's paths and lifetimes, and Globus-shaped token answers.
import { API_SCOPE, CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, NATIVE_CLIENT_ID, OIDC_SCOPES } from './defaults.mjs';
import { globusShape, withOfflineAccess } from './globus-token-response.mjs';
import { isLoopbackOrigin } from './http.mjs';
import { errors, Provider } from './oidc-provider.mjs';
import { PATHS } from './paths.mjs';
import { countTokenRequest } from './stats.mjs';

/**
 * @param {object} context
 * @param {string} context.baseUrl - The issuer.
 * @param {string} context.apiUrl - The protected API, the audience of its tokens.
 * @param {import('./types').Settings} context.settings
 * @param {import('./types').AuthServerStats} context.stats - Where token requests are counted.
 * @param {import('./signing-keys.mjs').ServerKeys} context.keys
 * @param {import('oidc-provider').AdapterConstructor} context.adapter - Where oidc-provider keeps grants, sessions and tokens.
 * @returns {import('oidc-provider').default}
 */
export function createProvider({ baseUrl, apiUrl, settings, stats, keys, adapter }) {
  const { signingKey, cookieKey } = keys;
  const redirectUris = [`${baseUrl}${PATHS.authCodePage}`, 'http://127.0.0.1/callback'];
  /** @type {import('oidc-provider').ResourceServer} */
  const resourceServerInfo = { scope: API_SCOPE, audience: apiUrl, accessTokenTTL: settings.accessTokenTTL, accessTokenFormat: 'opaque' };
  /** @param {import('oidc-provider').KoaContextWithOIDC} ctx */
  const requestsApi = (ctx) => {
    const params = /** @type {{ scope?: string }} */ (ctx.oidc.params);
    return (params.scope ?? '').split(' ').includes(API_SCOPE);
  };

  const provider = new Provider(baseUrl, {
    clients: [
      {
        client_id: NATIVE_CLIENT_ID,
        application_type: 'native',
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        redirect_uris: redirectUris,
      },
      {
        client_id: CONFIDENTIAL_CLIENT_ID,
        client_secret: CONFIDENTIAL_CLIENT_SECRET,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
        response_types: ['code'],
        redirect_uris: redirectUris,
      },
    ],
    ...(adapter ? { adapter } : {}),
    jwks: { keys: [signingKey] },
    cookies: { keys: [cookieKey] },
    scopes: [...OIDC_SCOPES, 'offline_access'],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'identity_provider'], email: ['email'] },
    // Globus puts the profile claims in the id_token even when an access token is issued too.
    conformIdTokenClaims: false,
    findAccount: (_ctx, id) => {
      const user = settings.users.find((candidate) => candidate.identityId === id);
      if (!user) return undefined;
      return {
        accountId: id,
        claims: () => ({
          sub: id,
          name: user.name,
          preferred_username: `${user.username}@example.org`,
          identity_provider: '41143743-f3c8-4d60-bbdb-eeecaba85bd9',
          email: user.email,
        }),
      };
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: {
        enabled: true,
        // Globus revokes only the presented access token; oidc-provider would revoke its whole grant
        // (refresh tokens included). Destroying it here and declining leaves the grant alone.
        allowedPolicy: async (_ctx, client, token) => {
          if (token.clientId !== client.clientId) {
            if (client.clientAuthMethod === 'none') return false;
            throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
          }
          if (token.kind === 'AccessToken') {
            await token.destroy();
            return false;
          }
          return true;
        },
      },
      resourceIndicators: {
        enabled: true,
        // Globus clients never send `resource`: asking for the API's scope selects the API.
        defaultResource: (ctx, _client, oneOf) => oneOf ?? (requestsApi(ctx) ? apiUrl : undefined),
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== apiUrl) throw new errors.InvalidTarget();
          return resourceServerInfo;
        },
        useGrantedResource: () => true,
      },
    },
    pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
    // Browser apps (the native client in a page on a loopback port) call the token endpoint
    // cross-origin; a confidential client's secret never belongs in a browser.
    clientBasedCORS: (_ctx, origin, client) => client.clientAuthMethod === 'none' && isLoopbackOrigin(origin),
    rotateRefreshToken: settings.rotateRefreshTokens,
    ttl: {
      AccessToken: settings.accessTokenTTL,
      ClientCredentials: settings.accessTokenTTL,
      RefreshToken: settings.refreshTokenTTL,
      AuthorizationCode: 600,
      IdToken: 3600,
      Interaction: 3600,
      Session: 14 * 24 * 3600,
      Grant: settings.refreshTokenTTL,
    },
    routes: {
      authorization: PATHS.authorize,
      token: PATHS.token,
      revocation: PATHS.revoke,
      introspection: PATHS.introspect,
      userinfo: PATHS.userinfo,
      jwks: PATHS.jwks,
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  });

  provider.use(async (ctx, next) => {
    if (ctx.path === PATHS.authorize && ctx.method === 'GET') ctx.query = withOfflineAccess(ctx.query);
    await next();
    if (ctx.oidc?.route !== 'token') return;
    const grantType = typeof ctx.oidc.params?.grant_type === 'string' ? ctx.oidc.params.grant_type : 'unknown';
    countTokenRequest(stats, grantType);
    if (ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
      ctx.body = await globusShape(/** @type {import('oidc-provider').KoaContextWithOIDC} */ (ctx), {
        provider,
        apiUrl,
        grantType,
        settings,
      });
    }
  });
  return provider;
}
