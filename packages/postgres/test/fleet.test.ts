import { createHash } from 'node:crypto';
import { Pool } from 'pg';
import { startAuthServerProcess, type AuthServerProcess } from '@globus-tokenstorage/auth-server/process';
import { TokenStorageData } from '@globus-tokenstorage/core';
import { PostgresTokenStorage } from '@globus-tokenstorage/postgres';
import { killAll, requireBuiltPackages, startChild, type Child } from './children';
import { TestDatabase } from './support';

/**
 * A fleet of app servers sharing one PostgreSQL token store: 16 processes, each with its own pool,
 * serve 1000 users whose access tokens have all just expired, against a real OAuth2 server that
 * rotates refresh tokens (so a refresh token used twice revokes the user's grant: logged out).
 * Every user is served by 4 of the processes, each going through its users in its own random
 * order, so the same user is often wanted by several processes at once.
 */
const PROCESSES = 16;
const USERS = 1000;
const PROCESSES_PER_USER = 4;
const CONCURRENCY = 8;
const POOL_MAX = 4;

interface WorkerResult {
  statuses: Record<string, number>;
  errors: string[];
  /** Short hash of the access token used last, per user. */
  tokens: Record<string, string>;
  /** Refreshes this process made, per user. */
  refreshes: Record<string, number>;
  startedAt: number;
  finishedAt: number;
}

const fingerprint = (token: string) => createHash('sha256').update(token).digest('hex').slice(0, 12);

let database: TestDatabase;
let server: AuthServerProcess;
beforeAll(async () => {
  requireBuiltPackages('core', 'authorizers', 'postgres');
  // Both are kept even when the other fails, so that afterAll ends what did start.
  const [made, started] = await Promise.allSettled([TestDatabase.create('fleet'), startAuthServerProcess(['--rotate-refresh-tokens'])]);
  if (made.status === 'fulfilled') database = made.value;
  if (started.status === 'fulfilled') server = started.value;
  for (const result of [made, started]) if (result.status === 'rejected') throw result.reason;
}, 60000);
afterAll(async () => {
  killAll();
  await server?.close();
  await database?.drop();
});

/** Stores one login per user, each in namespace `user-<i>`, all expired an hour ago; returns the refresh tokens. */
async function seedExpiredUsers(pool: Pool): Promise<string[]> {
  const issued = await server.issueTokens({ username: 'alice', count: USERS });
  const expiredAt = Math.trunc(Date.now() / 1000) - 3600;
  await Promise.all(
    issued.map(async (answer, user) => {
      const storage = new PostgresTokenStorage(pool, { namespace: `user-${user}` });
      const data = new TokenStorageData({
        resourceServer: answer.resource_server,
        identityId: answer.identity_id,
        scope: answer.scope,
        accessToken: answer.access_token,
        refreshToken: answer.refresh_token,
        expiresAtSeconds: expiredAt,
        tokenType: answer.token_type,
      });
      await storage.storeTokenDataByResourceServer({ [answer.resource_server]: data });
    }),
  );
  return issued.map((answer) => answer.refresh_token);
}

/** The users process `index` serves: each user is served by exactly PROCESSES_PER_USER processes. */
function usersOf(index: number): number[] {
  return Array.from({ length: USERS }, (_, user) => user).filter((user) => (user + index) % PROCESSES < PROCESSES_PER_USER);
}

function startWorker(index: number): Child {
  const config = {
    url: database.url,
    baseUrl: server.baseUrl,
    apiUrl: server.apiUrl,
    clientId: server.clients.native.clientId,
    resourceServer: server.resourceServers.api,
    users: usersOf(index),
    concurrency: CONCURRENCY,
    poolMax: POOL_MAX,
  };
  return startChild('fleet-worker.mjs', [JSON.stringify(config)]);
}

it(`${PROCESSES} processes serve ${USERS} users whose tokens expired at once: exactly one refresh per user, no lost update, nobody logged out`, async () => {
  const pool = new Pool({ connectionString: database.url, max: 8 });
  pool.on('error', () => undefined);
  try {
    const seededRefreshTokens = await seedExpiredUsers(pool);
    await server.resetStats();

    const workers = Array.from({ length: PROCESSES }, (_, index) => startWorker(index));
    await Promise.all(workers.map((worker) => worker.line((line) => line.includes('"ready"'))));
    const startedAt = Date.now();
    for (const worker of workers) worker.process.stdin.write('go\n');
    const results = await Promise.all(
      workers.map(async (worker) => JSON.parse(await worker.line((line) => line.includes('"done"'))) as WorkerResult),
    );
    const seconds = (Date.now() - startedAt) / 1000;
    const stats = await server.stats();

    // Every request of every process was served, with no error and no 401 along the way.
    results.forEach((result, index) => {
      expect(result.errors).toEqual([]);
      expect(result.statuses).toEqual({ 200: usersOf(index).length });
    });
    expect(stats.apiRequests).toEqual({ total: USERS * PROCESSES_PER_USER, unauthorized: 0 });

    // Exactly one refresh per user across the fleet, and the token endpoint saw no other.
    const refreshesByUser = new Map<string, number>();
    for (const result of results) {
      for (const [user, count] of Object.entries(result.refreshes)) refreshesByUser.set(user, (refreshesByUser.get(user) ?? 0) + count);
    }
    expect(refreshesByUser.size).toBe(USERS);
    expect([...refreshesByUser.values()].filter((count) => count !== 1)).toEqual([]);
    expect(stats.tokenRequests.byGrantType).toEqual({ refresh_token: USERS });

    // No lost update: the stored token of each user is the refreshed one, the one every process used,
    // and the server still honours it (a reused refresh token would have revoked the grant).
    let loggedOut = 0;
    let lostUpdates = 0;
    for (let user = 0; user < USERS; user += 1) {
      const storage = new PostgresTokenStorage(pool, { namespace: `user-${user}` });
      const stored = (await storage.getTokenData(server.resourceServers.api))!;
      const used = new Set(results.map((result) => result.tokens[user]).filter((token) => token !== undefined));
      if (stored.refreshToken === seededRefreshTokens[user] || used.size !== 1 || !used.has(fingerprint(stored.accessToken)))
        lostUpdates += 1;
      const check = await fetch(`${server.apiUrl}/groups`, { headers: { Authorization: `Bearer ${stored.accessToken}` } });
      if (check.status !== 200) loggedOut += 1;
    }
    expect({ lostUpdates, loggedOut }).toEqual({ lostUpdates: 0, loggedOut: 0 });

    const served = results.reduce((sum, result) => sum + (result.statuses[200] ?? 0), 0);
    console.log(
      `fleet: ${PROCESSES} processes, ${USERS} users (${PROCESSES_PER_USER} processes each): ${served} requests served in ${seconds.toFixed(1)} s ` +
        `(${Math.round(served / seconds)}/s), ${stats.tokenRequests.byGrantType.refresh_token} refreshes (1 per user), ` +
        `${lostUpdates} lost updates, ${loggedOut} users logged out`,
    );
  } finally {
    await pool.end();
  }
}, 240000);
