import { spawnSync } from 'node:child_process';

/** A user and group id to run a child process as. */
export interface UnprivilegedUser {
  uid: number;
  gid: number;
}

/**
 * `nobody`, for tests that need a user the file permissions apply to: `null` unless this process
 * runs as root (only root may switch users; any other user is subject to the permissions already).
 */
export const NOBODY: UnprivilegedUser | null = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : null;

/**
 * Whether `user` may read `path`: a checkout inside a directory only its owner may enter (a clone in
 * `mktemp -d`) cannot run a script as `nobody`, whatever the script's own permissions.
 *
 * @param path - A file of the checkout the child process runs or loads.
 * @param user - The user the child runs as; `null` for this process's own user.
 * @returns Whether a child running as `user` can read it.
 */
export function canRead(path: string, user: UnprivilegedUser | null): boolean {
  if (user === null) return true;
  const check = `require('node:fs').accessSync(${JSON.stringify(path)}, require('node:fs').constants.R_OK)`;
  return spawnSync(process.execPath, ['-e', check], { ...user, stdio: 'ignore' }).status === 0;
}
