import { createHash } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { startAuthServerProcess, type AuthServerProcess } from '@globus-tokenstorage/auth-server/process';
import { startPostgresServerProcess, type PostgresServerProcess } from '@globus-tokenstorage/postgres-server/process';
import { AuthRequestTimeoutError, TokenStorageData } from '@globus-tokenstorage/core';
import { NativeAppAuthClient, StorageBackedAuthorizer } from '@globus-tokenstorage/authorizers';
import { PostgresTokenStorage } from '@globus-tokenstorage/postgres';
import { caught } from './support';
import { killAll, requireBuiltPackages, startChild, type Child } from './children';

/**
 * A PostgreSQL outage in the middle of a refresh, against a real OAuth2 server that rotates refresh
 * tokens (a spent refresh token presented again revokes the grant: everyone logged out). This file
 * stops and restarts a server: its own, not the one the other test files share.
 */
const LEASE_KEY = 'globus_tokenstorage_refresh_lease';

interface HeaderEvent {
  ok: boolean;
  token?: string;
  error?: string;
  errorCode?: string | null;
  at: number;
}

const fingerprint = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 12);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let database: PostgresServerProcess;
let auth: AuthServerProcess;
beforeAll(async () => {
  requireBuiltPackages('core', 'authorizers', 'postgres');
  [database, auth] = await Promise.all([startPostgresServerProcess(), startAuthServerProcess(['--rotate-refresh-tokens'])]);
}, 120000);
afterAll(async () => {
  killAll();
  await Promise.all([auth?.close(), database?.close()]);
});

const opened: PostgresTokenStorage[] = [];
afterEach(async () => {
  killAll();
  await database.start().catch(() => undefined);
  for (const storage of opened.splice(0)) await storage.close();
});

/** A storage of the test itself on the dedicated server, in `namespace`. */
function storageOf(namespace: string): PostgresTokenStorage {
  const storage = new PostgresTokenStorage(database.url, { namespace });
  opened.push(storage);
  return storage;
}

/** One login of alice stored in `namespace`, expired an hour ago; returns what was stored. */
async function seedExpiredLogin(namespace: string): Promise<TokenStorageData> {
  const [answer] = await auth.issueTokens({ username: 'alice', count: 1 });
  const data = new TokenStorageData({
    resourceServer: answer!.resource_server,
    identityId: answer!.identity_id,
    scope: answer!.scope,
    accessToken: answer!.access_token,
    refreshToken: answer!.refresh_token,
    expiresAtSeconds: Math.trunc(Date.now() / 1000) - 3600,
    tokenType: answer!.token_type,
  });
  await storageOf(namespace).storeTokenDataByResourceServer({ [data.resourceServer]: data });
  await auth.resetStats();
  return data;
}

function startProcess(namespace: string, options: { pauseBeforeRefresh: boolean; refreshLeaseSeconds: number }): Child {
  const config = {
    url: database.url,
    namespace,
    baseUrl: auth.baseUrl,
    apiUrl: auth.apiUrl,
    clientId: auth.clients.native.clientId,
    resourceServer: auth.resourceServers.api,
    timeoutMs: 60000,
    ...options,
  };
  return startChild('outage-worker.mjs', [JSON.stringify(config)]);
}

const event = async (child: Child, name: string) =>
  JSON.parse(await child.line((line) => line.includes(`"event":"${name}"`))) as Record<string, unknown>;

/**
 * Process A enters the section, records its marker and is about to send the refresh token; the
 * server stops; A refreshes while it is down. Returns A once it has its header.
 */
async function refreshDuringOutage(namespace: string, refreshLeaseSeconds: number): Promise<{ a: Child; header: HeaderEvent }> {
  const a = startProcess(namespace, { pauseBeforeRefresh: true, refreshLeaseSeconds });
  await event(a, 'ready');
  a.process.stdin.write('go\n');
  await event(a, 'refreshing');
  // The marker is stored before the refresh token leaves the process.
  const marked = (await storageOf(namespace).getTokenData(auth.resourceServers.api))!;
  expect(Object.keys(marked.extra)).toEqual([LEASE_KEY]);
  await database.stop();
  a.process.stdin.write('send\n');
  const header = (await event(a, 'header')) as unknown as HeaderEvent;
  return { a, header };
}

