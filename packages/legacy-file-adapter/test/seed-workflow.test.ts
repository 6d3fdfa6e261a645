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
      expiresAt: seeded!.expires_at_seconds,
      now: () => clock,
      onRefresh: laterRun.onRefresh,
    });
    const response = await authorizedFetch(authorizer, `${server.apiUrl}/groups`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([expect.objectContaining({ name: 'Alice lab' }), expect.objectContaining({ name: 'Shared instrument' })]);
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
