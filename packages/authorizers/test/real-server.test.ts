// Everything here talks to a real OAuth2/OIDC server (oidc-provider, in a child process) on 127.0.0.1:
// logins drive its login and consent pages over HTTP, tokens are checked by its protected API, and
// request counts come from its own counters.
import { inspect } from 'node:util';
import {
  AuthAPIError,
  IdentityExtractionError,
  IDTokenDecoder,
  ScopeRequirementsValidator,
  TokenStorageError,
  ValidatingTokenStorage,
  type OAuthTokenResponse,
} from '@globus-tokenstorage/core';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
import {
  AccessTokenAuthorizer,
  authorizedFetch,
  ClientCredentialsAuthorizer,
  ConfidentialAppAuthClient,
  NativeAppAuthClient,
  RefreshTokenAuthorizer,
  type FetchFunction,
  type GlobusAuthorizer,
} from '@globus-tokenstorage/authorizers';
import { startAuthServerProcess, type AuthServerProcess } from '@globus-tokenstorage/auth-server/process';

jest.setTimeout(60000);

let server: AuthServerProcess;
let rotating: AuthServerProcess;
let omitting: AuthServerProcess;

beforeAll(async () => {
  [server, rotating, omitting] = await Promise.all([
    startAuthServerProcess(),
    startAuthServerProcess(['--rotate-refresh-tokens']),
    startAuthServerProcess(['--omit-unrotated-refresh-token']),
  ]);
});

afterAll(async () => {
  await Promise.all([server, rotating, omitting].map((running) => running?.close()));
});

const ALICE = '11111111-2222-4333-8444-555555555555';
const BOB = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';

function nativeClient(on: AuthServerProcess, options: { fetch?: FetchFunction } = {}) {
  return new NativeAppAuthClient(on.clients.native.clientId, { baseUrl: on.baseUrl, ...options });
}

function confidentialClient(on: AuthServerProcess, secret = on.clients.confidential.clientSecret) {
  return new ConfidentialAppAuthClient(on.clients.confidential.clientId, secret, { baseUrl: on.baseUrl });
}

/** A full PKCE login of a user through the server's pages; returns the code-exchange response. */
async function loginNative(on: AuthServerProcess, options: { username?: string; scopes?: string; client?: NativeAppAuthClient } = {}) {
  const client = options.client ?? nativeClient(on);
  client.oauth2StartFlow({
    requestedScopes: options.scopes ?? `${on.scopes.oidc} ${on.scopes.api}`,
    refreshTokens: true,
    state: 'csrf-123',
  });
  const authorizeUrl = client.oauth2GetAuthorizeUrl();
  const code = await on.login({ authorizeUrl, username: options.username ?? 'alice', clientId: on.clients.native.clientId });
  return { client, response: await client.oauth2ExchangeCodeForTokens(code) };
}

function apiToken(on: AuthServerProcess, response: OAuthTokenResponse) {
  const token = response.byResourceServer[on.resourceServers.api];
  if (!token) throw new Error('no API token in the response');
  return token;
}

function getGroups(on: AuthServerProcess, authorizer: GlobusAuthorizer): Promise<Response> {
  return authorizedFetch(authorizer, `${on.apiUrl}/groups`);
}

async function grantCount(on: AuthServerProcess, grantType: string): Promise<number> {
  return (await on.stats()).tokenRequests.byGrantType[grantType] ?? 0;
}

