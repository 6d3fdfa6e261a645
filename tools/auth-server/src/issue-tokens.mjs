// Logged-in users without the login pages, for tests that need many of them.
import { API_RESOURCE_SERVER, API_SCOPE, NATIVE_CLIENT_ID } from './defaults.mjs';

/**
 * Issues API tokens to the native client as if `username` had logged in (consented to the API
 * scope with refresh tokens) `count` times, without driving the login pages: one grant per login,
 * each with its own refresh token, which the token endpoint then refreshes (and rotates) as usual.
 * For tests that need many logged-in users quickly; the login itself is tested through the pages.
 *
 * @param {{ provider: import('oidc-provider').default; apiUrl: string; settings: import('./types').Settings }} context
 * @param {import('./types').IssueRequest} request
 * @returns {Promise<import('./types').IssuedToken[]>} One API token answer per login: `access_token`, `refresh_token`,
 *   `expires_in`, `resource_server`, `scope`, `token_type`, `identity_id`.
 * @throws {Error} For an unknown user, or a count that is not a whole number from 1 to 100000.
 */
export async function issueTokens({ provider, apiUrl, settings }, { username, count = 1 }) {
  const user = settings.users.find((candidate) => candidate.username === username);
  if (!user) throw new Error(`unknown user ${username}`);
  if (!Number.isSafeInteger(count) || count < 1 || count > 100000) throw new Error('count must be an integer from 1 to 100000');
  const client = /** @type {import('oidc-provider').Client} */ (await provider.Client.find(NATIVE_CLIENT_ID));
  const resourceServer = new provider.ResourceServer(apiUrl, {
    scope: API_SCOPE,
    audience: apiUrl,
    accessTokenTTL: settings.accessTokenTTL,
    accessTokenFormat: 'opaque',
  });
  const answers = [];
  for (let index = 0; index < count; index += 1) {
    const grant = new provider.Grant({ accountId: user.identityId, clientId: client.clientId });
    grant.addOIDCScope('openid offline_access');
    grant.addResourceScope(apiUrl, API_SCOPE);
    const common = { accountId: user.identityId, client, grantId: await grant.save(), gty: 'authorization_code' };
    const accessToken = new provider.AccessToken({ ...common, scope: API_SCOPE });
    accessToken.resourceServer = resourceServer;
    const refreshToken = new provider.RefreshToken({
      ...common,
      authTime: Math.floor(Date.now() / 1000),
      resource: apiUrl,
      rotations: 0,
      scope: `openid offline_access ${API_SCOPE}`,
    });
    answers.push({
      access_token: await accessToken.save(),
      refresh_token: await refreshToken.save(),
      expires_in: accessToken.expiration,
      resource_server: API_RESOURCE_SERVER,
      scope: API_SCOPE,
      token_type: 'Bearer',
      identity_id: user.identityId,
    });
  }
  return answers;
}
