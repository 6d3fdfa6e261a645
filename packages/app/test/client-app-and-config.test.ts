// ClientApp against the real auth server (client credentials), and every bad input a typed error.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, MissingTokenError, ScopeParseError } from '@globus-tokenstorage/core';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
import { startAuthServerProcess, type AuthServerProcess } from '@globus-tokenstorage/auth-server/process';
import { ClientApp, UserApp, type GlobusAppConfig } from '@globus-tokenstorage/app';

jest.setTimeout(60000);

let shortLived: AuthServerProcess;
beforeAll(async () => {
  shortLived = await startAuthServerProcess(['--access-token-ttl', '2']);
});
afterAll(() => shortLived?.close());

function clientApp(config: GlobusAppConfig = {}): ClientApp {
  return new ClientApp('Service', {
    clientId: shortLived.clients.confidential.clientId,
    clientSecret: shortLived.clients.confidential.clientSecret,
    scopeRequirements: { [shortLived.resourceServers.api]: shortLived.scopes.api },
    config: { authBaseUrl: shortLived.baseUrl, tokenStorage: 'memory', ...config },
  });
}

describe('ClientApp', () => {
  it('gets tokens with client credentials, and new ones when they expire (whatever the handler)', async () => {
    await shortLived.resetStats();
    const app = clientApp({ tokenValidationErrorHandler: null });
    try {
      const authorizer = app.getAuthorizer(shortLived.resourceServers.api);
      const first = await authorizer.getAuthorizationHeader();
      const status = async (header: string) => (await fetch(`${shortLived.apiUrl}/groups`, { headers: { authorization: header } })).status;
      expect(await status(first)).toBe(200);
      await new Promise((settle) => setTimeout(settle, 3200));
      const second = await authorizer.getAuthorizationHeader();
      expect(second).not.toBe(first);
      expect(await status(second)).toBe(200);
      expect((await shortLived.stats()).tokenRequests.byGrantType).toEqual({ client_credentials: 2 });
    } finally {
      await app.close();
    }
  });

  it('refuses a login flow manager, a redirect URI, refresh tokens, and a missing secret', () => {
    expect(() => clientApp({ loginFlowManager: 'command-line' })).toThrow(InvalidArgumentError);
    expect(() => clientApp({ loginRedirectUri: 'https://example.org/cb' })).toThrow(InvalidArgumentError);
    expect(() => clientApp({ requestRefreshTokens: true })).toThrow(InvalidArgumentError);
    expect(() => new ClientApp('Service', { clientId: 'c1', scopeRequirements: {} } as never)).toThrow(InvalidArgumentError);
  });
});

