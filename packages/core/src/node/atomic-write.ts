import { randomBytes } from 'node:crypto';
import { open, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { assertKnownOptions } from '../arguments/assert-known-options';
import { InvalidArgumentError } from '../errors';
import { ensurePrivateDirectory } from './secure-directory';
import { assertWritableMode, toTokenFileAccessError } from './token-file-access-error';

/** Mode of token files this project writes: owner read/write only. */
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Replaces a file's content atomically: a crash at any instant leaves either the old file or the
 * new one, never a mix. The data goes to a temporary file in the same directory, which is flushed
 * to disk, given mode `0600` (whatever the umask), and renamed over the target; then the directory
 * is flushed so the rename itself survives a power loss. Missing parent directories are created
 * `0700`. A symbolic link is followed, so the file it points to is replaced.
 *
 * A file without owner write permission (e.g. `chmod 400`) is not replaced: its owner made it
 * read-only.
 *
 * @param filePath - The file to write.
 * @param data - The new content.
 * @param options - `mode` of the written file. @default 0o600
 * @throws {@link TokenFileAccessError} naming `filePath` if the file is read-only or a directory, or
 *   the file system refuses (permissions, read-only file system, full disk); the file is unchanged.
 * @throws {@link InvalidArgumentError} for an unknown option.
 */
export async function writeFileAtomic(filePath: string, data: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('writeFileAtomic options must be an object');
  assertKnownOptions(options, ['mode'], 'writeFileAtomic');
  try {
    await replaceFile(filePath, data, options.mode ?? PRIVATE_FILE_MODE);
  } catch (error) {
    throw toTokenFileAccessError(error, filePath, 'write');
  }
}

async function replaceFile(filePath: string, data: string | Uint8Array, mode: number): Promise<void> {
  const target = await resolveTarget(filePath);
  const existing = await stat(target).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (existing?.isDirectory()) throw Object.assign(new Error(`'${filePath}' is a directory`), { code: 'EISDIR', path: filePath });
  if (existing !== null) assertWritableMode(existing.mode, filePath);
  const directory = dirname(target);
  await ensurePrivateDirectory(directory);
  const temporary = join(directory, `.${basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', mode);
  try {
    try {
      await handle.chmod(mode);
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
