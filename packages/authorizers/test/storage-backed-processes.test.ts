// Many processes, one refresh: real child processes (running the BUILT packages) share one JSON or
// SQLite token file and call the real auth server's protected API with StorageBackedAuthorizer.
// Request counts come from the server's own counters (GET /__control/stats).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { TokenStorageData, type TokenStorageLike } from '@globus-tokenstorage/core';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { authorizedFetch, NativeAppAuthClient, StorageBackedAuthorizer } from '@globus-tokenstorage/authorizers';
import { startAuthServerProcess, type AuthServerProcess } from '@globus-tokenstorage/auth-server/process';

jest.setTimeout(60000);

const WORKER = resolve(__dirname, 'fixtures/storage-backed-worker.mjs');
const PROCESSES = 8;
const REQUESTS = 50;
/** The section lease of both backends in these tests (`sectionLeaseMs`), short to keep them quick. */
const LEASE_MS = 3000;
/** Process start-up, polling and scheduling on a loaded 2-core machine. */
const SLACK_MS = 3000;

type Backend = 'json' | 'sqlite';

interface WorkerEvent {
  event: string;
  pid: number;
  statuses?: Record<string, number>;
  errors?: string[];
  firstOkAt?: number | null;
  headers?: Record<string, number>;
}

interface Worker {
  child: ChildProcessWithoutNullStreams;
  next(event: string): Promise<WorkerEvent>;
  go(): void;
  stderr(): string;
}

let plain: AuthServerProcess;
let rotating: AuthServerProcess;
let omitting: AuthServerProcess;
let directory: string;
const running = new Set<ChildProcessWithoutNullStreams>();

beforeAll(async () => {
  const built = resolve(__dirname, '../dist/index.js');
  if (!existsSync(built) || !readFileSync(built, 'utf8').includes('StorageBackedAuthorizer')) {
    throw new Error('these tests run the built packages: run `pnpm build` first');
  }
  [plain, rotating, omitting] = await Promise.all([
    startAuthServerProcess(),
    startAuthServerProcess(['--rotate-refresh-tokens']),
    startAuthServerProcess(['--omit-unrotated-refresh-token']),
  ]);
});

afterAll(async () => {
  await Promise.all([plain, rotating, omitting].map((server) => server?.close()));
});

beforeEach(() => {
  directory = mkdtempSync(join(tmpdir(), 'storage-backed-'));
});

afterEach(async () => {
  await Promise.all([...running].map((child) => stop(child)));
  rmSync(directory, { recursive: true, force: true });
});

function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((settle) => child.once('exit', () => settle()));
  child.kill('SIGKILL');
  return exited;
}

const fingerprint = (header: string) => createHash('sha256').update(header).digest('hex').slice(0, 12);

function openStorage(backend: Backend, file: string): TokenStorageLike {
  return backend === 'sqlite' ? new SQLiteTokenStorage(file) : new JSONTokenStorage(file);
}

/**
 * One real login of alice through the server's pages, stored in a fresh token file, whose API
 * token is then marked as expired an hour ago (the server still honours it: nobody must use it).
 */
async function expiredTokenFile(server: AuthServerProcess, backend: Backend): Promise<string> {
  return tokenFile(server, backend, { expired: true });
}

/** One real login of alice, stored in a fresh token file; its API token optionally marked expired. */
async function tokenFile(server: AuthServerProcess, backend: Backend, { expired: markExpired }: { expired: boolean }): Promise<string> {
  const file = join(directory, backend === 'sqlite' ? 'tokens.db' : 'tokens.json');
  const client = new NativeAppAuthClient(server.clients.native.clientId, { baseUrl: server.baseUrl });
  client.oauth2StartFlow({ requestedScopes: `${server.scopes.oidc} ${server.scopes.api}`, refreshTokens: true });
  const code = await server.login({
    authorizeUrl: client.oauth2GetAuthorizeUrl(),
    username: 'alice',
    clientId: server.clients.native.clientId,
  });
  const storage = openStorage(backend, file);
  try {
    await storage.storeTokenResponse(await client.oauth2ExchangeCodeForTokens(code));
    const stored = await storage.getTokenData(server.resourceServers.api);
    if (stored === null) throw new Error('the login stored no API token');
    if (!markExpired) return file;
    const expired = TokenStorageData.fromDict({ ...stored.toDict(), expires_at_seconds: Math.trunc(Date.now() / 1000) - 3600 });
    await storage.storeTokenDataByResourceServer({ [server.resourceServers.api]: expired });
  } finally {
    await storage.close?.();
    await server.resetStats();
  }
  return file;
}

