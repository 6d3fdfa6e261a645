import { createServer } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import {
  AuthAPIError,
  OAuthTokenResponse,
  ScopeRequirementsValidator,
  TokenStorageData,
  ValidatingTokenStorage,
} from '@globus-tokenstorage/core';
import {
  AccessTokenAuthorizer,
  BasicAuthorizer,
  ClientCredentialsAuthorizer,
  ConfidentialAppAuthClient,
  createAuthorizedFetch,
  NativeAppAuthClient,
  RefreshTokenAuthorizer,
  StaticGlobusAuthorizer,
  StorageBackedAuthorizer,
} from '@globus-tokenstorage/authorizers';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
import {
  ACCESS,
  BASIC_CREDENTIALS,
  CANARY,
  CLIENT_ID,
  CODE,
  EchoServer,
  expectFailureWithoutSecret,
  expectNoSecret,
  leaksIn,
  OutputCapture,
  REFRESH,
  renderings,
  SECRET,
  type EchoMode,
} from './support';

/**
 * The authorizers and login clients with canary tokens and a canary client secret, against a local
 * server that quotes every request (headers, raw and decoded body) in its error answers: no error,
 * rendering or console line shows a secret, in any encoding the request carried it.
 */

const server = new EchoServer();
const capture = new OutputCapture();
beforeAll(async () => {
  await server.start();
  capture.install();
});
afterAll(async () => {
  capture.restore();
  await server.stop();
});

/** A PKCE verifier made of the canary (43–128 unreserved characters). */
const VERIFIER = `${CANARY}-verifier-${'v'.repeat(30)}`;

function clients() {
  const native = new NativeAppAuthClient(CLIENT_ID, { baseUrl: server.baseUrl });
  native.oauth2StartFlow({ requestedScopes: 'openid', verifier: VERIFIER, redirectUri: 'https://app.example.org/callback' });
  const confidential = new ConfidentialAppAuthClient(CLIENT_ID, SECRET, { baseUrl: server.baseUrl });
  confidential.oauth2StartFlow({ requestedScopes: 'openid', redirectUri: 'https://app.example.org/callback' });
  return { native, confidential };
}