describe('PKCE login against the real server', () => {
  it('drives login and consent, exchanges the code, and gets a Globus-shaped response', async () => {
    const before = await grantCount(server, 'authorization_code');
    const { client, response } = await loginNative(server);
    expect(await grantCount(server, 'authorization_code')).toBe(before + 1);
    expect(response.grantType).toBe('authorization_code');
    const data = response.data as Record<string, unknown>;
    expect(data.resource_server).toBe(server.resourceServers.auth);
    expect(data.other_tokens).toEqual([expect.objectContaining({ resource_server: server.resourceServers.api, scope: server.scopes.api })]);
    expect(Object.keys(response.byResourceServer).sort()).toEqual([server.resourceServers.auth, server.resourceServers.api].sort());
    for (const token of Object.values(response.byResourceServer)) {
      expect(token).toMatchObject({ token_type: 'Bearer', refresh_token: expect.any(String) });
      expect(token.expires_at_seconds).toBeGreaterThan(Date.now() / 1000 + 3000);
    }
    expect(response.byScopes.get('openid profile email').resource_server).toBe(server.resourceServers.auth);
    expect(response.idToken).toEqual(expect.any(String));
    expect(response.idTokenDecoder).toBe(client.idTokenDecoder);
  });

  it('verifies the id_token against the server’s JWKS and stores the tokens under alice’s identity', async () => {
    const { response, client } = await loginNative(server);
    const claims = await response.decodeIdToken();
    expect(claims).toMatchObject({ sub: ALICE, aud: server.clients.native.clientId, iss: server.issuer, email: 'alice@example.org' });
    const storage = new MemoryTokenStorage();
    await storage.storeTokenResponse(response);
    const stored = await storage.getTokenData(server.resourceServers.api);
    expect(stored).toMatchObject({ identityId: ALICE, resourceServer: server.resourceServers.api, scope: server.scopes.api });
    expect((await storage.getTokenData(server.resourceServers.auth))?.identityId).toBe(ALICE);

    const groups = await getGroups(server, new AccessTokenAuthorizer(stored!.accessToken));
    expect(groups.status).toBe(200);
    expect(await groups.json()).toEqual([
      expect.objectContaining({ name: 'Alice lab' }),
      expect.objectContaining({ name: 'Shared instrument' }),
    ]);

    const wrongAudience = new IDTokenDecoder({ clientId: 'someone-else', authBaseUrl: server.baseUrl });
    await expect(new MemoryTokenStorage({ idTokenDecoder: wrongAudience }).storeTokenResponse(response)).rejects.toThrow(
      IdentityExtractionError,
    );
    expect(client.idTokenDecoder).toMatchObject({ authBaseUrl: server.baseUrl, clientId: server.clients.native.clientId });
  });

  it('enforces PKCE and single use of codes', async () => {
    const client = nativeClient(server);
    client.oauth2StartFlow({ requestedScopes: server.scopes.api });
    const code = await server.login({ authorizeUrl: client.oauth2GetAuthorizeUrl(), username: 'bob' });
    client.oauth2StartFlow({ requestedScopes: server.scopes.api });
    const error = await client.oauth2ExchangeCodeForTokens(code).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthAPIError);
    expect(error).toMatchObject({ httpStatus: 400, errorCode: 'invalid_grant' });

    const { client: again } = await loginNative(server, { username: 'bob' });
    const reused = await again.oauth2ExchangeCodeForTokens('not-a-code').catch((caught: unknown) => caught);
    expect(reused).toMatchObject({ httpStatus: 400, errorCode: 'invalid_grant' });
  });

  it('without refreshTokens, issues no refresh token; a denied consent fails the login', async () => {
    const client = nativeClient(server);
    client.oauth2StartFlow({ requestedScopes: server.scopes.api });
    const code = await server.login({ authorizeUrl: client.oauth2GetAuthorizeUrl(), username: 'alice' });
    const response = await client.oauth2ExchangeCodeForTokens(code);
    expect(apiToken(server, response).refresh_token).toBeNull();

    client.oauth2StartFlow({ requestedScopes: server.scopes.api });
    await expect(server.login({ authorizeUrl: client.oauth2GetAuthorizeUrl(), username: 'alice', consent: false })).rejects.toThrow(
      /access_denied/,
    );
  });
});

