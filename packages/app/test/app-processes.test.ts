// Several processes of one app (real child processes running the BUILT package, sharing the app's
// default token file under $HOME) against the real auth server: they log in once and refresh once.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { startAuthServerProcess, type AuthServerProcess } from '@globus-tokenstorage/auth-server/process';

jest.setTimeout(90000);

const WORKER = resolve(__dirname, 'fixtures/app-worker.mjs');
const PROCESSES = 3;

interface Event {
  event: string;
  pid: number;
  status?: number;
  error?: string;
}

let server: AuthServerProcess;
let home: string;
const running = new Set<ChildProcessWithoutNullStreams>();

beforeAll(async () => {
  if (!existsSync(resolve(__dirname, '../dist/index.js'))) throw new Error('these tests run the built package: run `pnpm build` first');
  server = await startAuthServerProcess();
});
afterAll(() => server?.close());
beforeEach(async () => {
  home = mkdtempSync(join(tmpdir(), 'app-processes-'));
  await server.resetStats();
});
afterEach(() => {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
  rmSync(home, { recursive: true, force: true });
});

/** Starts the workers, waits until all are ready, starts them at once, and collects their events. */
async function runWorkers(storage: 'json' | 'sqlite'): Promise<Event[]> {
  const settings = {
    baseUrl: server.baseUrl,
    apiUrl: server.apiUrl,
    controlUrl: server.controlUrl,
    clientId: server.clients.native.clientId,
    api: server.resourceServers.api,
    apiScope: server.scopes.api,
    auth: server.resourceServers.auth,
    requestRefreshTokens: true,
    storage,
  };
  const events: Event[] = [];
  const workers = Array.from({ length: PROCESSES }, () => {
    const child = spawn(process.execPath, [WORKER, JSON.stringify(settings)], {
      env: { ...process.env, HOME: home },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    running.add(child);
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const ready = new Promise<void>((resolveReady, reject) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        const event = JSON.parse(line) as Event;
        events.push(event);
        if (event.event === 'ready') resolveReady();
      });
      child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${stderr}`)));
    });
    const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
    return { child, ready, exited };
  });
  await Promise.all(workers.map((worker) => worker.ready));
  for (const { child } of workers) child.stdin.write('go\n');
  const codes = await Promise.all(workers.map((worker) => worker.exited));
  expect(codes).toEqual(workers.map(() => 0));
  return events;
}

function tokenFile(extension: string): string {
  return join(home, '.globus/app', server.clients.native.clientId, 'shared-app', `tokens.${extension}`);
}

describe.each(['json', 'sqlite'] as const)('processes of one app sharing its default %s token file', (storage) => {
  it('log in once when they all need tokens, then refresh once when the token expired', async () => {
    const first = await runWorkers(storage);
    expect(first.filter((event) => event.event === 'done')).toEqual(
      Array.from({ length: PROCESSES }, () => expect.objectContaining({ status: 200 })),
    );
    expect(first.filter((event) => event.event === 'login')).toHaveLength(1);
    expect((await server.stats()).tokenRequests.byGrantType).toEqual({ authorization_code: 1 });
    const file = tokenFile(storage === 'json' ? 'json' : 'db');
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const opened = storage === 'json' ? new JSONTokenStorage(file) : new SQLiteTokenStorage(file);
    try {
      const token = (await opened.getTokenData(server.resourceServers.api))!;
      await opened.storeTokenDataByResourceServer({
        [server.resourceServers.api]: token.with({ expiresAtSeconds: Math.trunc(Date.now() / 1000) - 10 }),
      });
    } finally {
      await opened.close?.();
    }
    await server.resetStats();
    const second = await runWorkers(storage);
    expect(second.filter((event) => event.event === 'done')).toEqual(
      Array.from({ length: PROCESSES }, () => expect.objectContaining({ status: 200 })),
    );
    expect(second.filter((event) => event.event === 'login')).toHaveLength(0);
    expect((await server.stats()).tokenRequests.byGrantType).toEqual({ refresh_token: 1 });
  });
});
