// A real OAuth2 / OpenID Connect server (oidc-provider) on 127.0.0.1, dressed as Globus Auth:
// Globus paths, token responses with `resource_server` and `other_tokens`, `access_type=offline`
// for refresh tokens, verbatim Basic credentials, a consents endpoint; plus a protected API
// (`GET /groups`) on a second port, and counters of token-endpoint requests by grant type.
import { generateKeyPairSync, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import { errors, Provider } from './oidc-provider.mjs';
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
import { login } from './login.mjs';
import { PersistentState } from './persistent-state.mjs';

const PATHS = Object.freeze({
  authorize: '/v2/oauth2/authorize',
  token: '/v2/oauth2/token',
  revoke: '/v2/oauth2/token/revoke',
  introspect: '/v2/oauth2/token/introspect',
  userinfo: '/v2/oauth2/userinfo',
  jwks: '/jwk.json',
  authCodePage: '/v2/web/auth-code',
});
const CONSENTS_PATH = /^\/v2\/api\/identities\/([^/]+)\/consents$/;
/** The Globus Groups API path of the protected API's listing (also served at `/groups`), as `@globus/sdk` calls it. */
const GROUPS_API_PATH = '/v2/groups/my_groups';

/**
 * Starts the server. Both listeners bind 127.0.0.1 on free ports unless told otherwise.
 *
 * @param {object} [options]
 * @param {boolean} [options.rotateRefreshTokens=false] - A refresh grant issues a new refresh token and consumes the old one.
 * @param {boolean} [options.omitUnrotatedRefreshToken=false] - Without rotation, leave `refresh_token` out of refresh responses.
 * @param {number} [options.accessTokenTTL=3600] - Access-token lifetime in seconds (`expires_in`).
 * @param {number} [options.refreshTokenTTL=1209600] - Refresh-token lifetime in seconds.
 * @param {Array<object>} [options.users=DEFAULT_USERS] - `{ username, password, identityId, name, email, groups }`.
 * @param {number} [options.port=0] - Port of the auth server.
 * @param {number} [options.apiPort=0] - Port of the protected API.
 * @param {string} [options.stateFile] - Keep keys, ports, grants and tokens in this JSON file, so tokens
 *   issued by one run of the server stay valid in the next (the ports of the last run are reused).
 * @returns {Promise<AuthServer>}
 */
export async function startAuthServer(options = {}) {
  const settings = {
    rotateRefreshTokens: options.rotateRefreshTokens ?? false,
    omitUnrotatedRefreshToken: options.omitUnrotatedRefreshToken ?? false,
    accessTokenTTL: positiveInteger(options.accessTokenTTL ?? 3600, 'accessTokenTTL'),
    refreshTokenTTL: positiveInteger(options.refreshTokenTTL ?? 14 * 24 * 3600, 'refreshTokenTTL'),
    users: options.users ?? DEFAULT_USERS,
    // Set by `requireAuthorization`: the next `remaining` API requests answer a Globus Auth requirements error.
    authorizationRequirements: { remaining: 0, parameters: {} },
  };
  const host = '127.0.0.1';
  const state = options.stateFile ? new PersistentState(options.stateFile) : null;
  const authHttp = createServer();
  const apiHttp = createServer();
  await listen(authHttp, host, options.port ?? state?.settings.port ?? 0, state !== null);
  await listen(apiHttp, host, options.apiPort ?? state?.settings.apiPort ?? 0, state !== null);
  const baseUrl = `http://${host}:${authHttp.address().port}`;
  const apiUrl = `http://${host}:${apiHttp.address().port}`;
  const keys = persistentKeys(state);
  // Tokens name the issuer and the API by URL: on other ports the stored state is worthless.
  const stateRestored = state !== null && state.settings.baseUrl === baseUrl && state.settings.apiUrl === apiUrl;
  if (state && !stateRestored) {
    Object.assign(state.settings, { baseUrl, apiUrl, port: authHttp.address().port, apiPort: apiHttp.address().port });
    state.reset();
  }

  const stats = newStats();
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
  const passwordOf = (username) => settings.users.find((user) => user.username === username)?.password;
  const server = {
    issuer: baseUrl,
    baseUrl,
    apiUrl,
    stats,
    stateRestored,
    clients: {
      native: { clientId: NATIVE_CLIENT_ID, redirectUri: `${baseUrl}${PATHS.authCodePage}` },
      confidential: { clientId: CONFIDENTIAL_CLIENT_ID, clientSecret: CONFIDENTIAL_CLIENT_SECRET, redirectUri: `${baseUrl}${PATHS.authCodePage}` },
    },
    resourceServers: { api: API_RESOURCE_SERVER, auth: AUTH_RESOURCE_SERVER },
    scopes: { api: API_SCOPE, oidc: OIDC_SCOPES.join(' ') },
    users: settings.users.map(({ username, password, identityId }) => ({ username, password, identityId })),
    login: ({ authorizeUrl, username, password = passwordOf(username), clientId, consent }) =>
      login({ authorizeUrl, username, password, clientId, consent }),
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
      if (consentMatch) return consentList(req, res, url, decodeURIComponent(consentMatch[1]), { consents, confidentialClients });
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
 * Issues API tokens to the native client as if `username` had logged in (consented to the API
 * scope with refresh tokens) `count` times, without driving the login pages: one grant per login,
 * each with its own refresh token, which the token endpoint then refreshes (and rotates) as usual.
 * For tests that need many logged-in users quickly; the login itself is tested through the pages.
 *
 * @returns {Promise<object[]>} One API token answer per login: `access_token`, `refresh_token`,
 *   `expires_in`, `resource_server`, `scope`, `token_type`, `identity_id`.
 */
async function issueTokens({ provider, apiUrl, settings }, { username, count = 1 }) {
  const user = settings.users.find((candidate) => candidate.username === username);
  if (!user) throw new Error(`unknown user ${username}`);
  if (!Number.isSafeInteger(count) || count < 1 || count > 100000) throw new Error('count must be an integer from 1 to 100000');
  const client = await provider.Client.find(NATIVE_CLIENT_ID);
  const resourceServer = new provider.ResourceServer(apiUrl, { scope: API_SCOPE, audience: apiUrl, accessTokenTTL: settings.accessTokenTTL, accessTokenFormat: 'opaque' });
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

/** The signing and cookie keys: kept in the state file when there is one, else fresh for this run. */
function persistentKeys(state) {
  if (state?.settings.signingKey && state.settings.cookieKey) return { signingKey: state.settings.signingKey, cookieKey: state.settings.cookieKey };
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keys = {
    signingKey: { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), alg: 'RS256', use: 'sig' },
    cookieKey: randomBytes(32).toString('hex'),
  };
  if (state) {
    Object.assign(state.settings, keys);
    state.save();
  }
  return keys;
}

function createProvider({ baseUrl, apiUrl, settings, stats, keys, adapter }) {
  const { signingKey, cookieKey } = keys;
  const redirectUris = [`${baseUrl}${PATHS.authCodePage}`, 'http://127.0.0.1/callback'];
  const resourceServerInfo = { scope: API_SCOPE, audience: apiUrl, accessTokenTTL: settings.accessTokenTTL, accessTokenFormat: 'opaque' };
  const requestsApi = (ctx) => (ctx.oidc.params.scope ?? '').split(' ').includes(API_SCOPE);

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
    stats.tokenRequests.total += 1;
    stats.tokenRequests.byGrantType[grantType] = (stats.tokenRequests.byGrantType[grantType] ?? 0) + 1;
    if (ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
      ctx.body = await globusShape(ctx, { provider, apiUrl, grantType, settings });
    }
  });
  return provider;
}

/** Globus's `access_type=offline` is OpenID Connect's `offline_access` scope (which needs consent). */
function withOfflineAccess(query) {
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
 */
async function globusShape(ctx, { provider, apiUrl, grantType, settings }) {
  const { entities, client } = ctx.oidc;
  const body = { ...ctx.body };
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
  if (grantType !== 'authorization_code' || body.resource_server !== API_RESOURCE_SERVER || !code.scopes.has('openid')) return body;
  const common = {
    accountId: code.accountId,
    client,
    claims: code.claims,
    expiresWithSession: code.expiresWithSession,
    grantId: code.grantId,
    gty: 'authorization_code',
    sessionUid: code.sessionUid,
    sid: code.sid,
  };
  const accessToken = new provider.AccessToken({ ...common, scope: oidcScope });
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

function withoutOfflineAccess(scope) {
  return scope
    .split(' ')
    .filter((item) => item !== 'offline_access')
    .join(' ');
}

/**
 * Globus reads Basic credentials verbatim; RFC 6749 (and oidc-provider) form-decode them, which
 * would turn the `+` of a secret into a space. Re-encoding them first makes both agree.
 */
function formEncodeBasic(header) {
  const match = /^basic\s+(\S+)$/i.exec(header);
  if (!match) return header;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return header;
  const encoded = `${encodeURIComponent(decoded.slice(0, colon))}:${encodeURIComponent(decoded.slice(colon + 1))}`;
  return `Basic ${Buffer.from(encoded, 'utf8').toString('base64')}`;
}

function createInteractionHandler({ provider, settings, consents, saveConsents }) {
  return async (req, res, url) => {
    const [, , uid, action] = url.pathname.split('/');
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return sendHTML(res, 400, '<p>Unknown interaction.</p>');
    const { prompt, params, session } = details;

    if (req.method === 'GET' && action === undefined) {
      return sendHTML(res, 200, prompt.name === 'login' ? loginPage(uid, params) : consentPage(uid, params, prompt));
    }
    if (req.method === 'POST' && action === 'login') {
      const form = new URLSearchParams(await readBody(req));
      const user = settings.users.find((candidate) => candidate.username === form.get('username'));
      if (!user || !sameSecret(user.password, form.get('password') ?? '')) {
        return sendHTML(res, 401, loginPage(uid, params, 'Unknown username or wrong password.'));
      }
      return provider.interactionFinished(req, res, { login: { accountId: user.identityId } }, { mergeWithLastSubmission: false });
    }
    if (req.method === 'POST' && action === 'confirm') {
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
      const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
      if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
      if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missingResourceScopes ?? {})) grant.addResourceScope(indicator, scopes.join(' '));
      const grantId = await grant.save();
      recordConsents(consents, session.accountId, params.client_id, [
        ...(missingOIDCScope ?? []),
        ...Object.values(missingResourceScopes ?? {}).flat(),
      ]);
      saveConsents();
      return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    }
    if (req.method === 'POST' && action === 'abort') {
      const result = { error: 'access_denied', error_description: 'The user denied the request.' };
      return provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
    }
    return sendHTML(res, 404, '<p>Not found.</p>');
  };
}

function loginPage(uid, params, problem) {
  return `<h1>Log in to ${escapeHTML(params.client_id)}</h1>${problem ? `<p role="alert">${escapeHTML(problem)}</p>` : ''}
<form method="post" action="/interaction/${escapeHTML(uid)}/login">
<label>Username <input name="username" value="" autocomplete="username"></label>
<label>Password <input name="password" type="password" value="" autocomplete="current-password"></label>
<button type="submit">Log in</button>
</form>`;
}

function consentPage(uid, params, prompt) {
  const scopes = [...(prompt.details.missingOIDCScope ?? []), ...Object.values(prompt.details.missingResourceScopes ?? {}).flat()];
  return `<h1>Allow ${escapeHTML(params.client_id)}?</h1>
<ul>${scopes.map((scope) => `<li>${escapeHTML(scope)}</li>`).join('')}</ul>
<form id="allow" method="post" action="/interaction/${escapeHTML(uid)}/confirm"><button type="submit">Allow</button></form>
<form id="deny" method="post" action="/interaction/${escapeHTML(uid)}/abort"><button type="submit">Deny</button></form>`;
}

/** Globus's "copy this code" page, the default redirect of native clients. */
function authCodePage(res, url) {
  const code = url.searchParams.get('code');
  const error = url.searchParams.get('error');
  if (code) return sendHTML(res, 200, `<h1>Native App Authorization Code</h1><p>Copy this code into your application:</p><pre>${escapeHTML(code)}</pre>`);
  return sendHTML(res, 400, `<h1>Login failed</h1><p>${escapeHTML(error ?? 'no code')}</p>`);
}

function recordConsents(consents, identityId, clientId, scopeNames) {
  const list = consents.byIdentity.get(identityId) ?? [];
  const now = new Date().toISOString();
  for (const scopeName of scopeNames) {
    if (scopeName === 'offline_access' || list.some((item) => item.client === clientId && item.scope_name === scopeName)) continue;
    const id = consents.nextId;
    consents.nextId += 1;
    list.push({
      id,
      client: clientId,
      scope: randomUUID(),
      scope_name: scopeName,
      effective_identity: identityId,
      dependency_path: [id],
      created: now,
      updated: now,
      last_used: now,
      status: 'approved',
      allows_refresh: true,
      auto_approved: false,
      atomically_revocable: false,
    });
  }
  consents.byIdentity.set(identityId, list);
}

/**
 * `GET /v2/api/identities/{id}/consents`, for confidential clients (verbatim Basic credentials):
 * the consents given to the calling client, or to every client with `all=True`.
 */
function consentList(req, res, url, identityId, { consents, confidentialClients }) {
  if (req.method !== 'GET') return sendJSON(res, 405, { error: 'method_not_allowed' });
  const credentials = basicCredentials(req.headers.authorization);
  const secret = credentials && confidentialClients.get(credentials.clientId);
  if (!secret || !sameSecret(secret, credentials.clientSecret)) {
    res.setHeader('WWW-Authenticate', 'Basic realm="globus"');
    return sendJSON(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' });
  }
  const all = url.searchParams.get('all') === 'True';
  const list = (consents.byIdentity.get(identityId) ?? []).filter((consent) => all || consent.client === credentials.clientId);
  return sendJSON(res, 200, { consents: list });
}

/** `GET /groups` with a bearer token for the API (checked against the server's token store). */
async function protectedApi(req, res, { provider, apiUrl, settings, stats }) {
  const url = new URL(req.url ?? '/', apiUrl);
  // Pages on loopback origins may call the API (with an Authorization header, hence the preflight).
  const origin = req.headers.origin;
  if (origin && isLoopbackOrigin(origin)) {
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Expose-Headers', 'WWW-Authenticate');
    res.setHeader('Vary', 'Origin');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { 'Access-Control-Allow-Methods': 'GET', 'Access-Control-Allow-Headers': 'Authorization', 'Access-Control-Max-Age': '600' });
      return res.end();
    }
  }
  if (url.pathname !== '/groups' && url.pathname !== GROUPS_API_PATH) return sendJSON(res, 404, { code: 'NOT_FOUND', message: `no route ${url.pathname}` });
  stats.apiRequests.total += 1;
  const challenge = (error, description) => {
    stats.apiRequests.unauthorized += 1;
    res.setHeader('WWW-Authenticate', `Bearer realm="groups"${error ? `, error="${error}", error_description="${description}"` : ''}`);
    return sendJSON(res, 401, { code: 'AUTHENTICATION_ERROR', message: description ?? 'a bearer token is required' });
  };
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (!match) return challenge();
  const value = match[1];
  const token = (await provider.AccessToken.find(value)) ?? (await provider.ClientCredentials.find(value));
  if (!token) return challenge('invalid_token', 'the access token is unknown, expired or revoked');
  if (token.aud !== apiUrl) return challenge('invalid_token', 'the access token is not for this API');
  if (!token.scopes.has(API_SCOPE)) return challenge('insufficient_scope', `the access token lacks ${API_SCOPE}`);
  if (settings.authorizationRequirements.remaining > 0) {
    settings.authorizationRequirements.remaining -= 1;
    return sendJSON(res, 403, { code: 'AuthorizationRequired', authorization_parameters: settings.authorizationRequirements.parameters });
  }
  const user = token.accountId === undefined ? undefined : settings.users.find((candidate) => candidate.identityId === token.accountId);
  return sendJSON(res, 200, user ? user.groups : []);
}