describe('refresh grant', () => {
  it('without rotation: a new access token, the same refresh token, storage kept current by onRefresh', async () => {
    const { response, client } = await loginNative(server);
    const storage = new MemoryTokenStorage();
    await storage.storeTokenResponse(response);
    const initial = apiToken(server, response);
    const before = await grantCount(server, 'refresh_token');
    const authorizer = new RefreshTokenAuthorizer(initial.refresh_token!, client, {
      accessToken: initial.access_token,
      expiresAtSeconds: Date.now() / 1000 + 30,
      onRefresh: (refreshed) => storage.storeTokenResponse(refreshed),
    });
    const header = await authorizer.getAuthorizationHeader();
    expect(await grantCount(server, 'refresh_token')).toBe(before + 1);
    expect(header).not.toBe(`Bearer ${initial.access_token}`);
    expect(authorizer.refreshToken).toBe(initial.refresh_token);
    const stored = await storage.getTokenData(server.resourceServers.api);
    expect(stored).toMatchObject({ accessToken: authorizer.accessToken, refreshToken: initial.refresh_token, identityId: ALICE });
    expect((await getGroups(server, authorizer)).status).toBe(200);
    await expect(client.oauth2RefreshToken(initial.refresh_token!)).resolves.toMatchObject({ grantType: 'refresh_token' });
  });

  it('with rotation: the authorizer switches to the new refresh token; the old one is refused', async () => {
    const { response, client } = await loginNative(rotating);
    const first = apiToken(rotating, response).refresh_token!;
    const authorizer = new RefreshTokenAuthorizer(first, client);
    await authorizer.getAuthorizationHeader();
    const second = authorizer.refreshToken;
    expect(second).not.toBe(first);
    await authorizer.handleMissingAuthorization();
    expect(authorizer.refreshToken).not.toBe(second);
    expect((await getGroups(rotating, authorizer)).status).toBe(200);
    const error = await client.oauth2RefreshToken(first).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ httpStatus: 400, errorCode: 'invalid_grant' });
  });

  it('with rotation, an onRefresh that fails once still stores the rotated refresh token before it is used', async () => {
    const { response, client } = await loginNative(rotating);
    const storage = new MemoryTokenStorage();
    await storage.storeTokenResponse(response);
    let failures = 1;
    const authorizer = new RefreshTokenAuthorizer(apiToken(rotating, response).refresh_token!, client, {
      onRefresh: async (refreshed) => {
        if (failures-- > 0) throw new Error('disk briefly full');
        await storage.storeTokenResponse(refreshed);
      },
    });
    await expect(authorizer.getAuthorizationHeader()).rejects.toThrow('disk briefly full');
    expect((await getGroups(rotating, authorizer)).status).toBe(200);
    const stored = (await storage.getTokenData(rotating.resourceServers.api))!;
    expect(stored).toMatchObject({ accessToken: authorizer.accessToken, refreshToken: authorizer.refreshToken });
    const nextRun = new RefreshTokenAuthorizer(stored.refreshToken!, client);
    expect((await getGroups(rotating, nextRun)).status).toBe(200);
  });

  it('a refresh answer without refresh_token keeps the old one (Python would send none next time)', async () => {
    const { response, client } = await loginNative(omitting);
    const original = apiToken(omitting, response).refresh_token!;
    const direct = await client.oauth2RefreshToken(original);
    expect(apiToken(omitting, direct).refresh_token).toBeNull();
    const authorizer = new RefreshTokenAuthorizer(original, client);
    await authorizer.getAuthorizationHeader();
    await authorizer.handleMissingAuthorization();
    expect(authorizer.refreshToken).toBe(original);
    expect((await getGroups(omitting, authorizer)).status).toBe(200);
  });

  it('1 000 concurrent getAuthorizationHeader calls on an expired token make exactly one token request', async () => {
    const { response, client } = await loginNative(server);
    const token = apiToken(server, response);
    const authorizer = new RefreshTokenAuthorizer(token.refresh_token!, client, {
      accessToken: token.access_token,
      expiresAtSeconds: Date.now() / 1000 - 10,
    });
    const before = (await server.stats()).tokenRequests.total;
    const headers = await Promise.all(Array.from({ length: 1000 }, () => authorizer.getAuthorizationHeader()));
    expect((await server.stats()).tokenRequests.total).toBe(before + 1);
    expect(new Set(headers).size).toBe(1);
    expect(headers[0]).not.toBe(`Bearer ${token.access_token}`);
    expect((await getGroups(server, authorizer)).status).toBe(200);
  });

  it('a failed renewal rejects every waiter with a typed error; the next call renews', async () => {
    const { response } = await loginNative(server);
    const token = apiToken(server, response);
    let failNext = true;
    const flaky: FetchFunction = async (input, init) => {
      if (failNext && String(input).endsWith('/v2/oauth2/token')) {
        failNext = false;
        throw new TypeError('fetch failed');
      }
      return fetch(input, init);
    };
    const authorizer = new RefreshTokenAuthorizer(token.refresh_token!, nativeClient(server, { fetch: flaky }));
    const before = await grantCount(server, 'refresh_token');
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, () => authorizer.getAuthorizationHeader().catch((error: unknown) => error)),
    );
    const [first] = outcomes;
    expect(first).toBeInstanceOf(AuthAPIError);
    expect(first).toMatchObject({ httpStatus: 0 });
    expect(outcomes.every((outcome) => outcome === first)).toBe(true);
    expect(await grantCount(server, 'refresh_token')).toBe(before);

    const header = await authorizer.getAuthorizationHeader();
    expect(header).toMatch(/^Bearer /);
    expect(await grantCount(server, 'refresh_token')).toBe(before + 1);
    expect((await getGroups(server, authorizer)).status).toBe(200);
  });

  it('an error answer from the token endpoint is an AuthAPIError for every waiter', async () => {
    const authorizer = new RefreshTokenAuthorizer('not-a-refresh-token', nativeClient(server));
    const outcomes = await Promise.all([1, 2, 3].map(() => authorizer.getAuthorizationHeader().catch((error: unknown) => error)));
    for (const outcome of outcomes) {
      expect(TokenStorageError.isInstance(outcome)).toBe(true);
      expect(outcome).toMatchObject({ code: 'AUTH_API_ERROR', httpStatus: 400, errorCode: 'invalid_grant' });
    }
  });
});

