// LocalServerLoginFlowManager without Chromium: where it refuses to run (SSH, text-only browsers, a
// browser that cannot start), the system-browser path through BROWSER (a real child process), and
// bad arguments. The browser login itself is in local-server-login-flow-manager.browser.test.ts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, InvalidArgumentError } from '@globus-tokenstorage/core';
import { ConfidentialAppAuthClient, NativeAppAuthClient } from '@globus-tokenstorage/authorizers';
import { startAuthServerProcess, type AuthServerProcess } from '@globus-tokenstorage/auth-server/process';
import { LocalServerEnvironmentError, LocalServerLoginFlowManager } from '@globus-tokenstorage/app';

jest.setTimeout(60000);

let server: AuthServerProcess;
let scratch: string;
const savedEnvironment = { ...process.env };

beforeAll(async () => {
  server = await startAuthServerProcess();
});

afterAll(async () => {
  await server?.close();
});

beforeEach(() => {
  scratch = mkdtempSync(join(tmpdir(), 'flows-'));
  for (const key of ['SSH_TTY', 'SSH_CONNECTION', 'BROWSER']) delete process.env[key];
});

afterEach(() => {
  process.env = { ...savedEnvironment };
  rmSync(scratch, { recursive: true, force: true });
});

function nativeClient(): NativeAppAuthClient {
  return new NativeAppAuthClient(server.clients.native.clientId, { baseUrl: server.baseUrl });
}

const parameters = () => ({ requiredScopes: [...server.scopes.oidc.split(' '), server.scopes.api] });

describe('where LocalServerLoginFlowManager refuses to open a browser', () => {
  it.each([
    ['SSH_TTY', '/dev/pts/3', /SSH session/],
    ['SSH_CONNECTION', '10.0.0.1 5555 10.0.0.2 22', /SSH session/],
    ['BROWSER', 'lynx', /text-only/],
    ['BROWSER', '/usr/bin/w3m', /text-only/],
    ['BROWSER', 'www-browser:firefox', /text-only/],
    ['BROWSER', 'elinks', /text-only/],
    ['BROWSER', 'links', /text-only/],
  ])('with %s=%s it throws LocalServerEnvironmentError suggesting the command-line flow', async (name, value, reason) => {
    process.env[name] = value;
    const error = await new LocalServerLoginFlowManager(nativeClient()).runLoginFlow(parameters()).catch((caught: unknown) => caught);
    expect(LocalServerEnvironmentError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: ErrorCodes.LOGIN_FLOW_ENVIRONMENT });
    expect((error as Error).message).toMatch(reason);
    expect((error as Error).message).toContain('command-line');
  });

  it('throws LocalServerEnvironmentError when the browser command does not exist', async () => {
    process.env.BROWSER = join(scratch, 'no-such-browser');
    const error = await new LocalServerLoginFlowManager(nativeClient()).runLoginFlow(parameters()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LocalServerEnvironmentError);
    expect((error as Error).message).toMatch(/could not start a browser .*ENOENT/);
  });

  it('throws LocalServerEnvironmentError when the browser command fails', async () => {
    process.env.BROWSER = 'false';
    const error = await new LocalServerLoginFlowManager(nativeClient()).runLoginFlow(parameters()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LocalServerEnvironmentError);
    expect((error as Error).message).toMatch(/exited with status 1/);
  });

  it('throws LocalServerEnvironmentError (with the cause) when openBrowser rejects', async () => {
    const failure = new Error('no display');
    const manager = new LocalServerLoginFlowManager(nativeClient(), { openBrowser: () => Promise.reject(failure) });
    const error = await manager.runLoginFlow(parameters()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LocalServerEnvironmentError);
    expect((error as Error).cause).toBe(failure);
  });

  it('a given openBrowser replaces the environment checks', async () => {
    process.env.SSH_TTY = '/dev/pts/3';
    const manager = new LocalServerLoginFlowManager(nativeClient(), {
      openBrowser: async (url) => {
        const code = await server.login({ authorizeUrl: url, username: 'bob' });
        const sent = new URL(url).searchParams;
        await fetch(`${sent.get('redirect_uri')}?code=${encodeURIComponent(code)}&state=${sent.get('state')}`);
      },
    });
    const response = await manager.runLoginFlow(parameters());
    expect(response.byResourceServer[server.resourceServers.api]).toMatchObject({
      resource_server: server.resourceServers.api,
      access_token: expect.any(String),
    });
  });
});

