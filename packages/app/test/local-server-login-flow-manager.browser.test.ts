// LocalServerLoginFlowManager driven end to end by headless Chromium against the real auth server
// (oidc-provider on 127.0.0.1): `openBrowser` navigates a Chromium page, which fills the login and
// consent pages and lands on the manager's loopback server.
import { ErrorCodes, LoginCallbackError } from '@globus-tokenstorage/core';
import { NativeAppAuthClient } from '@globus-tokenstorage/authorizers';
import { startAuthServerProcess, type AuthServerProcess } from '@globus-tokenstorage/auth-server/process';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { LocalServerLoginFlowManager, LoginFlowAbortedError, LoginFlowTimeoutError } from '@globus-tokenstorage/app';
import { launchChromium } from '@globus-tokenstorage/test-support/chromium';

jest.setTimeout(90000);

let browser: Browser;
let server: AuthServerProcess;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  const [launched, auth] = await Promise.allSettled([launchChromium(), startAuthServerProcess()]);
  if (launched.status === 'fulfilled') browser = launched.value;
  if (auth.status === 'fulfilled') server = auth.value;
  for (const outcome of [launched, auth]) if (outcome.status === 'rejected') throw outcome.reason;
});

afterAll(async () => {
  await Promise.all([browser?.close(), server?.close()]);
});

beforeEach(async () => {
  context = await browser.newContext();
  page = await context.newPage();
});

afterEach(async () => {
  await context?.close();
});

function nativeClient(): NativeAppAuthClient {
  return new NativeAppAuthClient(server.clients.native.clientId, { baseUrl: server.baseUrl });
}

function requiredScopes(): string[] {
  return [...server.scopes.oidc.split(' '), server.scopes.api];
}

/** Fills the login page as `username` and answers the consent page. */
async function logInOnPage(choice: 'allow' | 'deny', username = 'alice'): Promise<void> {
  await page.waitForURL(`${server.baseUrl}/interaction/**`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', `${username}-password`);
  await page.click('button[type=submit]');
  await page.click(`#${choice} button`);
}

/** Whether something listens on the port of `url`. */
async function isListening(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(5000) });
    return true;
  } catch {
    return false;
  }
}