describe('bad input is a typed error', () => {
  const user =
    (config: unknown, more: Record<string, unknown> = {}) =>
    () =>
      new UserApp('My App', {
        clientId: 'c1',
        scopeRequirements: { 'rs.example': 'urn:x:all' },
        config: config as GlobusAppConfig,
        ...more,
      });

  it.each([
    ['an unknown option', { tokenStorag: 'json' }],
    ['an unknown storage name', { tokenStorage: 'paper' }],
    ['a storage that is not one', { tokenStorage: { namespace: 'x' } }],
    ['a namespace with a given storage of another namespace', { tokenStorage: new MemoryTokenStorage(), namespace: 'other' }],
    ['an unknown login flow', { loginFlowManager: 'carrier-pigeon' }],
    ['a login flow manager without runLoginFlow', { loginFlowManager: {} }],
    ['local-server with a redirect URI', { loginFlowManager: 'local-server', loginRedirectUri: 'http://127.0.0.1/cb' }],
    ['a redirect URI that is not a URL', { loginRedirectUri: 'not a url' }],
    ['a non-boolean requestRefreshTokens', { requestRefreshTokens: 'yes' }],
    ['a non-boolean autoRedriveGares', { autoRedriveGares: 1 }],
    ['a handler that is not a function', { tokenValidationErrorHandler: 'login' }],
    ['an empty namespace', { namespace: '' }],
    ['a bad environment', { environment: 'prod uction' }],
    ['a bad authBaseUrl', { authBaseUrl: 'ftp://auth.example' }],
    ['a bad loginWaitTimeoutMs', { loginWaitTimeoutMs: -1 }],
    ['config that is not an object', 'json'],
  ])('%s', (_what, config) => {
    expect(user(config)).toThrow(InvalidArgumentError);
  });

  it('bad client IDs, secrets, scope requirements and app names', () => {
    expect(user({}, { clientId: '' })).toThrow(InvalidArgumentError);
    expect(user({}, { clientSecret: '' })).toThrow(InvalidArgumentError);
    expect(user({}, { clientSecret: 's' })).toThrow(/loginRedirectUri/);
    expect(user({}, { scopeRequirements: ['urn:x:all'] })).toThrow(InvalidArgumentError);
    expect(user({}, { scopeRequirements: { rs: 42 } })).toThrow(InvalidArgumentError);
    expect(user({}, { scopeRequirements: { rs: 'a[b' } })).toThrow(ScopeParseError);
    expect(user({}, { scopes: {} })).toThrow(InvalidArgumentError);
    expect(() => new UserApp(42 as never, { clientId: 'c1', scopeRequirements: {} })).toThrow(InvalidArgumentError);
  });

  it('bad method arguments', async () => {
    const app = new UserApp('My App', {
      clientId: 'c1',
      scopeRequirements: {},
      config: { tokenStorage: 'memory', tokenValidationErrorHandler: null },
    });
    expect(() => app.getAuthorizer('')).toThrow(InvalidArgumentError);
    await expect(app.login({ forse: true } as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(app.login({ force: 'yes' } as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(app.logout({ sweeps: true } as never)).rejects.toBeInstanceOf(InvalidArgumentError);
    expect(() => app.addScopeRequirements({ rs: [7] } as never)).toThrow(InvalidArgumentError);
    await expect(app.globusSdkManager({ resourceServers: { a: '' } })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(app.getAuthorizer('rs.example').getAuthorizationHeader()).rejects.toBeInstanceOf(MissingTokenError);
    await expect(
      new UserApp('My App', { clientId: 'c1', scopeRequirements: {}, config: { tokenStorage: () => ({}) as never } }).loginRequired(),
    ).rejects.toBeInstanceOf(InvalidArgumentError);
    await app.close();
  });
});

describe("tokenStorage: 'sqlite' without @globus-tokenstorage/sqlite installed", () => {
  it('is a MissingDependencyError naming the package (the built package, installed without it)', () => {
    const root = mkdtempSync(join(tmpdir(), 'app-no-sqlite-'));
    try {
      const modules = join(root, 'node_modules/@globus-tokenstorage');
      mkdirSync(join(modules, 'app'), { recursive: true });
      const packageDir = resolve(__dirname, '..');
      cpSync(join(packageDir, 'dist'), join(modules, 'app/dist'), { recursive: true });
      cpSync(join(packageDir, 'package.json'), join(modules, 'app/package.json'));
      for (const dependency of ['core', 'authorizers', 'json', 'memory'])
        symlinkSync(resolve(packageDir, '..', dependency), join(modules, dependency));
      const script = `import { UserApp } from '@globus-tokenstorage/app';
        const app = new UserApp('My App', { clientId: 'c1', scopeRequirements: {}, config: { tokenStorage: 'sqlite' } });
        app.loginRequired().then(() => console.log('no error'), (e) => console.log(JSON.stringify({ name: e.name, code: e.code, packageName: e.packageName, message: e.message })));`;
      writeFileSync(join(root, 'main.mjs'), script);
      const run = spawnSync(process.execPath, ['main.mjs'], { cwd: root, encoding: 'utf8', env: { ...process.env, HOME: root } });
      expect(JSON.parse(run.stdout)).toEqual({
        name: 'MissingDependencyError',
        code: 'MISSING_DEPENDENCY',
        packageName: '@globus-tokenstorage/sqlite',
        message: "tokenStorage 'sqlite' needs the package @globus-tokenstorage/sqlite: npm install @globus-tokenstorage/sqlite",
      });
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