async function control(req, res, url, server) {
  if (req.method === 'GET' && url.pathname === '/__control/stats') return sendJSON(res, 200, server.stats);
  if (req.method === 'POST' && url.pathname === '/__control/stats/reset') {
    server.resetStats();
    return sendJSON(res, 200, server.stats);
  }
  if (req.method === 'POST' && url.pathname === '/__control/issue') {
    try {
      return sendJSON(res, 200, { tokens: await server.issueTokens(JSON.parse(await readBody(req))) });
    } catch (error) {
      return sendJSON(res, 400, { error: 'issue_failed', error_description: error.message });
    }
  }
  if (req.method === 'POST' && url.pathname === '/__control/require-authorization') {
    try {
      server.requireAuthorization(JSON.parse(await readBody(req)));
    } catch (error) {
      return sendJSON(res, 400, { error: 'invalid_request', error_description: error.message });
    }
    return sendJSON(res, 200, {});
  }
  if (req.method === 'POST' && url.pathname === '/__control/login') {
    let code;
    try {
      code = await server.login(JSON.parse(await readBody(req)));
    } catch (error) {
      return sendJSON(res, 400, { error: error.error ?? 'login_failed', error_description: error.message });
    }
    return sendJSON(res, 200, { code });
  }
  return sendJSON(res, 404, { error: 'not_found' });
}

