import { chmod, mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/** Mode of directories this project creates: owner only. */
export const PRIVATE_DIRECTORY_MODE = 0o700;

/**
 * Makes sure a directory exists. Directories it creates (including missing parents) get mode
 * `0700` whatever the process umask; existing directories are left as they are.
 *
 * @param directory - The directory.
 */
export async function ensurePrivateDirectory(directory: string): Promise<void> {
  const missing: string[] = [];
  for (let current = resolve(directory); ; current = dirname(current)) {
    if (await exists(current)) break;
    missing.push(current);
    if (dirname(current) === current) break;
  }
  for (const path of missing.reverse()) {
    try {
      await mkdir(path, { mode: PRIVATE_DIRECTORY_MODE });
    } catch (error) {
      // Another process may create it at the same moment; that is fine.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      continue;
    }
    await chmod(path, PRIVATE_DIRECTORY_MODE);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
