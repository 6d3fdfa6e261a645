import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startPostgresServer } from '@globus-tokenstorage/postgres-server';
import { buildDatabase, writeTokenFile } from './fixtures';
import { recordRatio } from './harness';
import { buildTable } from './postgres.bench';

const here = dirname(fileURLToPath(import.meta.url));
const CLI = resolve(here, '../../packages/cli/dist/bin.js');
const MB = 1024 * 1024;

/** Storages on one store, one per namespace, as a server keeps one per user. */
const INSTANCES = 10_000;
/** The store `list` and `check` walk. */
const CLI_NAMESPACES = 100_000;
const CLI_TIME_LIMIT_MS = 10_000;
const CLI_RSS_LIMIT_BYTES = 500 * MB;
/** Many storages on one file may use at most this multiple of the memory of one. */
const INSTANCES_MEMORY_RATIO = 3;

/**
 * How cost grows with the number of storages on one store, and with the store, for the CLI:
 * - 10 000 JSONTokenStorage instances on one 10 000-namespace file, each reading its namespace,
 *   against one instance's read (one parse of the file): heap (after a forced GC) <= 3x. Before the
 *   storages shared one snapshot, each kept a parse of its own (10 000x).
 * - 10 000 SQLiteTokenStorage instances on one database, each reading its namespace, against one
 *   raw connection that reads the same rows and keeps them parsed: resident memory <= 3x. They
 *   share one connection; before, each opened its own.
 * - `globus-tokens list` and `check` on 100 000 namespaces x 3 resource servers (JSON, SQLite,
 *   PostgreSQL), run as a child process of the built CLI: CPU time (user + system) <= 10 s and peak
 *   RSS <= 500 MB. CPU time rather than wall time, which on a shared machine measures the other
 *   processes too; the wall time is printed beside it.
 *   They walk the store once; before, they opened a storage per namespace.
 * Each figure is recorded against its limit, so `--check` enforces it.
 */
export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gts-bench-scale-'));
  try {
    await instances(dir);
    await cli(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

interface InstancesFigures {
  one: number;
  all: number;
  allMs: number;
}

async function instances(dir: string): Promise<void> {
  const jsonFile = join(dir, 'instances.json');
  writeTokenFile(jsonFile, INSTANCES);
  const json = JSON.parse(
    (await runNode(['--expose-gc', join(here, 'children/json-instances.mjs'), jsonFile, String(INSTANCES)])).stdout,
  ) as InstancesFigures;
  recordRatio(
    `scale: ${INSTANCES.toLocaleString('en-US')} JSONTokenStorage instances on one ${INSTANCES.toLocaleString('en-US')}-namespace file`,
    'heap of all against one parse',
    json.all / json.one,
    INSTANCES_MEMORY_RATIO,
    {
      'one (MB)': (json.one / MB).toFixed(1),
      'all (MB)': (json.all / MB).toFixed(1),
      'first read of all (ms)': json.allMs.toFixed(0),
    },
  );
  const sqliteFile = await buildDatabase(dir, INSTANCES);
  const sqlite = async (mode: string) =>
    JSON.parse(
      (await runNode(['--expose-gc', join(here, 'children/sqlite-instances.mjs'), sqliteFile, String(INSTANCES), mode])).stdout,
    ) as { bytes: number; ms: number };
  const raw = await sqlite('raw');
  const ours = await sqlite('storages');
  recordRatio(
    `scale: ${INSTANCES.toLocaleString('en-US')} SQLiteTokenStorage instances on one database, each reading its namespace`,
    'resident memory against one raw connection keeping every parsed row',
    ours.bytes / raw.bytes,
    INSTANCES_MEMORY_RATIO,
    { 'raw (MB)': (raw.bytes / MB).toFixed(1), 'ours (MB)': (ours.bytes / MB).toFixed(1), 'ours (ms)': ours.ms.toFixed(0) },
  );
}

async function cli(dir: string): Promise<void> {
  const jsonFile = join(dir, 'cli.json');
  writeTokenFile(jsonFile, CLI_NAMESPACES);
  const sqliteFile = await buildDatabase(dir, CLI_NAMESPACES);
  const server = await startPostgresServer();
  const pool = new pg.Pool({ connectionString: server.url, max: 2 });
  try {
    const schema = await buildTable(pool, CLI_NAMESPACES);
    const url = `${server.url}${server.url.includes('?') ? '&' : '?'}schema=${schema}`;
    for (const [kind, store] of [
      ['JSON', jsonFile],
      ['SQLite', sqliteFile],
      ['PostgreSQL', url],
    ] as const) {
      for (const command of ['list', 'check']) {
        const { ms, cpuMs, maxRssBytes, code } = await runNode(['-r', join(here, 'children/report-rss.cjs'), CLI, command, store], true);
        const group = `scale: globus-tokens ${command}, ${kind}, ${CLI_NAMESPACES.toLocaleString('en-US')} namespaces x 3 (exit ${code})`;
        recordRatio(group, 'CPU time against 10 s', code === 0 ? cpuMs / CLI_TIME_LIMIT_MS : Infinity, 1, {
          'CPU time (s)': (cpuMs / 1000).toFixed(2),
          'wall time (s)': (ms / 1000).toFixed(2),
        });
        recordRatio(group, 'peak RSS against 500 MB', maxRssBytes / CLI_RSS_LIMIT_BYTES, 1, {
          'peak RSS (MB)': (maxRssBytes / MB).toFixed(0),
        });
      }
    }
  } finally {
    await pool.end();
    await server.close();
  }
}

/**
 * Runs node with `args`; stdout is collected, or discarded when `discardOutput` (a listing of a
 * big store is long), and file descriptor 3 carries the peak RSS that `report-rss.cjs` writes.
 */
function runNode(
  args: string[],
  discardOutput = false,
): Promise<{ stdout: string; ms: number; cpuMs: number; maxRssBytes: number; code: number | null }> {
  const started = performance.now();
  const child = spawn(process.execPath, args, { stdio: ['ignore', discardOutput ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let rss = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  (child.stdio[3] as NodeJS.ReadableStream | null)?.on('data', (chunk: Buffer) => (rss += chunk.toString()));
  return new Promise((settle, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      const [maxRssKb, cpuMicroseconds] = rss.trim().split(' ').map(Number);
      if (code !== 0 && !discardOutput) reject(new Error(`${args.join(' ')} exited with ${code}: ${stderr}`));
      else settle({ stdout, ms, cpuMs: (cpuMicroseconds ?? NaN) / 1000, maxRssBytes: (maxRssKb ?? NaN) * 1024, code });
    });
  });
}
