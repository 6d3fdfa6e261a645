// A real OAuth2 / OpenID Connect server (oidc-provider) on 127.0.0.1, dressed as Globus Auth:
// Globus paths, token responses with `resource_server` and `other_tokens`, `access_type=offline`
// for refresh tokens, verbatim Basic credentials, a consents endpoint; plus a protected API
// (`GET /groups`) on a second port, and counters of token-endpoint requests by grant type.
// This module starts the two listeners and routes requests to the modules that answer them.
import { createServer } from 'node:http';
import { requireAuthorization } from './authorization-requirements.mjs';
import { formEncodeBasic } from './basic-credentials.mjs';
import { consentList } from './consents.mjs';
import { control } from './control-endpoints.mjs';
import {
  API_RESOURCE_SERVER,
  API_SCOPE,
  AUTH_RESOURCE_SERVER,
  CONFIDENTIAL_CLIENT_ID,
  CONFIDENTIAL_CLIENT_SECRET,
  DEFAULT_USERS,
  NATIVE_CLIENT_ID,
  OIDC_SCOPES,
} from './defaults.mjs';
import { close, listen, portOf, sendJSON } from './http.mjs';
import { createInteractionHandler } from './interactions.mjs';
import { issueTokens } from './issue-tokens.mjs';
import { login } from './login.mjs';
import { authCodePage } from './pages.mjs';
import { CONSENTS_PATH, PATHS } from './paths.mjs';
import { PersistentState } from './persistent-state.mjs';
import { protectedApi } from './protected-api.mjs';
import { createProvider } from './provider.mjs';
import { persistentKeys } from './signing-keys.mjs';
import { newStats } from './stats.mjs';

/**
 * Starts the server. Both listeners bind 127.0.0.1 on free ports unless told otherwise.
 *
 * @param {import('./types').StartAuthServerOptions} [options] - See the README; every option is optional:
 * - `rotateRefreshTokens` (`false`): A refresh grant issues a new refresh token and consumes the old one.
 * - `omitUnrotatedRefreshToken` (`false`): Without rotation, leave `refresh_token` out of refresh responses.
 * - `accessTokenTTL` (`3600`): Access-token lifetime in seconds (`expires_in`).
 * - `refreshTokenTTL` (`1209600`): Refresh-token lifetime in seconds.
 * - `users` (`DEFAULT_USERS`): `{ username, password, identityId, name, email, groups }`.
 * - `port` (`0`, a free port): Port of the auth server.
 * - `apiPort` (`0`, a free port): Port of the protected API.
 * - `stateFile`: Keep keys, ports, grants and tokens in this JSON file, so tokens
 *   issued by one run of the server stay valid in the next (the ports of the last run are reused).
 * @returns {Promise<import('./types').AuthServer>}
 */
