// The browser against the real auth server (oidc-provider on 127.0.0.1): tabs of one origin that
// need a new token at once refresh it once, and the PKCE login of a page, redirected to the login
// page and back. Request counts come from the server's own counters.
import { NativeAppAuthClient } from '@globus-tokenstorage/authorizers';
import { startAuthServerProcess, type AuthServerProcess } from '@globus-tokenstorage/auth-server/process';
import type { BrowserContext, Page } from 'playwright-core';
import { startBrowserSession, type BrowserSession } from './support/browser-session';

jest.setTimeout(60000);

/** What the page code needs to reach the server. */
interface ServerConfig {
  clientId: string;
  baseUrl: string;
  apiUrl: string;
  resourceServer: string;
  scopes: string;
}

let session: BrowserSession;
let server: AuthServerProcess;
let config: ServerConfig;
let context: BrowserContext;

beforeAll(async () => {
  const [browser, auth] = await Promise.allSettled([startBrowserSession(), startAuthServerProcess(['--rotate-refresh-tokens'])]);
  if (browser.status === 'fulfilled') session = browser.value;
  if (auth.status === 'fulfilled') server = auth.value;
  for (const outcome of [browser, auth]) if (outcome.status === 'rejected') throw outcome.reason;
  config = {
    clientId: server.clients.native.clientId,
    baseUrl: server.baseUrl,
    apiUrl: server.apiUrl,
    resourceServer: server.resourceServers.api,
    scopes: `${server.scopes.oidc} ${server.scopes.api}`,
  };
});

afterAll(async () => {
  await Promise.all([session?.close(), server?.close()]);
});

beforeEach(async () => {
  context = await session.newContext();
});

afterEach(async () => {
  await context?.close();
});

