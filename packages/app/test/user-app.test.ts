// UserApp against the real local OAuth2 server: real logins (its login and consent pages), real
// token files, real refreshes and revocations. Counts come from the server's own counters.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import {
  AuthAPIError,
  IdentityMismatchError,
  MissingTokenError,
  StorageClosedError,
  type TokenStorageLike,
} from '@globus-tokenstorage/core';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
import { authorizedFetch, NativeAppAuthClient } from '@globus-tokenstorage/authorizers';
import { startAuthServerProcess, type AuthServerProcess } from '@globus-tokenstorage/auth-server/process';
import { LoginWaitTimeoutError, UserApp, type GlobusAppConfig } from '@globus-tokenstorage/app';
import { ServerLoginFlowManager } from './support/server-login-flow-manager';

jest.setTimeout(60000);

let server: AuthServerProcess;
let shortLived: AuthServerProcess;
let directory: string;
const apps: UserApp[] = [];

beforeAll(async () => {
  [server, shortLived] = await Promise.all([startAuthServerProcess(), startAuthServerProcess(['--access-token-ttl', '3'])]);
});
afterAll(async () => {
  await Promise.all([server?.close(), shortLived?.close()]);
});
beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'user-app-'));
  await Promise.all([server.resetStats(), shortLived.resetStats()]);
});
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
  rmSync(directory, { recursive: true, force: true });
});

interface Made {
  app: UserApp;
  logins: ServerLoginFlowManager['logins'];
}

/** A UserApp of the local server's native client, logging in as `username` through the real pages. */
function makeApp(on: AuthServerProcess, config: GlobusAppConfig = {}, username = 'alice', appName = 'Test App'): Made {
  const logins: ServerLoginFlowManager['logins'] = [];
  const app = new UserApp(appName, {
    clientId: on.clients.native.clientId,
    scopeRequirements: { [on.resourceServers.api]: on.scopes.api },
    config: {
      authBaseUrl: on.baseUrl,
      authResourceServer: on.resourceServers.auth,
      tokenStorage: () => new JSONTokenStorage(join(directory, 'tokens.json')),
      loginFlowManager: ({ loginClient }) => {
        const manager = new ServerLoginFlowManager(loginClient, {
          controlUrl: on.controlUrl,
          username,
          requestRefreshTokens: config.requestRefreshTokens === true,
        });
        (manager as { logins: unknown[] }).logins = logins;
        return manager;
      },
      ...config,
    },
  });
  apps.push(app);
  return { app, logins };
}

async function groups(on: AuthServerProcess, header: string): Promise<number> {
  return (await fetch(`${on.apiUrl}/groups`, { headers: { authorization: header } })).status;
}

