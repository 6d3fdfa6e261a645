import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

/** The built binary, as npm installs it. */
export const BIN = resolve(__dirname, '../dist/bin.js');

/** Fails the suite at once when the binary is not built. */
export function requireBuiltCli(): void {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build the packages first (pnpm build)`);
}

/** What a run of the binary printed and how it ended. */
export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built `globus-tokens` in a child process.
 *
 * @param args - Its arguments.
 * @param options - Where and as whom it runs, its environment, its stdio, and `nodeOptions` put before the binary (e.g. `--require`).
 */
export function runBuiltCli(args: readonly string[], options: SpawnSyncOptions & { nodeOptions?: string[] } = {}): CliRun {
  const { nodeOptions = [], ...spawnOptions } = options;
  const result = spawnSync(process.execPath, [...nodeOptions, BIN, ...args], { encoding: 'utf8', timeout: 60_000, ...spawnOptions });
  return { code: result.status, signal: result.signal, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '') };
}