function newStats() {
  return { tokenRequests: { total: 0, byGrantType: {} }, apiRequests: { total: 0, unauthorized: 0 } };
}

/** The Globus Auth `authorization_parameters` keys the API may ask for, and their types. */
const AUTHORIZATION_PARAMETER_TYPES = {
  required_scopes: 'list',
  session_message: 'string',
  session_required_identities: 'list',
  session_required_single_domain: 'list',
  session_required_policies: 'list',
  session_required_mfa: 'boolean',
  prompt: 'string',
};

/**
 * Makes the next `count` API requests with a valid token answer `403` with a Globus Auth
 * requirements error: `{ "code": "AuthorizationRequired", "authorization_parameters": {…} }`.
 */
function requireAuthorization(settings, { count = 1, authorization_parameters: parameters = {} } = {}) {
  if (!Number.isSafeInteger(count) || count < 0) throw new TypeError("requireAuthorization: 'count' must be an integer >= 0");
  if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) throw new TypeError("requireAuthorization: 'authorization_parameters' must be an object");
  for (const [key, value] of Object.entries(parameters)) {
    const type = AUTHORIZATION_PARAMETER_TYPES[key];
    const valid = type === 'list' ? Array.isArray(value) && value.every((item) => typeof item === 'string') : typeof value === type;
    if (!valid) throw new TypeError(`requireAuthorization: unknown or mistyped authorization parameter '${key}'`);
  }
  settings.authorizationRequirements = { remaining: count, parameters: { ...parameters } };
}

function basicCredentials(header) {
  const match = /^basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) };
}

function sameSecret(expected, given) {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJSON(res, status, body) {
  if (res.headersSent) return res.end();
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  return res.end(JSON.stringify(body));
}

function sendHTML(res, status, body) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  return res.end(`<!doctype html><html><head><meta charset="utf-8"><title>auth-server</title></head><body>${body}</body></html>`);
}

function escapeHTML(text) {
  return String(text).replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]);
}

function isLoopbackOrigin(origin) {
  return /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(origin);
}

function positiveInteger(value, name) {
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`startAuthServer: '${name}' must be a positive integer (seconds)`);
  return value;
}

/** Listens on `port`; with `fallBack`, a port already taken (saved from an earlier run) gives way to a free one. */
async function listen(server, host, port, fallBack = false) {
  try {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    if (!fallBack || port === 0 || error.code !== 'EADDRINUSE') throw error;
    await listen(server, host, 0);
  }
}

function close(server) {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