describe.each<EchoMode>(['oauth-error', 'globus-error', 'text-error'])('a server answering with %s that quotes the request', (mode) => {
  beforeEach(() => {
    server.mode = mode;
  });

  it('every login client call fails with an AuthAPIError that shows no secret', async () => {
    const { native, confidential } = clients();
    const calls: Record<string, () => Promise<unknown>> = {
      'native code exchange': () => native.oauth2ExchangeCodeForTokens(CODE),
      'native refresh': () => native.oauth2RefreshToken(REFRESH),
      'native revoke': () => native.oauth2RevokeToken(ACCESS),
      'confidential code exchange': () => confidential.oauth2ExchangeCodeForTokens(CODE),
      'confidential refresh': () => confidential.oauth2RefreshToken(REFRESH),
      'confidential revoke': () => confidential.oauth2RevokeToken(REFRESH),
      'client credentials': () => confidential.oauth2ClientCredentialsTokens('urn:scope'),
      'dependent tokens': () => confidential.oauth2GetDependentTokens(ACCESS, { refreshTokens: true }),
      consents: () => confidential.getConsents('11111111-2222-4333-8444-555555555555'),
    };
    const before = server.seen.length;
    for (const [what, call] of Object.entries(calls)) {
      const error = await expectFailureWithoutSecret(`${mode}: ${what}`, call);
      expect(AuthAPIError.isInstance(error)).toBe(true);
    }
    // The server did quote the secrets: the check above is not vacuous.
    const answers = server.seen
      .slice(before)
      .map((request) => `${request.authorization} ${request.body}`)
      .join('\n');
    expect(answers).toContain(encodeURIComponent(REFRESH).replace(/%20/g, '+'));
    expect(answers).toContain(BASIC_CREDENTIALS);
  });

  it('every authorizer that renews fails without showing a secret, also through authorizedFetch', async () => {
    const { native, confidential } = clients();
    const stale = { accessToken: ACCESS, expiresAtSeconds: 1 };
    const authorizers = {
      'refresh token (native)': new RefreshTokenAuthorizer(REFRESH, native, stale),
      'refresh token (confidential)': new RefreshTokenAuthorizer(REFRESH, confidential, stale),
      'client credentials': new ClientCredentialsAuthorizer(confidential, 'urn:scope', stale),
    };
    for (const [what, authorizer] of Object.entries(authorizers)) {
      await expectFailureWithoutSecret(`${mode}: ${what}`, () => authorizer.getAuthorizationHeader());
      expectNoSecret(`${what} after a failed renewal`, authorizer);
    }
    const storage = new MemoryTokenStorage();
    const stored = new TokenStorageData({
      resourceServer: 'rs',
      identityId: null,
      scope: 's',
      accessToken: ACCESS,
      refreshToken: REFRESH,
      expiresAtSeconds: 1,
    });
    await storage.storeTokenDataByResourceServer({ rs: stored });
    const storageBacked = new StorageBackedAuthorizer(storage, 'rs', native);
    await expectFailureWithoutSecret(`${mode}: storage-backed refresh`, () => storageBacked.getAuthorizationHeader());
    expectNoSecret('storage-backed authorizer after a failed renewal', storageBacked);
    const fresh = new RefreshTokenAuthorizer(REFRESH, confidential, { accessToken: ACCESS, expiresAtSeconds: Date.now() / 1000 + 3600 });
    await expectFailureWithoutSecret(`${mode}: authorizedFetch renewal after a 401`, () =>
      createAuthorizedFetch(fresh)(`${server.baseUrl}/api/things`),
    );
  });

  it('a scope requirements validator whose consent listing (by the confidential client) fails shows no secret', async () => {
    const { confidential } = clients();
    const validator = new ScopeRequirementsValidator({ rs: ['urn:a[urn:b]'] }, confidential);
    const storage = new ValidatingTokenStorage(new MemoryTokenStorage(), { validators: [validator] });
    const data = new TokenStorageData({
      resourceServer: 'rs',
      identityId: 'identity',
      scope: 'urn:a',
      accessToken: ACCESS,
      refreshToken: REFRESH,
      expiresAtSeconds: 2_000_000_000,
    });
    await storage.storeTokenDataByResourceServer({ rs: data });
    await expectFailureWithoutSecret(`${mode}: consents for dependent scope requirements`, () => storage.getTokenData('rs'));
    expectNoSecret('validating storage with a consent client', storage);
  });
});

describe('authorizers that cannot renew, and successful renewals', () => {
  it('AccessToken, Basic and static authorizers show no secret, before and after a 401 from the server', async () => {
    server.mode = 'oauth-error';
    const authorizers = {
      access: new AccessTokenAuthorizer(ACCESS),
      basic: new BasicAuthorizer(CLIENT_ID, SECRET),
      static: new StaticGlobusAuthorizer(`Bearer ${ACCESS}`),
    };
    for (const [what, authorizer] of Object.entries(authorizers)) {
      expectNoSecret(what, authorizer);
      const response = await createAuthorizedFetch(authorizer)(`${server.baseUrl}/api/x`);
      expect(response.status).toBe(401);
      await response.text();
      expectNoSecret(`${what} after a 401`, authorizer);
    }
    await expectFailureWithoutSecret(
      'basic with a password that has no UTF-8 form',
      () => new BasicAuthorizer(CLIENT_ID, `${SECRET}\ud800`),
    );
    await expectFailureWithoutSecret('empty access token', () => new AccessTokenAuthorizer(''));
  });

  it('a renewal whose onRefresh fails (a closed storage), and a response of several tokens, show no secret', async () => {
    server.mode = 'tokens';
    server.tokens = {
      access_token: `${ACCESS}-new`,
      refresh_token: `${REFRESH}-new`,
      expires_in: 3600,
      resource_server: 'rs',
      scope: 's',
      token_type: 'Bearer',
    };
    const { native, confidential } = clients();
    const storage = new MemoryTokenStorage();
    await storage.close();
    const refreshing = new RefreshTokenAuthorizer(REFRESH, native, { onRefresh: (response) => storage.storeTokenResponse(response) });
    await expectFailureWithoutSecret('onRefresh into a closed storage', () => refreshing.getAuthorizationHeader());
    expect(refreshing.accessToken).toBe(`${ACCESS}-new`);
    expectNoSecret('refresh token authorizer after a renewal', refreshing);
    server.tokens = { ...server.tokens, other_tokens: [{ ...server.tokens, resource_server: 'rs2' }] };
    await expectFailureWithoutSecret('two tokens for client credentials', () =>
      new ClientCredentialsAuthorizer(confidential, 'a b').getAuthorizationHeader(),
    );
    await expectFailureWithoutSecret('two tokens for a refresh', () =>
      new RefreshTokenAuthorizer(REFRESH, confidential).getAuthorizationHeader(),
    );
    expectNoSecret('native client', native);
    expectNoSecret('confidential client', confidential);
    expectNoSecret('token response', await confidential.oauth2RefreshToken(REFRESH));
  });

  it('a server that cannot be reached: the network error shows no secret', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as { port: number };
        probe.close(() => resolve(free));
      });
    });
    const confidential = new ConfidentialAppAuthClient(CLIENT_ID, SECRET, { baseUrl: `http://127.0.0.1:${port}` });
    await expectFailureWithoutSecret('unreachable refresh', () => confidential.oauth2RefreshToken(REFRESH));
    await expectFailureWithoutSecret('unreachable renewal', () =>
      new RefreshTokenAuthorizer(REFRESH, confidential).getAuthorizationHeader(),
    );
  });
});