describe('401 handling with the protected API', () => {
  it('401 → refresh → retry → 200 for a token the server revoked', async () => {
    const { response, client } = await loginNative(server);
    const token = apiToken(server, response);
    await client.oauth2RevokeToken(token.access_token);
    const authorizer = new RefreshTokenAuthorizer(token.refresh_token!, client, {
      accessToken: token.access_token,
      expiresAtSeconds: Date.now() / 1000 + 3000,
    });
    const before = await server.stats();
    const groups = await getGroups(server, authorizer);
    const after = await server.stats();
    expect(groups.status).toBe(200);
    expect(after.apiRequests.total - before.apiRequests.total).toBe(2);
    expect(after.apiRequests.unauthorized - before.apiRequests.unauthorized).toBe(1);
    expect((after.tokenRequests.byGrantType.refresh_token ?? 0) - (before.tokenRequests.byGrantType.refresh_token ?? 0)).toBe(1);
  });

  it('a second 401 is returned to the caller: no loop', async () => {
    // Tokens of the auth server's own resource server are refreshed fine but never accepted by the API.
    const { response, client } = await loginNative(server);
    const authToken = response.byResourceServer[server.resourceServers.auth]!;
    const authorizer = new RefreshTokenAuthorizer(authToken.refresh_token!, client, {
      accessToken: authToken.access_token,
      expiresAtSeconds: authToken.expires_at_seconds,
    });
    const before = await server.stats();
    const groups = await getGroups(server, authorizer);
    const after = await server.stats();
    expect(groups.status).toBe(401);
    expect(groups.headers.get('www-authenticate')).toMatch(/^Bearer realm="groups", error="invalid_token"/);
    expect(after.apiRequests.total - before.apiRequests.total).toBe(2);
    expect(after.tokenRequests.total - before.tokenRequests.total).toBe(1);
  });

  it('AccessTokenAuthorizer gets the 401 without a retry', async () => {
    const before = await server.stats();
    const groups = await getGroups(server, new AccessTokenAuthorizer('not-a-token'));
    expect(groups.status).toBe(401);
    expect((await server.stats()).apiRequests.total - before.apiRequests.total).toBe(1);
  });
});

describe('revocation', () => {
  it('a revoked access token stops working; a revoked refresh token cannot refresh', async () => {
    const { response, client } = await loginNative(server);
    const token = apiToken(server, response);
    const authorizer = new AccessTokenAuthorizer(token.access_token);
    expect((await getGroups(server, authorizer)).status).toBe(200);
    await client.oauth2RevokeToken(token.access_token);
    expect((await getGroups(server, authorizer)).status).toBe(401);

    await client.oauth2RevokeToken(token.refresh_token!);
    const error = await client.oauth2RefreshToken(token.refresh_token!).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ httpStatus: 400, errorCode: 'invalid_grant' });
  });
});