describe('UserApp', () => {
  it('logs in once when tokens are needed, keeps them in the storage, and reuses them', async () => {
    const { app, logins } = makeApp(server, { requestRefreshTokens: true });
    expect(await app.loginRequired()).toBe(true);
    const header = await app.getAuthorizer(server.resourceServers.api).getAuthorizationHeader();
    expect(await groups(server, header)).toBe(200);
    expect(logins).toHaveLength(1);
    expect([...(logins[0]?.requiredScopes ?? [])].sort()).toEqual(['openid', server.scopes.api].sort());
    expect(await app.loginRequired()).toBe(false);
    await app.login();
    expect((await server.stats()).tokenRequests.byGrantType).toEqual({ authorization_code: 1 });

    const again = makeApp(server, { requestRefreshTokens: true });
    expect(await again.app.getAuthorizer(server.resourceServers.api).getAuthorizationHeader()).toBe(header);
    expect(again.logins).toHaveLength(0);
    const stored = JSON.parse(readFileSync(join(directory, 'tokens.json'), 'utf8')).data.DEFAULT;
    expect(Object.keys(stored).sort()).toEqual([server.resourceServers.api, server.resourceServers.auth].sort());
  });

  it('never shows a token in util.inspect or JSON.stringify of the app, its authorizers or its @globus/sdk manager', async () => {
    const { app } = makeApp(server, { requestRefreshTokens: true });
    const authorizer = app.getAuthorizer(server.resourceServers.api);
    await authorizer.getAuthorizationHeader();
    const manager = await app.globusSdkManager();
    const stored = (await new JSONTokenStorage(join(directory, 'tokens.json')).getTokenData(server.resourceServers.api))!;
    for (const shown of [
      inspect(app, { depth: 6 }),
      JSON.stringify(app),
      inspect(authorizer, { depth: 6 }),
      JSON.stringify(authorizer),
      inspect(manager, { depth: 6 }),
      JSON.stringify(manager),
    ]) {
      expect(shown).not.toContain(stored.accessToken);
      expect(shown).not.toContain(stored.refreshToken);
    }
  });

  it('renews an expired token with its refresh token, once, through the storage', async () => {
    const { app, logins } = makeApp(server, { requestRefreshTokens: true });
    await app.login();
    const storage = new JSONTokenStorage(join(directory, 'tokens.json'));
    const token = await storage.getTokenData(server.resourceServers.api);
    await storage.storeTokenDataByResourceServer({
      [server.resourceServers.api]: token!.with({ expiresAtSeconds: Math.trunc(Date.now() / 1000) - 10 }),
    });
    const fresh = makeApp(server, { requestRefreshTokens: true }).app;
    const headers = await Promise.all([1, 2, 3].map(() => fresh.getAuthorizer(server.resourceServers.api).getAuthorizationHeader()));
    expect(new Set(headers).size).toBe(1);
    expect(headers[0]).not.toBe(`Bearer ${token!.accessToken}`);
    expect(await groups(server, headers[0] as string)).toBe(200);
    expect((await server.stats()).tokenRequests.byGrantType).toEqual({ authorization_code: 1, refresh_token: 1 });
    expect(logins).toHaveLength(1);
  });

  it('without refresh tokens, notices that the access token expired and logs in again (Python keeps sending it)', async () => {
    const { app, logins } = makeApp(shortLived);
    const authorizer = app.getAuthorizer(shortLived.resourceServers.api);
    const first = await authorizer.getAuthorizationHeader();
    expect(await groups(shortLived, first)).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 4200));
    expect(await groups(shortLived, first)).toBe(401);
    const second = await authorizer.getAuthorizationHeader();
    expect(second).not.toBe(first);
    expect(await groups(shortLived, second)).toBe(200);
    expect(logins).toHaveLength(2);
    expect((await shortLived.stats()).tokenRequests.byGrantType).toEqual({ authorization_code: 2 });
  });

  it('after a 401 on a token it cannot renew, logs in again and retries (access-token mode)', async () => {
    const { app, logins } = makeApp(server);
    const authorizer = app.getAuthorizer(server.resourceServers.api);
    const first = await authorizer.getAuthorizationHeader();
    await app.loginClient.oauth2RevokeToken(first.slice('Bearer '.length));
    const response = await authorizedFetch(authorizer, `${server.apiUrl}/groups`);
    expect(response.status).toBe(200);
    expect(logins).toHaveLength(2);
  });

  it('logout revokes the tokens at the server, then removes them from storage', async () => {
    const { app } = makeApp(server, { requestRefreshTokens: true });
    await app.login();
    const storage = new JSONTokenStorage(join(directory, 'tokens.json'));
    const api = (await storage.getTokenData(server.resourceServers.api))!;
    const auth = (await storage.getTokenData(server.resourceServers.auth))!;
    await app.logout();
    expect(await storage.getTokenDataByResourceServer()).toEqual({});
    expect(await groups(server, `Bearer ${api.accessToken}`)).toBe(401);
    const client = new NativeAppAuthClient(server.clients.native.clientId, { baseUrl: server.baseUrl });
    for (const token of [api, auth]) {
      await expect(client.oauth2RefreshToken(token.refreshToken as string)).rejects.toMatchObject({
        code: 'AUTH_API_ERROR',
        httpStatus: 400,
      });
    }
    expect(await app.loginRequired()).toBe(true);
  });

  it('logout({ sweep: true }) also revokes and removes tokens outside the scope requirements', async () => {
    const { app } = makeApp(server, { requestRefreshTokens: true });
    await app.login();
    const client = new NativeAppAuthClient(server.clients.native.clientId, { baseUrl: server.baseUrl });
    const storage = new JSONTokenStorage(join(directory, 'tokens.json'));
    const other = (await storage.getTokenData(server.resourceServers.api))!;
    await storage.storeTokenDataByResourceServer({ 'other.api.local': other.with({ resourceServer: 'other.api.local' }) });
    await app.logout();
    expect(Object.keys(await storage.getTokenDataByResourceServer())).toEqual(['other.api.local']);
    await app.logout({ sweep: true });
    expect(await storage.getTokenDataByResourceServer()).toEqual({});
    await expect(client.oauth2RefreshToken(other.refreshToken as string)).rejects.toBeInstanceOf(AuthAPIError);
  });

  it('addScopeRequirements makes the next use log in for the new scopes; scopeRequirements is a copy', async () => {
    const { app, logins } = makeApp(server, { requestRefreshTokens: true });
    await app.login();
    const copy = app.scopeRequirements;
    copy[server.resourceServers.api]?.pop();
    expect(app.scopeRequirements[server.resourceServers.api]?.map(String)).toEqual([server.scopes.api]);
    app.addScopeRequirements({ [server.resourceServers.auth]: 'email' });
    expect(await app.loginRequired()).toBe(true);
    await app.getAuthorizer(server.resourceServers.api).getAuthorizationHeader();
    expect(logins).toHaveLength(1);
    await app.getAuthorizer(server.resourceServers.auth).getAuthorizationHeader();
    expect(logins).toHaveLength(2);
    expect(logins[1]?.requiredScopes).toContain('email');
  });

  it('with tokenValidationErrorHandler: null, a missing token is a typed error and nothing logs in', async () => {
    const { app, logins } = makeApp(server, { tokenValidationErrorHandler: null });
    await expect(app.getAuthorizer(server.resourceServers.api).getAuthorizationHeader()).rejects.toBeInstanceOf(MissingTokenError);
    expect(logins).toHaveLength(0);
  });

  it("rethrows IdentityMismatchError by default: another user's login never replaces the stored identity", async () => {
    await makeApp(server, { requestRefreshTokens: true }).app.login();
    const { app } = makeApp(server, { requestRefreshTokens: true }, 'bob');
    await expect(app.login({ force: true })).rejects.toBeInstanceOf(IdentityMismatchError);
    const stored = await new JSONTokenStorage(join(directory, 'tokens.json')).getTokenData(server.resourceServers.api);
    expect(stored?.identityId).toBe(server.users[0]?.identityId);
  });

  it('a 403 with Globus Auth requirements logs in with them and retries once, with autoRedriveGares', async () => {
    const { app, logins } = makeApp(server, { requestRefreshTokens: true, autoRedriveGares: true });
    await app.login();
    const parameters = { session_message: 'use your MFA', session_required_mfa: true, prompt: 'login' };
    await server.requireAuthorization({ count: 1, authorization_parameters: parameters });
    const response = await app.authorizedFetch(server.resourceServers.api, `${server.apiUrl}/groups`);
    expect(response.status).toBe(200);
    expect(logins).toHaveLength(2);
    expect(logins[1]).toMatchObject({ sessionMessage: 'use your MFA', sessionRequiredMfa: true, prompt: 'login' });

    await server.requireAuthorization({ count: 2, authorization_parameters: parameters });
    expect((await app.authorizedFetch(server.resourceServers.api, `${server.apiUrl}/groups`)).status).toBe(403);
    expect(logins).toHaveLength(3);
  });

  it('leaves a 403 with Globus Auth requirements to the caller by default (as Python)', async () => {
    const { app, logins } = makeApp(server, { requestRefreshTokens: true });
    await app.login();
    await server.requireAuthorization({ count: 1, authorization_parameters: { session_message: 'again' } });
    const response = await app.authorizedFetch(server.resourceServers.api, `${server.apiUrl}/groups`);
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ code: 'AuthorizationRequired', authorization_parameters: { session_message: 'again' } });
    expect(logins).toHaveLength(1);
  });

  it('while one app logs in, another on the same storage waits (bounded: LoginWaitTimeoutError) and then adopts its tokens', async () => {
    const shared = new MemoryTokenStorage();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = makeApp(server, { tokenStorage: shared, requestRefreshTokens: true });
    const slowManager = slow.app.loginFlowManager as ServerLoginFlowManager;
    const original = slowManager.runLoginFlow.bind(slowManager);
    slowManager.runLoginFlow = async (parameters) => {
      const response = await original(parameters);
      await held;
      return response;
    };
    const first = slow.app.login();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const impatient = makeApp(server, { tokenStorage: shared, requestRefreshTokens: true, loginWaitTimeoutMs: 300 });
    await expect(impatient.app.login()).rejects.toBeInstanceOf(LoginWaitTimeoutError);
    const patient = makeApp(server, { tokenStorage: shared, requestRefreshTokens: true });
    const second = patient.app.login();
    release();
    await Promise.all([first, second]);
    expect(slow.logins).toHaveLength(1);
    expect(impatient.logins).toHaveLength(0);
    expect(patient.logins).toHaveLength(0);
    expect(await patient.app.loginRequired()).toBe(false);
  });

  it("a login waiting for another app's login on the same storage can be cancelled with a signal", async () => {
    const shared = new MemoryTokenStorage();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = makeApp(server, { tokenStorage: shared, requestRefreshTokens: true });
    const slowManager = slow.app.loginFlowManager as ServerLoginFlowManager;
    const original = slowManager.runLoginFlow.bind(slowManager);
    slowManager.runLoginFlow = async (parameters) => {
      await held;
      return original(parameters);
    };
    const first = slow.app.login();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const waiting = makeApp(server, { tokenStorage: shared, requestRefreshTokens: true });
    const controller = new AbortController();
    const second = waiting.app.login({ signal: controller.signal });
    controller.abort(new Error('shutting down'));
    await expect(second).rejects.toThrow('shutting down');
    release();
    await first;
    expect(waiting.logins).toHaveLength(0);
    expect(await waiting.app.loginRequired()).toBe(false);
  });

  it('close() closes a storage it made, never one it was given; a closed app refuses calls', async () => {
    const given = new MemoryTokenStorage();
    const withGiven = makeApp(server, { tokenStorage: given }).app;
    await withGiven.loginRequired();
    await withGiven.close();
    await expect(given.getTokenDataByResourceServer()).resolves.toEqual({});

    let made: TokenStorageLike | null = null;
    const withMade = makeApp(server, { tokenStorage: () => (made = new MemoryTokenStorage()) }).app;
    await withMade.loginRequired();
    await withMade[Symbol.asyncDispose]();
    await expect((made as unknown as TokenStorageLike).getTokenDataByResourceServer()).rejects.toBeInstanceOf(StorageClosedError);
    expect(() => withMade.getAuthorizer(server.resourceServers.api)).toThrow(StorageClosedError);
    await expect(withMade.login()).rejects.toBeInstanceOf(StorageClosedError);
  });
});
