// Many processes, one refresh, through an encrypted file: real child processes (running the BUILT
// packages) share one encrypted JSON token file and call the real auth server's API with
// StorageBackedAuthorizer. The refresh count comes from the server's own counters.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { TokenStorageData } from '@globus-tokenstorage/core';
import { NativeAppAuthClient } from '@globus-tokenstorage/authorizers';
import { startAuthServerProcess, type AuthServerProcess } from '@globus-tokenstorage/auth-server/process';
import { EncryptedTokenStorage, EnvironmentKeyProvider } from '@globus-tokenstorage/encrypted';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { KEY_A, TempDirs } from './support';

jest.setTimeout(120_000);

const WORKER = resolve(__dirname, 'fixtures/refresh-worker.mjs');
const PROCESSES = 8;
const REQUESTS = 25;
const keys = () => new EnvironmentKeyProvider({ variable: 'GTS_TEST_KEY', env: { GTS_TEST_KEY: KEY_A } });

let server: AuthServerProcess;
const dirs = new TempDirs();
const running = new Set<ChildProcessWithoutNullStreams>();

beforeAll(async () => {
  if (!existsSync(resolve(__dirname, '../dist/index.js'))) throw new Error('these tests run the built packages: run `pnpm build` first');
  server = await startAuthServerProcess(['--rotate-refresh-tokens']);
});

afterAll(async () => {
  for (const child of running) child.kill('SIGKILL');
  await server?.close();
  dirs.removeAll();
});

function startWorker(file: string): {
  ready: Promise<void>;
  done: Promise<{ statuses: Record<string, number>; errors: string[] }>;
  go(): void;
} {
  const config = {
    file,
    baseUrl: server.baseUrl,
    apiUrl: server.apiUrl,
    clientId: server.clients.native.clientId,
    resourceServer: server.resourceServers.api,
    requests: REQUESTS,
    concurrency: 5,
  };
  const child = spawn(process.execPath, [WORKER, JSON.stringify(config)], {
    cwd: resolve(__dirname, '..'),
    env: { ...process.env, GTS_TEST_KEY: KEY_A },
  });
  running.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const events = new Map<string, (value: never) => void>();
  const waitFor = (event: string) => {
    const promise = new Promise<never>((settle, fail) => {
      events.set(event, settle);
      child.once('exit', (code) => fail(new Error(`worker exited (${code}) before "${event}": ${stderr}`)));
    });
    promise.catch(() => {}); // a worker killed after a failed expectation is no second failure
    return promise;
  };
  const ready = waitFor('ready');
  const done = waitFor('done');
  createInterface({ input: child.stdout }).on('line', (line) => {
    const message = JSON.parse(line) as { event: string };
    events.get(message.event)?.(message as never);
  });
  child.once('exit', () => running.delete(child));
  return { ready, done, go: () => child.stdin.write('go\n') };
}

it(`${PROCESSES} processes x ${REQUESTS} requests on one expired token in an encrypted JSON file: exactly one refresh`, async () => {
  const file = join(dirs.make(), 'tokens.json');
  const storage = new EncryptedTokenStorage(new JSONTokenStorage(file), { keys: keys() });
  const client = new NativeAppAuthClient(server.clients.native.clientId, { baseUrl: server.baseUrl });
  client.oauth2StartFlow({ requestedScopes: `${server.scopes.oidc} ${server.scopes.api}`, refreshTokens: true });
  const code = await server.login({
    authorizeUrl: client.oauth2GetAuthorizeUrl(),
    username: 'alice',
    clientId: server.clients.native.clientId,
  });
  await storage.storeTokenResponse(await client.oauth2ExchangeCodeForTokens(code));
  const stored = (await storage.getTokenData(server.resourceServers.api)) as TokenStorageData;
  const expired = TokenStorageData.fromDict({ ...stored.toDict(), expires_at_seconds: Math.trunc(Date.now() / 1000) - 3600 });
  await storage.storeTokenDataByResourceServer({ [server.resourceServers.api]: expired });
  await server.resetStats();

  const workers = Array.from({ length: PROCESSES }, () => startWorker(file));
  await Promise.all(workers.map((worker) => worker.ready));
  for (const worker of workers) worker.go();
  const results = await Promise.all(workers.map((worker) => worker.done));

  const stats = await server.stats();
  expect(stats.tokenRequests.byGrantType).toEqual({ refresh_token: 1 });
  expect(stats.apiRequests).toEqual({ total: PROCESSES * REQUESTS, unauthorized: 0 });
  for (const result of results) expect(result).toEqual({ event: 'done', statuses: { 200: REQUESTS }, errors: [] });

  const after = (await new EncryptedTokenStorage(new JSONTokenStorage(file), { keys: keys() }).getTokenData(
    server.resourceServers.api,
  )) as TokenStorageData;
  expect(after.accessToken).not.toBe(stored.accessToken);
  const text = readFileSync(file, 'utf8');
  for (const token of [after.accessToken, after.refreshToken as string, stored.accessToken, stored.refreshToken as string])
    expect(text).not.toContain(token);
  expect(JSON.parse(text).data.DEFAULT[server.resourceServers.api].access_token).toMatch(/^gts-enc:v1:env:/);
});
