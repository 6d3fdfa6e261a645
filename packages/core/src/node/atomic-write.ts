import { randomBytes } from 'node:crypto';
import { open, realpath, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ensurePrivateDirectory } from './secure-directory';

/** Mode of token files this project writes: owner read/write only. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Replaces a file's content atomically: a crash at any instant leaves either the old file or the
 * new one, never a mix. The data goes to a temporary file in the same directory, which is flushed
 * to disk, given mode `0600` (whatever the umask), and renamed over the target; then the directory
 * is flushed so the rename itself survives a power loss. Missing parent directories are created
 * `0700`. A symbolic link is followed, so the file it points to is replaced.
 *
 * @param filePath - The file to write.
 * @param data - The new content.
 * @param options - `mode` of the written file. @default 0o600
 */
export async function writeFileAtomic(filePath: string, data: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  const target = await resolveTarget(filePath);
  const directory = dirname(target);
  await ensurePrivateDirectory(directory);
  const temporary = join(directory, `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', options.mode ?? PRIVATE_FILE_MODE);
  try {
    try {
      await handle.chmod(options.mode ?? PRIVATE_FILE_MODE);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, target);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await syncDirectory(directory);
}

async function resolveTarget(filePath: string): Promise<string> {
  try {
    return await realpath(filePath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return filePath;
    throw error;
  }
}

/** Flushes a directory entry change; platforms that cannot open directories (Windows) skip it. */
async function syncDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, 'r');
  } catch {
    return;
  }
  try {
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw error;
  } finally {
    await handle.close();
  }
}
