// CommandLineLoginFlowManager against the real auth server: through piped stdin of a child process
// running the built package (run `pnpm build` first), and in process with injected streams.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { AuthAPIError, ErrorCodes, InvalidArgumentError } from '@globus-tokenstorage/core';
import { ConfidentialAppAuthClient, NativeAppAuthClient } from '@globus-tokenstorage/authorizers';
import { startAuthServerProcess, type AuthServerProcess } from '@globus-tokenstorage/auth-server/process';
import {
  CommandLineLoginFlowEOFError,
  CommandLineLoginFlowManager,
  InvalidAuthorizationCodeError,
  LoginFlowAbortedError,
  LoginFlowTimeoutError,
} from '@globus-tokenstorage/app';

jest.setTimeout(60000);

const PROMPT = 'Enter the resulting Authorization Code here: ';
let server: AuthServerProcess;

beforeAll(async () => {
  server = await startAuthServerProcess();
});

afterAll(async () => {
  await server?.close();
});

const scopes = () => [...server.scopes.oidc.split(' '), server.scopes.api];

/** The authorize URL in what the manager printed (the line after the first dashed line). */
function printedUrl(printed: string): string {
  const lines = printed.split('\n');
  return lines[lines.findIndex((line) => /^-+$/.test(line)) + 1] as string;
}

/**
 * Runs the fixture script (the built package, on its real stdin and stdout) and answers its prompt
 * with `answer(url)`: a line to write, or `null` to close stdin instead.
 */
async function runInChild(
  answer: (url: string) => Promise<string | null>,
): Promise<{ stdout: string; result: Record<string, unknown>; status: number | null }> {
  const script = join(__dirname, 'fixtures', 'command-line-login.mjs');
  const child = spawn(process.execPath, [script, server.baseUrl, server.clients.native.clientId, scopes().join(' ')], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const prompted = new Promise<void>((resolve) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.endsWith(PROMPT)) resolve();
    });
  });
  try {
    await Promise.race([prompted, exited]);
    const line = await answer(printedUrl(stdout));
    // The line is written but stdin stays open: the process must still end on its own.
    if (line === null) child.stdin.end();
    else child.stdin.write(`${line}\n`);
    const status = await exited;
    return { stdout, result: JSON.parse(stderr.trim().split('\n').pop() ?? '{}') as Record<string, unknown>, status };
  } finally {
    child.kill();
  }
}

describe('CommandLineLoginFlowManager through piped stdin of a child process', () => {
  it("prints Python's prompt, reads the code and exchanges it", async () => {
    const { stdout, result, status } = await runInChild((url) => server.login({ authorizeUrl: url, username: 'alice' }));
    const url = printedUrl(stdout);
    const dashes = '-'.repeat('Please authenticate with Globus here:'.length);
    expect(stdout).toBe(`Please authenticate with Globus here:\n${dashes}\n${url}\n${dashes}\n\n${PROMPT}`);
    expect(new URL(url).searchParams.get('redirect_uri')).toBe(server.clients.native.redirectUri);
    expect(new URL(url).searchParams.get('access_type')).toBe('offline');
    expect(result).toEqual({
      resourceServers: [server.resourceServers.auth, server.resourceServers.api].sort(),
      refreshTokens: [true, true],
    });
    expect(status).toBe(0);
  });

  it('throws CommandLineLoginFlowEOFError when stdin ends without a code', async () => {
    const { stdout, result, status } = await runInChild(async () => null);
    expect(result).toMatchObject({ name: 'CommandLineLoginFlowEOFError', code: ErrorCodes.LOGIN_FLOW_EOF });
    expect(stdout.endsWith(`${PROMPT}\n`)).toBe(true);
    expect(status).toBe(1);
  });

  it.each([
    ['an empty line', '', /no authorization code was entered/],
    ['two words', 'abc def', /spaces or control characters/],
  ])('throws InvalidAuthorizationCodeError for %s', async (_name, line, message) => {
    const { result, status } = await runInChild(async () => line);
    expect(result).toMatchObject({
      name: 'InvalidAuthorizationCodeError',
      code: ErrorCodes.LOGIN_FLOW_INVALID_CODE,
      message: expect.stringMatching(message),
    });
    expect(status).toBe(1);
  });

  it('reports a code Auth refuses as AuthAPIError, without echoing it', async () => {
    const { result, status } = await runInChild(async () => 'not-a-real-code-4711');
    expect(result).toMatchObject({
      name: 'AuthAPIError',
      code: ErrorCodes.AUTH_API_ERROR,
      message: expect.stringContaining('invalid_grant'),
    });
    expect(result.message).not.toContain('4711');
    expect(status).toBe(1);
  });
});

