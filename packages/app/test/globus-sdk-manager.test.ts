// The official @globus/sdk (v6, real package) calling the local API with the app's manager: its
// service method reads the token synchronously from the manager, and after a 401 asks the manager to
// refresh, which goes through the app (one refresh, stored).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { groups } from '@globus/sdk';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { startAuthServerProcess, type AuthServerProcess } from '@globus-tokenstorage/auth-server/process';
import { UserApp } from '@globus-tokenstorage/app';
import { ServerLoginFlowManager } from './support/server-login-flow-manager';

jest.setTimeout(60000);

let server: AuthServerProcess;
let directory: string;
let app: UserApp;
const SDK_GROUPS = 'groups.api.globus.org';

beforeAll(async () => {
  server = await startAuthServerProcess();
  // @globus/sdk reads its service URLs from the environment at each call.
  process.env.GLOBUS_SDK_SERVICE_URL_GROUPS = server.apiUrl;
});
afterAll(async () => {
  delete process.env.GLOBUS_SDK_SERVICE_URL_GROUPS;
  await server?.close();
});
beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'sdk-manager-'));
  await server.resetStats();
  app = new UserApp('SDK App', {
    clientId: server.clients.native.clientId,
    scopeRequirements: { [server.resourceServers.api]: server.scopes.api },
    config: {
      authBaseUrl: server.baseUrl,
      authResourceServer: server.resourceServers.auth,
      requestRefreshTokens: true,
      tokenStorage: () => new JSONTokenStorage(join(directory, 'tokens.json')),
      loginFlowManager: ({ loginClient }) =>
        new ServerLoginFlowManager(loginClient, { controlUrl: server.controlUrl, username: 'alice', requestRefreshTokens: true }),
    },
  });
});
afterEach(async () => {
  await app.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('app.globusSdkManager()', () => {
  it("is accepted by @globus/sdk's service methods, which send the app's token", async () => {
    const manager = await app.globusSdkManager({ resourceServers: { [SDK_GROUPS]: server.resourceServers.api } });
    const token = manager.tokens.getByResourceServer(SDK_GROUPS);
    expect(token).toMatchObject({ resource_server: SDK_GROUPS, token_type: 'Bearer' });
    expect(token?.refresh_token).not.toBe(
      (await new JSONTokenStorage(join(directory, 'tokens.json')).getTokenData(server.resourceServers.api))?.refreshToken,
    );
    const response = await groups.groups.getMyGroups({ manager: manager as never });
    expect(response.status).toBe(200);
    expect(((await response.json()) as Array<{ name: string }>).map((group) => group.name)).toEqual(['Alice lab', 'Shared instrument']);
    expect(manager.tokens.getByResourceServer('unknown.api')).toBeNull();
    expect(JSON.stringify(manager)).not.toContain(token?.access_token);
  });

  it('refreshes through the app after a 401 (one refresh, stored), and @globus/sdk retries with the new token', async () => {
    const manager = await app.globusSdkManager({ resourceServers: { [SDK_GROUPS]: server.resourceServers.api } });
    const before = manager.tokens.getByResourceServer(SDK_GROUPS)?.access_token as string;
    await app.loginClient.oauth2RevokeToken(before);
    const response = await groups.groups.getMyGroups({ manager: manager as never });
    expect(response.status).toBe(200);
    const after = manager.tokens.getByResourceServer(SDK_GROUPS)?.access_token;
    expect(after).not.toBe(before);
    expect((await new JSONTokenStorage(join(directory, 'tokens.json')).getTokenData(server.resourceServers.api))?.accessToken).toBe(after);
    expect((await server.stats()).tokenRequests.byGrantType).toEqual({ authorization_code: 1, refresh_token: 1 });
  });
});