describe('tabs that need a new token at once', () => {
  /** Logs alice in (from Node) and returns her API token entry, expired, with a live refresh token. */
  async function expiredApiEntry(): Promise<Record<string, unknown>> {
    const client = new NativeAppAuthClient(config.clientId, { baseUrl: config.baseUrl });
    client.oauth2StartFlow({ requestedScopes: config.scopes, refreshTokens: true });
    const code = await server.login({ authorizeUrl: client.oauth2GetAuthorizeUrl(), username: 'alice' });
    const token = (await client.oauth2ExchangeCodeForTokens(code)).byResourceServer[config.resourceServer];
    return { ...token, identity_id: server.users[0]?.identityId, expires_at_seconds: Math.trunc(Date.now() / 1000) - 10 };
  }

  /** Stores `entry` in the origin's localStorage, then lets every tab call the API at the same time. */
  async function callFromTabs(tabs: Page[], entry: Record<string, unknown>, options: { crossTabSection: boolean }) {
    await tabs[0]?.evaluate(async (dict) => {
      const { core, webStorage } = window.testPage;
      await new webStorage.WebStorageTokenStorage().storeTokenDataByResourceServer({
        [dict.resource_server as string]: core.TokenStorageData.fromDict(dict),
      });
    }, entry);
    await server.resetStats();
    return Promise.all(
      tabs.map((tab) =>
        tab.evaluate(
          async ({ server: cfg, crossTabSection }) => {
            const { authorizers, core, webStorage } = window.testPage;
            const storage = new webStorage.WebStorageTokenStorage();
            if (!core.hasRunExclusive(storage)) throw new Error('this page has no Web Locks');
            if (!crossTabSection) {
              // The control: a section that only excludes calls of the same tab (an in-memory lock).
              let tail = Promise.resolve<unknown>(undefined);
              const inTabOnly = <T>(_key: string, fn: () => Promise<T>): Promise<T> => {
                const run = tail.then(fn, fn);
                tail = run.catch(() => undefined);
                return run;
              };
              Object.defineProperty(storage, 'runExclusive', { value: inTabOnly });
              // Nor does the authorizer's "refresh in flight" marker protect it: these writes drop it.
              const store = storage.storeTokenDataByResourceServer.bind(storage);
              storage.storeTokenDataByResourceServer = (data) =>
                store(Object.fromEntries(Object.entries(data).map(([key, value]) => [key, value.with({ extra: {} })])));
            }
            // Token requests take 300 ms, so every tab surely asks for a token while one is refreshing.
            const slowTokenEndpoint: typeof fetch = async (input, init) => {
              if (String(input).endsWith('/v2/oauth2/token')) await new Promise((resolve) => setTimeout(resolve, 300));
              return fetch(input, init);
            };
            const client = new authorizers.NativeAppAuthClient(cfg.clientId, { baseUrl: cfg.baseUrl, fetch: slowTokenEndpoint });
            let refreshes = 0;
            const authorizer = new authorizers.StorageBackedAuthorizer(storage, cfg.resourceServer, client, {
              onRefresh: () => {
                refreshes += 1;
              },
            });
            try {
              const response = await authorizers.authorizedFetch(authorizer, `${cfg.apiUrl}/groups`);
              const groups = (await response.json()) as Array<{ name: string }>;
              return {
                status: response.status,
                groups: groups.map((group) => group.name),
                header: await authorizer.getAuthorizationHeader(),
                refreshes,
              };
            } catch (error) {
              return { error: (error as { code?: string }).code ?? String(error), refreshes };
            }
          },
          { server: config, crossTabSection: options.crossTabSection },
        ),
      ),
    );
  }

  it('refresh it once: one tab refreshes, the others adopt its token, every API call succeeds', async () => {
    const tabs = await Promise.all([session.openPage(context), session.openPage(context), session.openPage(context)]);
    const results = await callFromTabs(tabs, await expiredApiEntry(), { crossTabSection: true });
    const stats = await server.stats();
    expect(stats.tokenRequests.byGrantType).toEqual({ refresh_token: 1 });
    expect(stats.apiRequests).toEqual({ total: 3, unauthorized: 0 });
    for (const result of results) {
      expect(result).toEqual({
        status: 200,
        groups: ['Alice lab', 'Shared instrument'],
        header: results[0]?.header,
        refreshes: expect.any(Number),
      });
    }
    expect(results.map((result) => result.refreshes).sort()).toEqual([0, 0, 1]);
  });

  it('(control) with a section that only spans one tab (and no marker), both tabs refresh and the reused refresh token is refused', async () => {
    const tabs = await Promise.all([session.openPage(context), session.openPage(context)]);
    const results = await callFromTabs(tabs, await expiredApiEntry(), { crossTabSection: false });
    const stats = await server.stats();
    // The reuse also revokes the grant (as rotation demands), so the first tab's new token may die too.
    expect(stats.tokenRequests.byGrantType.refresh_token).toBeGreaterThanOrEqual(2);
    expect(results.map((result) => result.error)).toContain('AUTH_API_ERROR');
  });
});

