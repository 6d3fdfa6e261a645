import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** The fixture scripts run the built packages, as an application would. */
const FIXTURES = join(__dirname, 'fixtures');

/** Fails clearly when the packages the child processes load have not been built. */
export function requireBuiltPackages(...names: string[]): void {
  for (const name of names) {
    const built = join(__dirname, '..', '..', name, 'dist', 'index.js');
    if (!existsSync(built)) throw new Error(`${built} is missing: build the packages first (pnpm build)`);
  }
}

/** A fixture script running in a child process. */
export interface Child {
  process: ChildProcessWithoutNullStreams;
  /** Everything it printed on stderr so far. */
  stderr(): string;
  /** Resolves with the first stdout line (parsed as JSON when `json`) for which `match` holds. */
  line(match: (line: string) => boolean): Promise<string>;
  /** Resolves when it has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcessWithoutNullStreams>();

/** Starts `fixtures/<script>`; see {@link killAll}. */
export function startChild(script: string, args: string[]): Child {
  const child = spawn(process.execPath, [join(FIXTURES, script), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    for (const wake of waiters.splice(0)) wake();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => {
      running.delete(child);
      for (const wake of waiters.splice(0)) wake();
      resolve({ code, signal });
    });
  });
  return {
    process: child,
    stderr: () => stderr,
    exited,
    async line(match) {
      for (;;) {
        const found = lines.find(match);
        if (found !== undefined) return found;
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`${script} exited (${child.exitCode ?? child.signalCode}) before the expected line: ${stderr}`);
        }
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
  };
}

/** Kills every child still running (afterAll). */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}