describe('CommandLineLoginFlowManager with injected streams', () => {
  function streams() {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.setEncoding('utf8').on('data', (chunk: string) => (printed += chunk));
    return { input, output, printed: () => printed };
  }

  const nativeClient = () => new NativeAppAuthClient(server.clients.native.clientId, { baseUrl: server.baseUrl });

  it('passes the session parameters and the named grant, and accepts a code with surrounding blanks and CRLF', async () => {
    const { input, output, printed } = streams();
    const manager = new CommandLineLoginFlowManager(nativeClient(), { input, output, nativePrefillNamedGrant: 'cli on host' });
    const login = manager.runLoginFlow({
      requiredScopes: scopes(),
      sessionRequiredIdentities: ['id-1'],
      sessionRequiredSingleDomain: ['uni.edu', 'lab.org'],
      sessionRequiredPolicies: ['p1', 'p2'],
      sessionRequiredMfa: false,
      sessionMessage: 'hello there',
      prompt: 'login',
    });
    const url = printedUrl(printed());
    const sent = new URL(url).searchParams;
    expect(sent.get('prefill_named_grant')).toBe('cli on host');
    expect(sent.get('access_type')).toBe('online');
    expect(sent.get('session_required_identities')).toBe('id-1');
    expect(sent.get('session_required_single_domain')).toBe('uni.edu,lab.org');
    expect(sent.get('session_required_policies')).toBe('p1,p2');
    expect(sent.get('session_required_mfa')).toBe('False');
    expect(sent.get('session_message')).toBe('hello there');
    expect(sent.get('prompt')).toBe('login');
    expect(url).toContain('session_message=hello+there');
    const code = await server.login({ authorizeUrl: url, username: 'bob' });
    input.write(`  ${code}  \r\nthe next line\n`);
    const response = await login;
    expect(response.byResourceServer[server.resourceServers.api]?.refresh_token ?? null).toBeNull();
    // What followed the code is left for the next reader.
    expect(input.read()?.toString()).toBe('the next line\n');
  });

  it('reads a code that arrives in pieces, and one ended by EOF without a newline', async () => {
    const { input, output, printed } = streams();
    const login = new CommandLineLoginFlowManager(nativeClient(), { input, output }).runLoginFlow({ requiredScopes: scopes() });
    const code = await server.login({ authorizeUrl: printedUrl(printed()), username: 'alice' });
    input.write(code.slice(0, 5));
    await new Promise((resolve) => setTimeout(resolve, 20));
    input.end(code.slice(5));
    expect((await login).byResourceServer[server.resourceServers.api]).toMatchObject({
      resource_server: server.resourceServers.api,
      access_token: expect.any(String),
    });
  });

  it('logs in with a confidential client and its redirect URI', async () => {
    const { input, output, printed } = streams();
    const { clientId, clientSecret, redirectUri } = server.clients.confidential;
    const client = new ConfidentialAppAuthClient(clientId, clientSecret, { baseUrl: server.baseUrl });
    const manager = new CommandLineLoginFlowManager(client, { input, output, redirectUri, requestRefreshTokens: true });
    const login = manager.runLoginFlow({ requiredScopes: scopes() });
    const url = printedUrl(printed());
    expect(new URL(url).searchParams.has('code_challenge')).toBe(false);
    input.write(`${await server.login({ authorizeUrl: url, username: 'alice', clientId })}\n`);
    expect((await login).byResourceServer[server.resourceServers.api]?.refresh_token).toEqual(expect.any(String));
  });

  it('refuses a confidential client without a redirect URI', async () => {
    const { clientId, clientSecret } = server.clients.confidential;
    const { input, output } = streams();
    const manager = new CommandLineLoginFlowManager(new ConfidentialAppAuthClient(clientId, clientSecret, { baseUrl: server.baseUrl }), {
      input,
      output,
    });
    await expect(manager.runLoginFlow({ requiredScopes: scopes() })).rejects.toThrow(/needs a redirectUri/);
  });

  it('throws LoginFlowTimeoutError after timeoutMs and stops reading', async () => {
    const { input, output } = streams();
    const manager = new CommandLineLoginFlowManager(nativeClient(), { input, output, timeoutMs: 200 });
    const error = await manager.runLoginFlow({ requiredScopes: scopes() }).catch((caught: unknown) => caught);
    expect(LoginFlowTimeoutError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: ErrorCodes.LOGIN_FLOW_TIMEOUT, timeoutMs: 200 });
    expect(input.listenerCount('data')).toBe(0);
  });

  it('throws LoginFlowAbortedError when the signal aborts, also when it aborted before', async () => {
    const { input, output } = streams();
    const manager = new CommandLineLoginFlowManager(nativeClient(), { input, output });
    const controller = new AbortController();
    const login = manager.runLoginFlow({ requiredScopes: scopes() }, { signal: controller.signal });
    controller.abort();
    await expect(login).rejects.toBeInstanceOf(LoginFlowAbortedError);
    expect(input.listenerCount('data')).toBe(0);
    await expect(manager.runLoginFlow({ requiredScopes: scopes() }, { signal: AbortSignal.abort() })).rejects.toMatchObject({
      code: ErrorCodes.LOGIN_FLOW_ABORTED,
    });
  });

  it('EOF and bad entries are typed in process too, and the message never holds the entry', async () => {
    const run = async (write: (input: PassThrough) => void) => {
      const { input, output } = streams();
      const login = new CommandLineLoginFlowManager(nativeClient(), { input, output }).runLoginFlow({ requiredScopes: scopes() });
      write(input);
      return login.catch((caught: unknown) => caught);
    };
    expect(await run((input) => input.end())).toBeInstanceOf(CommandLineLoginFlowEOFError);
    expect(await run((input) => input.end('   \n'))).toBeInstanceOf(InvalidAuthorizationCodeError);
    const secretish = `code\u0000${'x'.repeat(10)}`;
    const bad = await run((input) => input.write(`${secretish}\n`));
    expect(bad).toBeInstanceOf(InvalidAuthorizationCodeError);
    expect((bad as Error).message).not.toContain('xxxxxxxxxx');
    expect(await run((input) => input.write(`${'a'.repeat(2049)}\n`))).toBeInstanceOf(InvalidAuthorizationCodeError);
    expect(AuthAPIError.isInstance(await run((input) => input.write('wrong\n')))).toBe(true);
  });

  it.each([
    [{ input: 'stdin' }, /'input' must be a readable stream/],
    [{ output: {} }, /'output' must be a writable stream/],
    [{ redirectUri: 'not a url' }, /'redirectUri' must be an absolute URL/],
    [{ timeoutMs: -1 }, /'timeoutMs'/],
    [{ openBrowser: () => undefined }, /unknown option "openBrowser"/],
  ])('refuses the option %p', (options, message) => {
    expect(() => new CommandLineLoginFlowManager(nativeClient(), options as never)).toThrow(message);
  });

  it('refuses something that is not a login client', () => {
    expect(() => new CommandLineLoginFlowManager({} as never)).toThrow(InvalidArgumentError);
  });
});