describe('LocalServerLoginFlowManager in Chromium', () => {
  it('logs in through the browser, passes the session parameters, and shows the success page', async () => {
    let authorizeUrl = '';
    const manager = new LocalServerLoginFlowManager(nativeClient(), {
      requestRefreshTokens: true,
      nativePrefillNamedGrant: 'flows test on this host',
      openBrowser: async (url) => {
        authorizeUrl = url;
        await page.goto(url);
        void logInOnPage('allow');
      },
    });
    const response = await manager.runLoginFlow({
      requiredScopes: requiredScopes(),
      sessionMessage: 'please log in',
      sessionRequiredIdentities: ['alice@example.org', 'alice2@example.org'],
      sessionRequiredSingleDomain: ['example.org'],
      sessionRequiredPolicies: ['policy-1'],
      sessionRequiredMfa: true,
      prompt: 'login',
    });

    const api = response.byResourceServer[server.resourceServers.api];
    expect(api?.refresh_token).toEqual(expect.any(String));
    expect(response.byResourceServer[server.resourceServers.auth]).toMatchObject({
      resource_server: server.resourceServers.auth,
      access_token: expect.any(String),
    });
    const sent = new URL(authorizeUrl).searchParams;
    expect(sent.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(sent.get('access_type')).toBe('offline');
    expect(sent.get('prefill_named_grant')).toBe('flows test on this host');
    expect(sent.get('state')).toMatch(/^[\w-]{32}$/);
    expect(sent.get('session_message')).toBe('please log in');
    expect(sent.get('session_required_identities')).toBe('alice@example.org,alice2@example.org');
    expect(sent.get('session_required_single_domain')).toBe('example.org');
    expect(sent.get('session_required_policies')).toBe('policy-1');
    expect(sent.get('session_required_mfa')).toBe('True');
    expect(sent.get('prompt')).toBe('login');

    await page.waitForURL(`${sent.get('redirect_uri')}?**`);
    expect(await page.textContent('h1')).toBe('Login successful');
    expect(await page.content()).not.toContain(new URL(page.url()).searchParams.get('code'));
    expect(await isListening(sent.get('redirect_uri') as string)).toBe(false);
  });

  it('ignores redirects with the wrong state or to another path, and keeps waiting', async () => {
    const answers: Array<[string, number]> = [];
    const manager = new LocalServerLoginFlowManager(nativeClient(), {
      openBrowser: async (url) => {
        const redirect = new URL(new URL(url).searchParams.get('redirect_uri') as string);
        const state = new URL(url).searchParams.get('state') as string;
        const probe = async (name: string, target: string) => answers.push([name, (await page.goto(target))?.status() ?? 0]);
        await probe('wrong state', `${redirect.href}?code=forged&state=not-the-state`);
        await probe('no state', `${redirect.href}?code=forged`);
        await probe('other path', `${redirect.origin}/elsewhere?code=forged&state=${state}`);
        await probe('error with wrong state', `${redirect.href}?error=access_denied&state=wrong`);
        await probe('favicon', `${redirect.origin}/favicon.ico`);
        await page.goto(url);
        void logInOnPage('allow');
      },
    });
    const response = await manager.runLoginFlow({ requiredScopes: requiredScopes() });

    expect(answers).toEqual([
      ['wrong state', 400],
      ['no state', 400],
      ['other path', 404],
      ['error with wrong state', 400],
      ['favicon', 404],
    ]);
    expect(response.byResourceServer[server.resourceServers.api]?.access_token).toEqual(expect.any(String));
    expect(await page.textContent('h1')).toBe('Login successful');
  });

  it('turns an error=access_denied redirect into LoginCallbackError and shows the failure page', async () => {
    let redirectUri = '';
    const manager = new LocalServerLoginFlowManager(nativeClient(), {
      openBrowser: async (url) => {
        redirectUri = new URL(url).searchParams.get('redirect_uri') as string;
        await page.goto(url);
        void logInOnPage('deny');
      },
    });
    const error = await manager.runLoginFlow({ requiredScopes: requiredScopes() }).catch((caught: unknown) => caught);

    expect(LoginCallbackError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: ErrorCodes.LOGIN_CALLBACK_FAILED, reason: 'access_denied' });
    expect((error as LoginCallbackError).description).toEqual(expect.any(String));
    await page.waitForURL(`${redirectUri}?**`);
    expect(await page.textContent('h1')).toBe('Login failed');
    expect(await page.textContent('p')).toContain('access_denied');
    expect(await isListening(redirectUri)).toBe(false);
  });

  it('times out with LoginFlowTimeoutError and closes the port', async () => {
    let redirectUri = '';
    const manager = new LocalServerLoginFlowManager(nativeClient(), {
      timeoutMs: 1500,
      openBrowser: async (url) => {
        redirectUri = new URL(url).searchParams.get('redirect_uri') as string;
        await page.goto(url); // the user never logs in
      },
    });
    const error = await manager.runLoginFlow({ requiredScopes: requiredScopes() }).catch((caught: unknown) => caught);

    expect(LoginFlowTimeoutError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: ErrorCodes.LOGIN_FLOW_TIMEOUT, timeoutMs: 1500 });
    expect(await isListening(redirectUri)).toBe(false);
  });

  it('stops with LoginFlowAbortedError when the signal aborts, and closes the port', async () => {
    let redirectUri = '';
    const controller = new AbortController();
    const manager = new LocalServerLoginFlowManager(nativeClient(), {
      openBrowser: async (url) => {
        redirectUri = new URL(url).searchParams.get('redirect_uri') as string;
        await page.goto(url);
        expect(await isListening(redirectUri)).toBe(true);
        controller.abort(new Error('user pressed Ctrl-C'));
      },
    });
    const error = await manager
      .runLoginFlow({ requiredScopes: requiredScopes() }, { signal: controller.signal })
      .catch((caught: unknown) => caught);

    expect(LoginFlowAbortedError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: ErrorCodes.LOGIN_FLOW_ABORTED, cause: new Error('user pressed Ctrl-C') });
    expect(await isListening(redirectUri)).toBe(false);
  });
});
