// The protected API on its own port: the token owner's groups, for a valid bearer token.
import { API_SCOPE } from './defaults.mjs';
import { isLoopbackOrigin, sendJSON } from './http.mjs';
import { GROUPS_API_PATH } from './paths.mjs';

/**
 * `GET /groups` with a bearer token for the API (checked against the server's token store).
 *
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 * @param {{ provider: import('oidc-provider').default; apiUrl: string; settings: import('./types').Settings; stats: import('./types').AuthServerStats }} context
 */
export async function protectedApi(req, res, { provider, apiUrl, settings, stats }) {
  const url = new URL(req.url ?? '/', apiUrl);
  // Pages on loopback origins may call the API (with an Authorization header, hence the preflight).
  const origin = req.headers.origin;
  if (origin && isLoopbackOrigin(origin)) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate');
    res.setHeader('Vary', 'Origin');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'GET',
        'Access-Control-Allow-Headers': 'Authorization',
        'Access-Control-Max-Age': '600',
      });
      return res.end();
    }
  }
  if (url.pathname !== '/groups' && url.pathname !== GROUPS_API_PATH)
    return sendJSON(res, 404, { code: 'NOT_FOUND', message: `no route ${url.pathname}` });
  stats.apiRequests.total += 1;
  /**
   * @param {string} [error]
   * @param {string} [description]
   */
  const challenge = (error, description) => {
    stats.apiRequests.unauthorized += 1;
    res.setHeader('WWW-Authenticate', `Bearer realm="groups"${error ? `, error="${error}", error_description="${description}"` : ''}`);
    return sendJSON(res, 401, { code: 'AUTHENTICATION_ERROR', message: description ?? 'a bearer token is required' });
  };
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match) return challenge();
  const value = /** @type {string} */ (match[1]);
  const token = (await provider.AccessToken.find(value)) ?? (await provider.ClientCredentials.find(value));
  if (!token) return challenge('invalid_token', 'the access token is unknown, expired or revoked');
  if (token.aud !== apiUrl) return challenge('invalid_token', 'the access token is not for this API');
  if (!token.scopes.has(API_SCOPE)) return challenge('insufficient_scope', `the access token lacks ${API_SCOPE}`);
  if (settings.authorizationRequirements.remaining > 0) {
    settings.authorizationRequirements.remaining -= 1;
    return sendJSON(res, 403, { code: 'AuthorizationRequired', authorization_parameters: settings.authorizationRequirements.parameters });
  }
  const { accountId } = /** @type {{ accountId?: string }} */ (token);
  const user = accountId === undefined ? undefined : settings.users.find((candidate) => candidate.identityId === accountId);
  return sendJSON(res, 200, user ? user.groups : []);
}