describe('id_token verification through a login client', () => {
  it('an id_token signed by another key, with the canary in its claims, fails verification without showing any token', async () => {
    const published = await generateKeyPair('ES256', { extractable: true });
    const other = await generateKeyPair('ES256');
    server.jwks = { keys: [{ ...(await exportJWK(published.publicKey)), alg: 'ES256', kid: 'k1' }] };
    const now = Math.floor(Date.now() / 1000);
    const forged = await new SignJWT({ sub: 'identity', note: CANARY })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
      .setAudience(CLIENT_ID)
      .setIssuedAt(now)
      .setExpirationTime(now + 60)
      .sign(other.privateKey);
    server.mode = 'tokens';
    server.tokens = {
      access_token: ACCESS,
      refresh_token: REFRESH,
      id_token: forged,
      expires_in: 3600,
      resource_server: 'auth.globus.org',
      scope: 'openid',
      token_type: 'Bearer',
    };
    const { native } = clients();
    const response = await native.oauth2ExchangeCodeForTokens(CODE);
    expectNoSecret('response with an id_token', response);
    const storage = new MemoryTokenStorage();
    await expectFailureWithoutSecret('storeTokenResponse with a forged id_token', () => storage.storeTokenResponse(response));
    await expectFailureWithoutSecret('decodeIdToken of a forged id_token', () => response.decodeIdToken());
    expect(await storage.getTokenDataByResourceServer()).toEqual({});
    server.jwks = { keys: 'not a list' };
    const { native: fresh } = clients();
    await expectFailureWithoutSecret('a key set that is not one', async () =>
      storage.storeTokenResponse(await fresh.oauth2ExchangeCodeForTokens(CODE)),
    );
  });
});

describe('the audit itself', () => {
  it("a response's token dicts (byResourceServer) show no token when logged", () => {
    expectNoSecret(
      'token dicts',
      OAuthTokenResponse.fromJSON({ access_token: ACCESS, refresh_token: REFRESH, scope: 's', resource_server: 'rs' }).byResourceServer,
    );
  });

  it('would notice a leak: in a cause, a hidden property, a Basic header, or a console line', () => {
    expect(() => expectNoSecret('cause', new Error('outer', { cause: new Error(`inner ${REFRESH}`) }))).toThrow();
    expect(() => expectNoSecret('hidden', Object.defineProperty(new Error('x'), 'token', { value: ACCESS, enumerable: false }))).toThrow();
    expect(() => expectNoSecret('basic', { header: `Basic ${BASIC_CREDENTIALS}` })).toThrow();
    expect(() =>
      expectNoSecret('response body', OAuthTokenResponse.fromJSON({ access_token: ACCESS, scope: 's', resource_server: 'rs' }).data),
    ).toThrow();
    expect(renderings(new AccessTokenAuthorizer(ACCESS)).join('\n')).toContain('[redacted]');
  });

  it('nothing written to the console or the standard streams while these tests ran shows a secret', () => {
    console.error('audit capture check');
    expect(capture.written.some((text) => text.includes('audit capture check'))).toBe(true);
    expect(capture.written.flatMap(leaksIn)).toEqual([]);
  });
});