export async function startAuthServer(options = {}) {
  /** @type {import('./types').Settings} */
  const settings = {
    rotateRefreshTokens: options.rotateRefreshTokens ?? false,
    omitUnrotatedRefreshToken: options.omitUnrotatedRefreshToken ?? false,
    accessTokenTTL: positiveInteger(options.accessTokenTTL ?? 3600, 'accessTokenTTL'),
    refreshTokenTTL: positiveInteger(options.refreshTokenTTL ?? 14 * 24 * 3600, 'refreshTokenTTL'),
    users: options.users ?? DEFAULT_USERS,
    authorizationRequirements: { remaining: 0, parameters: {} },
  };
  const host = '127.0.0.1';
  const state = options.stateFile ? new PersistentState(options.stateFile) : null;
  const authHttp = createServer();
  const apiHttp = createServer();
  await listen(authHttp, host, options.port ?? state?.settings.port ?? 0, state !== null);
  await listen(apiHttp, host, options.apiPort ?? state?.settings.apiPort ?? 0, state !== null);
  const baseUrl = `http://${host}:${portOf(authHttp)}`;
  const apiUrl = `http://${host}:${portOf(apiHttp)}`;
  const keys = persistentKeys(state);
  // Tokens name the issuer and the API by URL: on other ports the stored state is worthless.
  const stateRestored = state !== null && state.settings.baseUrl === baseUrl && state.settings.apiUrl === apiUrl;
  if (state && !stateRestored) {
    Object.assign(state.settings, { baseUrl, apiUrl, port: portOf(authHttp), apiPort: portOf(apiHttp) });
    state.reset();
  }

  const stats = newStats();
  /** @type {import('./consents.mjs').Consents} */
  const consents = { byIdentity: new Map(Object.entries(state?.consents.byIdentity ?? {})), nextId: state?.consents.nextId ?? 1 };
  const saveConsents = () => {
    if (!state) return;
    state.consents = { byIdentity: Object.fromEntries(consents.byIdentity), nextId: consents.nextId };
    state.save();
  };
  const confidentialClients = new Map([[CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET]]);
  const store = state ?? new PersistentState(null);
  const provider = createProvider({ baseUrl, apiUrl, settings, stats, keys, adapter: store.adapterClass() });
  const interactions = createInteractionHandler({ provider, settings, consents, saveConsents });
  const callback = provider.callback();
  /** @param {string} username */
  const passwordOf = (username) => settings.users.find((user) => user.username === username)?.password;
  /** @type {import('./types').AuthServer} */
  const server = {
    issuer: baseUrl,
    baseUrl,
    apiUrl,
    stats,
    stateRestored,
    clients: {
      native: { clientId: NATIVE_CLIENT_ID, redirectUri: `${baseUrl}${PATHS.authCodePage}` },
      confidential: {
        clientId: CONFIDENTIAL_CLIENT_ID,
        clientSecret: CONFIDENTIAL_CLIENT_SECRET,
        redirectUri: `${baseUrl}${PATHS.authCodePage}`,
      },
    },
    resourceServers: { api: API_RESOURCE_SERVER, auth: AUTH_RESOURCE_SERVER },
    scopes: { api: API_SCOPE, oidc: OIDC_SCOPES.join(' ') },
    users: settings.users.map(({ username, password, identityId }) => ({ username, password, identityId })),
    login: ({ authorizeUrl, username, password = passwordOf(username), clientId, consent }) =>
      login({ authorizeUrl, username, password: /** @type {string} */ (password), clientId, consent }),
    issueTokens: (request) => issueTokens({ provider, apiUrl, settings }, request),
    requireAuthorization: (request) => requireAuthorization(settings, request),
    resetStats: () => Object.assign(stats, newStats()),
    close: () => Promise.all([close(authHttp), close(apiHttp)]).then(() => undefined),
  };

  authHttp.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', baseUrl);
    const handle = () => {
      if (url.pathname.startsWith('/interaction/')) return interactions(req, res, url);
      if (url.pathname.startsWith('/__control/')) return control(req, res, url, server);
      if (url.pathname === PATHS.authCodePage) return authCodePage(res, url);
      const consentMatch = CONSENTS_PATH.exec(url.pathname);
      if (consentMatch)
        return consentList(req, res, url, decodeURIComponent(/** @type {string} */ (consentMatch[1])), { consents, confidentialClients });
      if (req.headers.authorization) req.headers.authorization = formEncodeBasic(req.headers.authorization);
      return callback(req, res);
    };
    Promise.resolve()
      .then(handle)
      .catch((error) => sendJSON(res, 500, { error: 'server_error', error_description: error.message }));
  });
  apiHttp.on('request', (req, res) => {
    protectedApi(req, res, { provider, apiUrl, settings, stats }).catch((error) =>
      sendJSON(res, 500, { code: 'SERVER_ERROR', message: error.message }),
    );
  });
  return server;
}

/**
 * @param {number} value
 * @param {string} name
 * @returns {number} `value`, a positive whole number of seconds.
 * @throws {TypeError} For anything else.
 */
function positiveInteger(value, name) {
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`startAuthServer: '${name}' must be a positive integer (seconds)`);
  return value;
}