describe('the system browser', () => {
  it('runs the BROWSER command with the authorize URL and completes the login from its redirect', async () => {
    const recorded = join(scratch, 'urls.txt');
    process.env.RECORDED_URLS_FILE = recorded;
    process.env.BROWSER = join(__dirname, 'fixtures', 'record-url-browser.mjs');
    const login = new LocalServerLoginFlowManager(nativeClient(), { timeoutMs: 30000 }).runLoginFlow(parameters());
    let failed: unknown = null;
    login.catch((error: unknown) => (failed = error));

    let url = '';
    while (url === '') {
      if (failed !== null) throw failed;
      await new Promise((resolve) => setTimeout(resolve, 50));
      url = readFileSync(recorded, { encoding: 'utf8', flag: 'a+' }).trim();
    }
    const code = await server.login({ authorizeUrl: url, username: 'alice' });
    const sent = new URL(url).searchParams;
    const redirect = new URL(sent.get('redirect_uri') as string);
    expect(redirect.hostname).toBe('127.0.0.1');
    expect(redirect.pathname).toBe('/callback');

    // Another site reaching the port through a rebound DNS name is refused, and the login goes on.
    const rebound = await new Promise<number>((resolve, reject) => {
      const query = `?code=${encodeURIComponent(code)}&state=${sent.get('state')}`;
      request(
        {
          host: '127.0.0.1',
          port: redirect.port,
          path: `${redirect.pathname}${query}`,
          headers: { host: `evil.example:${redirect.port}` },
        },
        (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        },
      )
        .on('error', reject)
        .end();
    });
    expect(rebound).toBe(400);

    const landing = await fetch(`${redirect.href}?code=${encodeURIComponent(code)}&state=${sent.get('state')}`);
    expect(landing.status).toBe(200);
    expect(landing.headers.get('referrer-policy')).toBe('no-referrer');
    expect(landing.headers.get('cache-control')).toBe('no-store');
    expect(await landing.text()).not.toContain(code);
    const response = await login;
    expect(response.byResourceServer[server.resourceServers.api]?.access_token).toEqual(expect.any(String));
  });
});

describe('LocalServerLoginFlowManager arguments', () => {
  it('refuses a confidential client', () => {
    const client = new ConfidentialAppAuthClient(server.clients.confidential.clientId, server.clients.confidential.clientSecret, {
      baseUrl: server.baseUrl,
    });
    expect(() => new LocalServerLoginFlowManager(client as unknown as NativeAppAuthClient)).toThrow(InvalidArgumentError);
  });

  it.each([
    [{ openBrowzer: () => undefined }, /unknown option "openBrowzer" \(did you mean 'openBrowser'\?\)/],
    [{ openBrowser: 'firefox' }, /'openBrowser' must be a function/],
    [{ timeoutMs: -1 }, /'timeoutMs' must be a whole number of milliseconds/],
    [{ timeoutMs: Number.NaN }, /'timeoutMs' must be a whole number of milliseconds/],
    [{ requestRefreshTokens: 'yes' }, /'requestRefreshTokens' must be a boolean/],
    [{ nativePrefillNamedGrant: '' }, /'nativePrefillNamedGrant' must be a non-empty string/],
    [{ redirectPath: 'callback' }, /'redirectPath' must be a URL path/],
  ])('refuses the option %p', (options, message) => {
    expect(() => new LocalServerLoginFlowManager(nativeClient(), options as never)).toThrow(message);
  });

  it('refuses parameters without scopes before opening anything', async () => {
    const openBrowser = jest.fn();
    const manager = new LocalServerLoginFlowManager(nativeClient(), { openBrowser });
    await expect(manager.runLoginFlow({ requiredScopes: [] })).rejects.toThrow(/requiredScopes/);
    await expect(manager.runLoginFlow({} as never)).rejects.toThrow(InvalidArgumentError);
    await expect(manager.runLoginFlow({ requiredScopes: ['openid'], sessionMesage: 'x' } as never)).rejects.toThrow(
      /did you mean 'sessionMessage'/,
    );
    expect(openBrowser).not.toHaveBeenCalled();
  });
});