describe('the PKCE redirect login', () => {
  it('goes to the login page and back, checks state, and stores the tokens with the identity from the verified id_token', async () => {
    const page = await session.openPage(context);
    const authorizeUrl = await page.evaluate((cfg) => {
      const { authorizers, webStorage } = window.testPage;
      const login = new webStorage.RedirectLogin({
        client: new authorizers.NativeAppAuthClient(cfg.clientId, { baseUrl: cfg.baseUrl }),
        storage: new webStorage.WebStorageTokenStorage(),
      });
      const url = login.start({ requestedScopes: cfg.scopes, redirectUri: `${location.origin}/callback`, refreshTokens: true });
      setTimeout(() => location.assign(url), 0);
      return url;
    }, config);
    const sent = new URL(authorizeUrl).searchParams;
    expect(sent.get('redirect_uri')).toBe(`${session.origin}/callback`);
    expect(sent.get('code_challenge_method')).toBe('S256');
    expect(sent.get('state')).toMatch(/^[\w-]{22}$/);

    await page.waitForURL(`${config.baseUrl}/interaction/**`);
    await page.fill('input[name=username]', 'alice');
    await page.fill('input[name=password]', 'alice-password');
    await page.click('button[type=submit]');
    await page.click('#allow button');
    await page.waitForURL(`${session.origin}/callback?**`);
    expect(new URL(page.url()).searchParams.get('state')).toBe(sent.get('state'));
    await page.waitForFunction(() => window.testPage !== undefined);

    const result = await page.evaluate(async (cfg) => {
      const { authorizers, core, webStorage } = window.testPage;
      const client = new authorizers.NativeAppAuthClient(cfg.clientId, { baseUrl: cfg.baseUrl });
      const storage = new webStorage.WebStorageTokenStorage();
      if (!core.hasRunExclusive(storage)) throw new Error('this page has no Web Locks');
      const login = new webStorage.RedirectLogin({ client, storage });
      const isCallback = login.isCallback(location.href);
      await login.handleCallback(location.href);
      history.replaceState(null, '', location.pathname);
      const stored = await storage.getTokenDataByResourceServer();
      const authorizer = new authorizers.StorageBackedAuthorizer(storage, cfg.resourceServer, client);
      const response = await authorizers.authorizedFetch(authorizer, `${cfg.apiUrl}/groups`);
      return {
        isCallback,
        entries: Object.values(stored).map((data) => [data.resourceServer, data.identityId, data.refreshToken !== null]),
        pendingLoginLeft: sessionStorage.getItem(webStorage.RedirectLogin.DEFAULT_FLOW_KEY),
        status: response.status,
        address: location.href,
      };
    }, config);
    expect(result).toEqual({
      isCallback: true,
      entries: [
        [server.resourceServers.auth, server.users[0]?.identityId, true],
        [server.resourceServers.api, server.users[0]?.identityId, true],
      ],
      pendingLoginLeft: null,
      status: 200,
      address: `${session.origin}/callback`,
    });
    expect((await server.stats()).tokenRequests.byGrantType).toMatchObject({ authorization_code: 1 });
  });

  it('refuses a redirect to another page, one whose state differs (keeping the login), an error redirect, and a replay, requesting no token', async () => {
    const page = await session.openPage(context);
    await server.resetStats();
    const outcomes = await page.evaluate(async (cfg) => {
      const { authorizers, webStorage } = window.testPage;
      const storage = new webStorage.WebStorageTokenStorage();
      const login = new webStorage.RedirectLogin({
        client: new authorizers.NativeAppAuthClient(cfg.clientId, { baseUrl: cfg.baseUrl }),
        storage,
      });
      const start = () =>
        new URL(login.start({ requestedScopes: cfg.scopes, redirectUri: `${location.origin}/callback` })).searchParams.get('state');
      const reasonOf = async (url: string) => {
        try {
          await login.handleCallback(url);
          return 'completed';
        } catch (error) {
          const { code, reason, message } = error as { code: string; reason: string; message: string };
          return `${code} ${reason}${message.includes('forged-code') ? ' (message shows the code)' : ''}`;
        }
      };
      const state = start();
      const elsewhere = `${location.origin}/settings?code=forged-code&state=${state}`;
      const otherPage = { isCallback: login.isCallback(elsewhere), reason: await reasonOf(elsewhere) };
      const forged = await reasonOf(`${location.origin}/callback?code=forged-code&state=someone-elses`);
      const keptLogin = login.isCallback(`${location.origin}/callback?code=c&state=${state}`);
      const denied = await reasonOf(`${location.origin}/callback?error=access_denied&error_description=No&state=${state}`);
      const replayed = await reasonOf(`${location.origin}/callback?error=access_denied&error_description=No&state=${state}`);
      return { otherPage, forged, keptLogin, denied, replayed, stored: Object.keys(await storage.getTokenDataByResourceServer()) };
    }, config);
    expect(outcomes).toEqual({
      otherPage: { isCallback: false, reason: 'LOGIN_CALLBACK_FAILED not_redirect_uri' },
      forged: 'LOGIN_CALLBACK_FAILED state_mismatch',
      keptLogin: true,
      denied: 'LOGIN_CALLBACK_FAILED access_denied',
      replayed: 'LOGIN_CALLBACK_FAILED no_login_started',
      stored: [],
    });
    expect((await server.stats()).tokenRequests.total).toBe(0);
  });
});