function startWorker(server: AuthServerProcess, backend: Backend, file: string, mode: 'work' | 'stall'): Worker {
  const config = {
    backend,
    file,
    baseUrl: server.baseUrl,
    apiUrl: server.apiUrl,
    clientId: server.clients.native.clientId,
    resourceServer: server.resourceServers.api,
    requests: REQUESTS,
    concurrency: 10,
    mode,
    sectionLeaseMs: LEASE_MS,
  };
  const child = spawn(process.execPath, [WORKER, JSON.stringify(config)], {
    cwd: resolve(__dirname, '..'),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const events: WorkerEvent[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    events.push(JSON.parse(line) as WorkerEvent);
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<void>((settle) => child.once('exit', () => settle()));
  return {
    child,
    stderr: () => stderr,
    go: () => child.stdin.write('go\n'),
    async next(event) {
      for (;;) {
        const found = events.find((candidate) => candidate.event === event);
        if (found) return found;
        const woken = new Promise<'event'>((settle) => waiters.push(() => settle('event')));
        if (
          (await Promise.race([woken, exited.then(() => 'exit' as const)])) === 'exit' &&
          !events.some((candidate) => candidate.event === event)
        ) {
          throw new Error(`worker ${child.pid} exited (${child.exitCode ?? child.signalCode}) before "${event}": ${stderr}`);
        }
      }
    },
  };
}

/** Starts workers and waits until every one is ready (started, packages loaded). */
async function startReady(count: number, server: AuthServerProcess, backend: Backend, file: string): Promise<Worker[]> {
  const workers = Array.from({ length: count }, () => startWorker(server, backend, file, 'work'));
  await Promise.all(workers.map((worker) => worker.next('ready')));
  return workers;
}

/** Starts workers and releases them all at once when every one is ready. */
async function startTogether(count: number, server: AuthServerProcess, backend: Backend, file: string): Promise<Worker[]> {
  const workers = await startReady(count, server, backend, file);
  for (const worker of workers) worker.go();
  return workers;
}

function expectAllSucceeded(results: WorkerEvent[]) {
  for (const result of results) {
    expect(result.errors).toEqual([]);
    expect(result.statuses).toEqual({ 200: REQUESTS });
  }
}

/**
 * The stored token is the one every process used, the API accepts it, and the stored refresh token
 * still works (with rotation, a spent refresh token presented again would have revoked the grant).
 */
async function expectNobodyLoggedOut(server: AuthServerProcess, backend: Backend, file: string, results: WorkerEvent[]) {
  const storage = openStorage(backend, file);
  try {
    const stored = await storage.getTokenData(server.resourceServers.api);
    expect(stored).not.toBeNull();
    const header = `Bearer ${stored!.accessToken}`;
    for (const result of results) expect(result.headers).toEqual({ [fingerprint(header)]: REQUESTS });
    expect(stored!.identityId).toBe(server.users[0]!.identityId);
    expect((await fetch(`${server.apiUrl}/groups`, { headers: { Authorization: header } })).status).toBe(200);
    const client = new NativeAppAuthClient(server.clients.native.clientId, { baseUrl: server.baseUrl });
    const again = await client.oauth2RefreshToken(stored!.refreshToken!);
    const refreshed = again.byResourceServer[server.resourceServers.api]?.access_token;
    expect((await fetch(`${server.apiUrl}/groups`, { headers: { Authorization: `Bearer ${refreshed}` } })).status).toBe(200);
  } finally {
    await storage.close?.();
  }
}

describe.each<Backend>(['json', 'sqlite'])('%s token file', (backend) => {
  it.each([
    ['rotating refresh tokens', () => rotating],
    ['non-rotating refresh tokens (Globus)', () => plain],
  ])(
    `${PROCESSES} processes x ${REQUESTS} requests on an expired token: one refresh, every request 200, nobody logged out (%s)`,
    async (_label, which) => {
      const server = which();
      const file = await expiredTokenFile(server, backend);
      const workers = await startTogether(PROCESSES, server, backend, file);
      const results = await Promise.all(workers.map((worker) => worker.next('done')));

      const stats = await server.stats();
      expect(stats.tokenRequests.byGrantType).toEqual({ refresh_token: 1 });
      expect(stats.apiRequests).toEqual({ total: PROCESSES * REQUESTS, unauthorized: 0 });
      expectAllSucceeded(results);
      await expectNobodyLoggedOut(server, backend, file, results);
    },
  );
});

describe.each<[Backend, number]>([
  ['json', LEASE_MS],
  ['sqlite', LEASE_MS],
])('a %s section holder that stops (lease %i ms)', (backend, leaseMs) => {
  it('killed with SIGKILL inside the section: the others take over within the lease, one refresh in all (rotation on)', async () => {
    const file = await expiredTokenFile(rotating, backend);
    const staller = startWorker(rotating, backend, file, 'stall');
    await staller.next('in-section');
    const workers = await startTogether(4, rotating, backend, file);
    // While the holder lives, nobody gets past the expired token.
    await new Promise((settle) => setTimeout(settle, 300));
    expect((await rotating.stats()).apiRequests.total).toBe(0);

    const killedAt = Date.now();
    await stop(staller.child);
    const results = await Promise.all(workers.map((worker) => worker.next('done')));

    for (const result of results) {
      expect(result.firstOkAt).toBeGreaterThanOrEqual(killedAt);
      expect(result.firstOkAt! - killedAt).toBeLessThan(leaseMs + SLACK_MS);
    }
    expect((await rotating.stats()).tokenRequests.byGrantType).toEqual({ refresh_token: 1 });
    expectAllSucceeded(results);
    await expectNobodyLoggedOut(rotating, backend, file, results);
  });

  it('frozen with SIGSTOP inside the section (alive, so only the lease frees it): the others take over after the lease', async () => {
    const file = await expiredTokenFile(rotating, backend);
    const staller = startWorker(rotating, backend, file, 'stall');
    await staller.next('in-section');
    const workers = await startReady(4, rotating, backend, file);
    const stoppedAt = Date.now();
    staller.child.kill('SIGSTOP');
    for (const worker of workers) worker.go();
    const results = await Promise.all(workers.map((worker) => worker.next('done')));
    // Killed while stopped, so it never sends the refresh it was about to send.
    await stop(staller.child);

    for (const result of results) {
      // The holder renews its lease every third (SQLite) or quarter (JSON) of it, so a frozen holder
      // keeps the section for at least about half the lease, and at most the lease.
      expect(result.firstOkAt! - stoppedAt).toBeGreaterThanOrEqual(leaseMs / 2);
      expect(result.firstOkAt! - stoppedAt).toBeLessThan(leaseMs + SLACK_MS);
    }
    expect((await rotating.stats()).tokenRequests.byGrantType).toEqual({ refresh_token: 1 });
    expectAllSucceeded(results);
    await expectNobodyLoggedOut(rotating, backend, file, results);
  });
});

describe('in one process, against the real server', () => {
  it('a 401 on a revoked access token causes one refresh, and the stored entry keeps its identity', async () => {
    const file = await tokenFile(plain, 'json', { expired: false });
    const storage = new JSONTokenStorage(file);
    const client = new NativeAppAuthClient(plain.clients.native.clientId, { baseUrl: plain.baseUrl });
    const revoked = (await storage.getTokenData(plain.resourceServers.api))!;
    await client.oauth2RevokeToken(revoked.accessToken);
    const authorizer = new StorageBackedAuthorizer(storage, plain.resourceServers.api, client);
    const responses = await Promise.all(Array.from({ length: 10 }, () => authorizedFetch(authorizer, `${plain.apiUrl}/groups`)));
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(200));
    const stats = await plain.stats();
    expect(stats.tokenRequests.byGrantType).toEqual({ refresh_token: 1 });
    expect(stats.apiRequests.unauthorized).toBe(10);
    const stored = (await storage.getTokenData(plain.resourceServers.api))!;
    expect(stored.accessToken).not.toBe(revoked.accessToken);
    expect(stored.identityId).toBe(plain.users[0]!.identityId);
    expect(stored.refreshToken).toBe(revoked.refreshToken);
    await storage.close();
  });

  it('a refresh answer without refresh_token keeps the stored refresh token, which keeps working', async () => {
    const file = await expiredTokenFile(omitting, 'sqlite');
    const storage = new SQLiteTokenStorage(file);
    try {
      const before = (await storage.getTokenData(omitting.resourceServers.api))!;
      const client = new NativeAppAuthClient(omitting.clients.native.clientId, { baseUrl: omitting.baseUrl });
      let clock = Date.now() / 1000;
      const authorizer = new StorageBackedAuthorizer(storage, omitting.resourceServers.api, client, { now: () => clock });
      expect((await authorizedFetch(authorizer, `${omitting.apiUrl}/groups`)).status).toBe(200);
      const after = (await storage.getTokenData(omitting.resourceServers.api))!;
      expect(after.refreshToken).toBe(before.refreshToken);
      expect(after.identityId).toBe(before.identityId);
      clock = after.expiresAtSeconds;
      expect((await authorizedFetch(authorizer, `${omitting.apiUrl}/groups`)).status).toBe(200);
      expect((await omitting.stats()).tokenRequests.byGrantType).toEqual({ refresh_token: 2 });
    } finally {
      await storage.close();
    }
  });
});