describe('a PostgreSQL outage during a refresh (rotating refresh tokens)', () => {
  it("the refreshing process's caller gets its new token; the next process waits for it to be stored instead of presenting the spent refresh token; nobody is logged out", async () => {
    const namespace = 'outage-stored';
    const seeded = await seedExpiredLogin(namespace);
    const { a, header } = await refreshDuringOutage(namespace, 60);
    expect(header).toMatchObject({ ok: true });
    expect(await event(a, 'api')).toMatchObject({ status: 200 });

    // A is frozen, so it cannot store yet; the server comes back; B needs a token.
    a.process.kill('SIGSTOP');
    await database.start();
    const b = startProcess(namespace, { pauseBeforeRefresh: false, refreshLeaseSeconds: 60 });
    await event(b, 'ready');
    b.process.stdin.write('go\n');
    await pause(2000);
    const waiting = await storageOf(namespace).getTokenData(auth.resourceServers.api);
    expect(waiting?.refreshToken).toBe(seeded.refreshToken);
    expect(Object.keys(waiting!.extra)).toEqual([LEASE_KEY]);
    expect((await auth.stats()).tokenRequests.byGrantType).toEqual({ refresh_token: 1 });

    // A resumes and stores its answer (retried with backoff); B adopts it.
    const resumedAt = Date.now();
    a.process.kill('SIGCONT');
    const adopted = (await event(b, 'header')) as unknown as HeaderEvent;
    expect(adopted).toMatchObject({ ok: true, token: header.token });
    expect(adopted.at).toBeGreaterThanOrEqual(resumedAt);
    expect(await event(b, 'api')).toMatchObject({ status: 200 });

    const stored = (await storageOf(namespace).getTokenData(auth.resourceServers.api))!;
    expect(fingerprint(stored.accessToken)).toBe(header.token);
    expect(stored.refreshToken).not.toBe(seeded.refreshToken);
    expect(stored.identityId).toBe(seeded.identityId);
    expect(stored.extra).toEqual({});
    expect((await auth.stats()).tokenRequests.byGrantType).toEqual({ refresh_token: 1 });
    // Not logged out: the stored refresh token still works.
    const client = new NativeAppAuthClient(auth.clients.native.clientId, { baseUrl: auth.baseUrl });
    const refreshed = (await client.oauth2RefreshToken(stored.refreshToken!)).byResourceServer[auth.resourceServers.api]?.access_token;
    expect((await fetch(`${auth.apiUrl}/groups`, { headers: { Authorization: `Bearer ${refreshed}` } })).status).toBe(200);
  }, 120000);

  it('what remains: a process that dies holding the only copy blocks the others for its lease only; then the spent refresh token is refused', async () => {
    const namespace = 'outage-lost';
    await seedExpiredLogin(namespace);
    const { a, header } = await refreshDuringOutage(namespace, 6);
    expect(header).toMatchObject({ ok: true });
    a.process.kill('SIGKILL');
    await database.start();
    const b = startProcess(namespace, { pauseBeforeRefresh: false, refreshLeaseSeconds: 6 });
    await event(b, 'ready');
    b.process.stdin.write('go\n');
    const refused = (await event(b, 'header')) as unknown as HeaderEvent;
    expect(refused).toMatchObject({ ok: false, error: 'AuthAPIError AUTH_API_ERROR', errorCode: 'invalid_grant' });
    expect((await auth.stats()).tokenRequests.byGrantType).toEqual({ refresh_token: 2 });
  }, 120000);
});

describe('timeoutMs of StorageBackedAuthorizer covers its storage calls', () => {
  it('a PostgreSQL server that accepts connections and never answers: AuthRequestTimeoutError after timeoutMs', async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    const storage = new PostgresTokenStorage(`postgres://user:word-secret@127.0.0.1:${port}/tokens`);
    try {
      const client = new NativeAppAuthClient(auth.clients.native.clientId, { baseUrl: auth.baseUrl });
      const authorizer = new StorageBackedAuthorizer(storage, auth.resourceServers.api, client, { timeoutMs: 3000 });
      const startedAt = Date.now();
      const error = await caught(() => authorizer.getAuthorizationHeader());
      expect(AuthRequestTimeoutError.isInstance(error)).toBe(true);
      expect(error.message).toBe(
        `the token renewal for ${auth.resourceServers.api} (reading the token storage) failed: no answer within 3000 ms`,
      );
      expect(Date.now() - startedAt).toBeLessThan(20000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await storage.close();
      await new Promise((resolve) => silent.close(resolve));
    }
  }, 60000);
});