describe('confidential client', () => {
  it('client credentials with a secret that needs verbatim Basic credentials; the authorizer calls the API', async () => {
    const client = confidentialClient(server);
    const before = await grantCount(server, 'client_credentials');
    const response = await client.oauth2ClientCredentialsTokens(server.scopes.api);
    expect(response.grantType).toBe('client_credentials');
    expect(Object.keys(response.byResourceServer)).toEqual([server.resourceServers.api]);
    const authorizer = new ClientCredentialsAuthorizer(client, server.scopes.api);
    const groups = await getGroups(server, authorizer);
    expect(groups.status).toBe(200);
    expect(await groups.json()).toEqual([]);
    expect(await grantCount(server, 'client_credentials')).toBe(before + 2);
    await client.oauth2RevokeToken(authorizer.accessToken!);
    expect((await getGroups(server, new AccessTokenAuthorizer(authorizer.accessToken!))).status).toBe(401);
  });

  it('a wrong secret is an AuthAPIError (invalid_client)', async () => {
    const error = await confidentialClient(server, 'wrong-secret')
      .oauth2ClientCredentialsTokens(server.scopes.api)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthAPIError);
    expect(error).toMatchObject({ httpStatus: 401, errorCode: 'invalid_client' });
  });

  it('authorization-code flow and refresh; consent listing (the client serves as a ConsentClient)', async () => {
    await loginNative(server, { username: 'bob' });
    const client = confidentialClient(server);
    client.oauth2StartFlow({
      redirectUri: server.clients.confidential.redirectUri,
      requestedScopes: `openid email ${server.scopes.api}`,
      refreshTokens: true,
    });
    const code = await server.login({ authorizeUrl: client.oauth2GetAuthorizeUrl(), username: 'bob' });
    const response = await client.oauth2ExchangeCodeForTokens(code);
    const storage = new ValidatingTokenStorage(new MemoryTokenStorage(), {
      validators: [new ScopeRequirementsValidator({ [server.resourceServers.api]: [server.scopes.api] }, client)],
    });
    await storage.storeTokenResponse(response);
    expect((await storage.getTokenData(server.resourceServers.api)).identityId).toBe(BOB);

    const consents = await client.getConsents(BOB);
    expect(consents.consents.map((consent) => consent.scope_name)).toEqual(expect.arrayContaining(['openid', 'email', server.scopes.api]));
    expect(consents.consents.every((consent) => consent.client === server.clients.confidential.clientId)).toBe(true);
    const everyClient = await client.getConsents(BOB, { all: true });
    expect(everyClient.consents.some((consent) => consent.client === server.clients.native.clientId)).toBe(true);

    const refreshed = await client.oauth2RefreshToken(apiToken(server, response).refresh_token!);
    await storage.storeTokenResponse(refreshed);
    expect((await storage.getTokenData(server.resourceServers.api)).identityId).toBe(BOB);

    const denied = await new ConfidentialAppAuthClient(server.clients.confidential.clientId, 'nope', { baseUrl: server.baseUrl })
      .getConsents(BOB)
      .catch((caught: unknown) => caught);
    expect(denied).toMatchObject({ httpStatus: 401, errorCode: 'invalid_client' });
  });
});

describe('redaction against the real server', () => {
  it('a canary refresh token or secret never appears in the errors the server provokes', async () => {
    const canary = 'CANARY-real-server-0123456789';
    const outcomes = await Promise.all(
      [
        nativeClient(server).oauth2RefreshToken(canary),
        confidentialClient(server, canary).oauth2ClientCredentialsTokens(server.scopes.api),
        confidentialClient(server, canary).getConsents(ALICE),
        new RefreshTokenAuthorizer(canary, nativeClient(server)).getAuthorizationHeader(),
        nativeClient(server)
          .oauth2RevokeToken(canary)
          .then(() => new Error('revocation of an unknown token succeeds, as RFC 7009 says')),
      ].map((call) =>
        call.then(
          (value) => value,
          (error: unknown) => error,
        ),
      ),
    );
    expect(outcomes.slice(0, 4).every((outcome) => outcome instanceof AuthAPIError)).toBe(true);
    for (const outcome of outcomes) {
      for (const text of [
        inspect(outcome, { showHidden: true, depth: 5 }),
        JSON.stringify(outcome),
        String(outcome),
        (outcome as Error).stack ?? '',
      ]) {
        expect(text).not.toContain(canary);
      }
    }
  });
});
