// globus-tokens login | logout | whoami: the built binary in child processes against the real auth
// server (oidc-provider on 127.0.0.1), with HOME in a scratch directory so the app's default token
// file lands there. Run `pnpm build` first.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startAuthServerProcess, type AuthServerProcess } from '@globus-tokenstorage/auth-server/process';

jest.setTimeout(90000);

const BIN = resolve(__dirname, '../dist/bin.js');
const RECORDING_BROWSER = resolve(__dirname, '../../app/test/fixtures/record-url-browser.mjs');
const PROMPT = 'Enter the resulting Authorization Code here: ';

let server: AuthServerProcess;
let home: string;

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build the packages first (pnpm build)`);
  server = await startAuthServerProcess();
});

afterAll(async () => {
  await server?.close();
});

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'gts-app-cli-'));
});

afterEach(() => {
  rmSync(home, { recursive: true, force: true });
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The options naming the test app on the local auth server. */
function appOptions(): string[] {
  return [
    '--client-id',
    server.clients.native.clientId,
    '--auth-base-url',
    server.baseUrl,
    '--auth-resource-server',
    server.resourceServers.auth,
  ];
}

function tokenFile(appSlug = 'unnamed-globus-app'): string {
  return join(home, '.globus', 'app', server.clients.native.clientId, appSlug, 'tokens.json');
}

/** Every token value in the token file, to check that no output shows one. */
function storedTokens(file = tokenFile()): string[] {
  const data = JSON.parse(readFileSync(file, 'utf8')) as {
    data: Record<string, Record<string, { access_token: string; refresh_token: string | null }>>;
  };
  return Object.values(data.data).flatMap((namespace) =>
    Object.values(namespace)
      .flatMap((entry) => [entry.access_token, entry.refresh_token ?? ''])
      .filter(Boolean),
  );
}

/**
 * Runs the binary. When the command-line flow prompts (on stdout, or stderr with --json),
 * `answer(url)` gives the line to type; without `answer`, stdin is closed at once.
 */
function run(
  args: string[],
  options: { answer?: (url: string) => Promise<string>; env?: NodeJS.ProcessEnv; onStart?: () => Promise<void> } = {},
): Promise<Run> {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH, HOME: home, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let answered = false;
  const onOutput = () => {
    const printed = args.includes('--json') ? stderr : stdout;
    if (answered || options.answer === undefined || !printed.endsWith(PROMPT)) return;
    answered = true;
    const lines = printed.split('\n');
    const url = lines[lines.findIndex((line) => /^-+$/.test(line)) + 1] as string;
    options.answer(url).then(
      (line) => child.stdin.write(`${line}\n`),
      () => child.stdin.end(),
    );
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    onOutput();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    onOutput();
  });
  if (options.answer === undefined && options.onStart === undefined) child.stdin.end();
  void options.onStart?.();
  return new Promise((resolveRun) => child.once('close', (status) => resolveRun({ status, stdout, stderr })));
}

const logInAs = (username: string) => (url: string) => server.login({ authorizeUrl: url, username });
const scopes = () => `${server.scopes.oidc} ${server.scopes.api}`;

describe('globus-tokens login, whoami, logout', () => {
  it("logs in on the command line, stores the tokens in the app's default file, and shows who without a token", async () => {
    const login = await run(['login', ...appOptions(), '--scope', scopes(), '--refresh-tokens', '--json'], { answer: logInAs('alice') });
    expect(login.status).toBe(0);
    expect(login.stderr).toContain('Please authenticate with Globus here:');
    const result = JSON.parse(login.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({
      loggedIn: true,
      loginPerformed: true,
      tokenFile: tokenFile(),
      identityId: server.users[0]?.identityId,
      username: 'alice@example.org',
      userinfoError: null,
    });
    expect(
      (result.tokens as Array<{ resourceServer: string; hasRefreshToken: boolean }>).map((token) => [
        token.resourceServer,
        token.hasRefreshToken,
      ]),
    ).toEqual(
      [
        [server.resourceServers.auth, true],
        [server.resourceServers.api, true],
      ].sort(),
    );
    expect(statSync(tokenFile()).mode & 0o777).toBe(0o600);
    expect(statSync(join(tokenFile(), '..')).mode & 0o777).toBe(0o700);
    const tokens = storedTokens();
    expect(tokens.length).toBe(4);

    const again = await run(['login', ...appOptions(), '--scope', scopes()]);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/^Already logged in/);
    expect(again.stdout).not.toContain('Please authenticate');

    const whoami = await run(['whoami', ...appOptions()]);
    expect(whoami.status).toBe(0);
    expect(whoami.stdout).toContain(`identity: ${server.users[0]?.identityId} (alice@example.org`);
    expect(whoami.stdout).toContain(`token file: ${tokenFile()}`);
    expect(whoami.stdout).toMatch(new RegExp(`${server.resourceServers.api.replace(/\./g, '\\.')}: expires in .*with refresh token`));
    const whoamiJson = await run(['whoami', ...appOptions(), '--json']);
    expect(JSON.parse(whoamiJson.stdout)).toMatchObject({ identityId: server.users[0]?.identityId, email: expect.any(String) });
    for (const output of [login, again, whoami, whoamiJson]) {
      for (const token of tokens) expect(`${output.stdout}${output.stderr}`).not.toContain(token);
    }
  });

  it('logout revokes the tokens at the server and removes them; whoami then exits 5', async () => {
    await run(['login', ...appOptions(), '--scope', scopes(), '--app-name', 'My CLI App'], { answer: logInAs('bob') });
    const file = tokenFile('my-cli-app');
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { data: { DEFAULT: Record<string, { access_token: string }> } };
    const apiToken = stored.data.DEFAULT[server.resourceServers.api]?.access_token as string;
    const call = () => fetch(`${server.apiUrl}/groups`, { headers: { Authorization: `Bearer ${apiToken}` } });
    expect((await call()).status).toBe(200);

    const logout = await run(['logout', ...appOptions(), '--app-name', 'My CLI App']);
    expect(logout.status).toBe(0);
    expect(logout.stdout).toContain('Logged out: revoked and removed the tokens of');
    expect((await call()).status).toBe(401);
    expect(storedTokens(file)).toEqual([]);

    const whoami = await run(['whoami', ...appOptions(), '--app-name', 'My CLI App', '--json']);
    expect(whoami.status).toBe(5);
    expect(JSON.parse(whoami.stderr)).toMatchObject({ error: { exitCode: 5, message: expect.stringContaining('not logged in') } });
  });

  it('login ends with the typed EOF error when stdin is closed', async () => {
    const login = await run(['login', ...appOptions(), '--json']);
    expect(login.status).toBe(1);
    expect(JSON.parse(login.stderr.split('\n').filter(Boolean).pop() as string)).toMatchObject({ error: { code: 'LOGIN_FLOW_EOF' } });
    expect(existsSync(tokenFile()) && storedTokens().length > 0).toBe(false);
  });

  it('Ctrl-C (SIGINT) cancels a login with the typed abort error', async () => {
    let child: ReturnType<typeof spawn> | null = null;
    const login = await new Promise<Run>((resolveRun) => {
      child = spawn(process.execPath, [BIN, 'login', ...appOptions(), '--json'], {
        env: { PATH: process.env.PATH, HOME: home },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        if (stderr.endsWith(PROMPT)) child?.kill('SIGINT');
      });
      child.once('close', (status) => resolveRun({ status, stdout: '', stderr }));
    });
    expect(login.status).toBe(1);
    expect(JSON.parse(login.stderr.split('\n').filter(Boolean).pop() as string)).toMatchObject({ error: { code: 'LOGIN_FLOW_ABORTED' } });
  });

  it('logs in with --flow local-server through the BROWSER command', async () => {
    const recorded = join(home, 'urls.txt');
    const login = run(['login', ...appOptions(), '--flow', 'local-server'], {
      env: { BROWSER: RECORDING_BROWSER, RECORDED_URLS_FILE: recorded },
      onStart: async () => {
        while (!existsSync(recorded) || readFileSync(recorded, 'utf8') === '') await new Promise((wait) => setTimeout(wait, 50));
        const url = readFileSync(recorded, 'utf8').trim();
        const code = await server.login({ authorizeUrl: url, username: 'alice' });
        const sent = new URL(url).searchParams;
        await fetch(`${sent.get('redirect_uri')}?code=${encodeURIComponent(code)}&state=${sent.get('state')}`);
      },
    });
    const result = await login;
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`identity: ${server.users[0]?.identityId}`);
  });

  it('--flow local-server refuses over SSH and suggests the command-line flow', async () => {
    const login = await run(['login', ...appOptions(), '--flow', 'local-server'], { env: { SSH_CONNECTION: '10.0.0.1 5555 10.0.0.2 22' } });
    expect(login.status).toBe(1);
    expect(login.stderr).toMatch(/SSH session.*--flow command-line/);
  });

  it.each([
    [['login'], /--client-id is required/],
    [['whoami', '--client-id', 'x', '--flow', 'command-line'], /unknown option '--flow'/],
    [['login', '--client-id', 'x', '--flow', 'browser'], /--flow must be command-line or local-server/],
    [['login', '--client-id', 'x', '--scope', 'transfer'], /cannot tell the resource server of the scope 'transfer'/],
  ])('%p is a usage error', async (args, message) => {
    const result = await run(args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
  });
});
