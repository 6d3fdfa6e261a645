import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Stops the run if a package's `dist` is missing or older than its sources: the benchmarks import
 * the built packages, and timing stale code would report figures of code that no longer exists.
 *
 * @param packagesDirectory - The workspace's `packages` folder.
 */
export function assertBuildIsCurrent(packagesDirectory: string): void {
  const stale: string[] = [];
  for (const name of readdirSync(packagesDirectory)) {
    const source = join(packagesDirectory, name, 'src');
    if (!existsSync(source)) continue;
    const built = join(packagesDirectory, name, 'dist', 'index.js');
    if (!existsSync(built) || newestModification(source) > statSync(built).mtimeMs) stale.push(name);
  }
  if (stale.length > 0) {
    console.error(`The built files of ${stale.join(', ')} are missing or older than their sources: run \`pnpm build\` first.`);
    process.exit(2);
  }
}

function newestModification(directory: string): number {
  let newest = 0;
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestModification(path) : statSync(path).mtimeMs);
  }
  return newest;
}
