import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { authorizedFetch, NativeAppAuthClient, RefreshTokenAuthorizer } from '@globus-tokenstorage/authorizers';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { migrateToJSONTokenStorage, SimpleJSONFileAdapter } from '@globus-tokenstorage/legacy-file-adapter';
import { startAuthServerProcess, type AuthServerProcess } from '@globus-tokenstorage/auth-server/process';

let server: AuthServerProcess;
let dir: string;
beforeAll(async () => {
  server = await startAuthServerProcess();
}, 30000);
afterAll(() => server.close());
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gts-legacy-seed-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Logs alice in through `server` and stores the answer with a fresh adapter on `file`. */
async function seed(auth: AuthServerProcess, file: string) {
  const client = new NativeAppAuthClient(auth.clients.native.clientId, { baseUrl: auth.baseUrl });
  client.oauth2StartFlow({ requestedScopes: `${auth.scopes.oidc} ${auth.scopes.api}`, refreshTokens: true });
  const code = await auth.login({ authorizeUrl: client.oauth2GetAuthorizeUrl(), username: 'alice' });
  await new SimpleJSONFileAdapter(file, { resourceServer: auth.resourceServers.api }).store(await client.oauth2ExchangeCodeForTokens(code));
  return client;
}

describe('the seed workflow against a real OAuth2 server', () => {
  it('stores a login once, reads it back later, and lets a RefreshTokenAuthorizer update the file', async () => {
    const file = join(dir, 'groups-tokens.json');
    const client = new NativeAppAuthClient(server.clients.native.clientId, { baseUrl: server.baseUrl });
    const api = server.resourceServers.api;

    // First run: no file yet, so log in and seed it.
    const firstRun = new SimpleJSONFileAdapter(file, { resourceServer: api });
    expect(await firstRun.fileExists()).toBe(false);
    client.oauth2StartFlow({ requestedScopes: `${server.scopes.oidc} ${server.scopes.api}`, refreshTokens: true });
    const code = await server.login({ authorizeUrl: client.oauth2GetAuthorizeUrl(), username: 'alice' });
    await firstRun.store(await client.oauth2ExchangeCodeForTokens(code));

    // A later run reads the dict back and builds the authorizer from it.
    const laterRun = new SimpleJSONFileAdapter(file, { resourceServer: api });
    const seeded = await laterRun.readAsDict();
    expect(seeded).toMatchObject({ resource_server: api, token_type: 'Bearer', 'globus-sdk-tokenstorage.version': expect.any(String) });
    // The stored token looks expired to this clock at first, so the first request refreshes it.
    let clock = seeded!.expires_at_seconds;
    const authorizer = new RefreshTokenAuthorizer(seeded!.refresh_token!, client, {
      accessToken: seeded!.access_token,
      expiresAtSeconds: seeded!.expires_at_seconds,
      now: () => clock,
      onRefresh: laterRun.onRefresh,
    });
    const response = await authorizedFetch(authorizer, `${server.apiUrl}/groups`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([
      expect.objectContaining({ name: 'Alice lab' }),
      expect.objectContaining({ name: 'Shared instrument' }),
    ]);
    expect((await server.stats()).tokenRequests.byGrantType.refresh_token).toBe(1);

    clock = Date.now() / 1000;
    const updated = JSON.parse(readFileSync(file, 'utf8'));
    expect(updated.access_token).not.toBe(seeded!.access_token);
    expect(updated.refresh_token).toBe(seeded!.refresh_token);
    expect(await authorizer.getAuthorizationHeader()).toBe(`Bearer ${updated.access_token}`);

    // And the file moves into a JSONTokenStorage without losing the token.
    const storage = new JSONTokenStorage(join(dir, 'tokens.json'));
    expect((await migrateToJSONTokenStorage(laterRun, storage, { removeLegacyFile: true })).outcome).toBe('migrated');
    expect((await storage.getTokenData(api))?.accessToken).toBe(updated.access_token);
    expect(await laterRun.fileExists()).toBe(false);
    await storage.close();
  }, 30000);
});

describe('the seed workflow against a server that leaves unrotated refresh tokens out of refresh answers', () => {
  let quiet: AuthServerProcess;
  beforeAll(async () => {
    quiet = await startAuthServerProcess(['--omit-unrotated-refresh-token']);
  }, 30000);
  afterAll(() => quiet.close());

  it('onRefresh keeps the stored refresh token, so the next run can refresh again', async () => {
    const file = join(dir, 'groups-tokens.json');
    const client = await seed(quiet, file);
    const api = quiet.resourceServers.api;

    // Two later runs, each finding the access token expired: each must be able to refresh.
    for (let run = 1; run <= 2; run++) {
      const adapter = new SimpleJSONFileAdapter(file, { resourceServer: api });
      const stored = (await adapter.readAsDict())!;
      expect(stored.refresh_token).toEqual(expect.any(String));
      const authorizer = new RefreshTokenAuthorizer(stored.refresh_token!, client, {
        accessToken: stored.access_token,
        expiresAtSeconds: stored.expires_at_seconds,
        now: () => stored.expires_at_seconds,
        onRefresh: adapter.onRefresh,
      });
      expect((await authorizedFetch(authorizer, `${quiet.apiUrl}/groups`)).status).toBe(200);
      const updated = JSON.parse(readFileSync(file, 'utf8'));
      expect(updated.access_token).not.toBe(stored.access_token);
      expect(updated.refresh_token).toBe(stored.refresh_token);
    }
    expect((await quiet.stats()).tokenRequests.byGrantType.refresh_token).toBe(2);
    // And the answers really carried no refresh token: the file kept it.
    const answer = await client.oauth2RefreshToken(JSON.parse(readFileSync(file, 'utf8')).refresh_token);
    expect(answer.byResourceServer[api]?.refresh_token).toBeNull();
  }, 30000);
});
