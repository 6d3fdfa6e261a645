import {
  closeSync,
  fchmodSync,
  fsync,
  fsyncSync,
  lstatSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  writevSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { assertKnownOptions } from '../arguments/assert-known-options';
import { InvalidArgumentError } from '../errors';
import { assertRegularFile } from './regular-file';
import { ensurePrivateDirectory } from './secure-directory';
import { temporaryPathFor } from './temporary-files';
import { assertWritableMode, toTokenFileAccessError } from './token-file-access-error';
import { writeTarget } from './write-target';

/** Mode of token files this project writes: owner read/write only. */
export const PRIVATE_FILE_MODE = 0o600;

/** What {@link writeFileAtomic} writes: text (as UTF-8), bytes, or byte chunks written one after the other. */
export type AtomicWriteData = string | Uint8Array | readonly Uint8Array[];

/** Buffers per `writev` call (Linux's `IOV_MAX`). */
const MAX_CHUNKS_PER_WRITE = 1024;

/**
 * Files up to this size are flushed by a direct call: their flush waits for one journal commit, like
 * the directory's, and a thread-pool round trip would add a good part of that again. Larger files
 * are flushed off the event loop, which would otherwise wait while their data is written out.
 */
const DIRECT_FLUSH_MAX_BYTES = 64 * 1024;

/**
 * Replaces a file's content atomically: a crash at any instant leaves either the old file or the
 * new one, never a mix. The data goes to a temporary file in the same directory, which is given
 * mode `0600` (whatever the umask), flushed to disk and renamed over the target; then the directory
 * is flushed so the rename itself survives a power loss. Missing parent directories are created
 * `0700`. A symbolic link is followed, so the file it points to is replaced, or created when the
 * link is dangling (as `open(path, 'w')` does), with its missing directories.
 *
 * A file without owner write permission (e.g. `chmod 400`) is not replaced: its owner made it
 * read-only. Nor is anything that is not a regular file (a FIFO, a device, a directory).
 *
 * The steps are direct (synchronous) calls: metadata operations and copies into the page cache are
 * quick, and a flush that waits for one journal commit (the directory's, a small file's) costs less
 * than a thread-pool round trip would add. Only the data of a file over 64 KiB is flushed off the
 * event loop, as writing it out takes longer the bigger it is.
 *
 * @param filePath - The file to write.
 * @param data - The new content; chunks are written in order, without joining them first.
 * @param options - `mode` of the written file. @default 0o600
 * @throws {@link TokenFileAccessError} naming `filePath` if the file is read-only or not a regular
 *   file (a directory, a FIFO), or the file system refuses (permissions, read-only file system, full
 *   disk); the file is unchanged.
 * @throws {@link InvalidArgumentError} for an unknown option, or `data` that is not text, bytes or an
 *   array of bytes (nothing is written).
 */
export async function writeFileAtomic(filePath: string, data: AtomicWriteData, options: { mode?: number } = {}): Promise<void> {
  assertKnownOptions(options, ['mode'], 'writeFileAtomic');
  const chunks = chunksOf(data);
  try {
    await replaceFile(filePath, chunks, options.mode ?? PRIVATE_FILE_MODE);
  } catch (error) {
    throw toTokenFileAccessError(error, filePath, 'write');
  }
}

async function replaceFile(filePath: string, chunks: readonly Uint8Array[], mode: number): Promise<void> {
  const target = resolveTarget(filePath);
  const directory = dirname(target);
  const temporary = temporaryPathFor(target);
  const fd = await createTemporary(temporary, mode);
  let isClosed = false;
  try {
    fchmodSync(fd, mode);
    writeAll(fd, chunks);
    if (byteLength(chunks) <= DIRECT_FLUSH_MAX_BYTES) fsyncSync(fd);
    else await fsyncAsync(fd);
    isClosed = true;
    closeSync(fd);
    renameSync(temporary, target);
  } catch (error) {
    if (!isClosed) quietly(() => closeSync(fd));
    quietly(() => unlinkSync(temporary));
    throw error;
  }
  syncDirectory(directory);
}

/** Undoes what it can after a failure; the failure itself is what the caller gets. */
function quietly(undo: () => void): void {
  try {
    undo();
  } catch {
    // Nothing more to undo (e.g. the temporary file was already renamed).
  }
}

function chunksOf(data: AtomicWriteData): readonly Uint8Array[] {
  if (typeof data === 'string') return [Buffer.from(data, 'utf8')];
  if (data instanceof Uint8Array) return [data];
  if (Array.isArray(data) && data.every((chunk) => chunk instanceof Uint8Array)) return data;
  throw new InvalidArgumentError('writeFileAtomic: data must be a string, a Uint8Array or an array of Uint8Array');
}

/**
 * The file to replace: the target of a symbolic link (see {@link writeTarget}), else the path
 * itself. Only the last component matters (a rename through a linked directory replaces the file in
 * the directory it points to), so the common case costs one `lstat`, which also tells whether
 * something that is not a regular file, or a file its owner made read-only, stands there (refused).
 */
function resolveTarget(filePath: string): string {
  let target = filePath;
  let stats = lstatSync(filePath, { throwIfNoEntry: false });
  if (stats?.isSymbolicLink()) {
    target = writeTarget(filePath);
    stats = statSync(target, { throwIfNoEntry: false });
  }
  if (stats !== undefined) {
    assertRegularFile(stats, filePath);
    assertWritableMode(stats.mode, filePath);
  }
  return target;
}

/** Creates the temporary file exclusively, creating missing parent directories only when needed. */
async function createTemporary(temporary: string, mode: number): Promise<number> {
  try {
    return openSync(temporary, 'wx', mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await ensurePrivateDirectory(dirname(temporary));
  return openSync(temporary, 'wx', mode);
}

/** Writes every chunk, in order, at the file's current offset; short writes are completed. */
function writeAll(fd: number, chunks: readonly Uint8Array[]): void {
  for (let start = 0; start < chunks.length; start += MAX_CHUNKS_PER_WRITE) {
    const batch = chunks.slice(start, start + MAX_CHUNKS_PER_WRITE);
    let written = writevSync(fd, batch);
    for (const chunk of batch) {
      if (written >= chunk.length) {
        written -= chunk.length;
        continue;
      }
      for (let offset = written; offset < chunk.length; ) offset += writeSync(fd, chunk, offset);
      written = 0;
    }
  }
}

function byteLength(chunks: readonly Uint8Array[]): number {
  let total = 0;
  for (const chunk of chunks) total += chunk.length;
  return total;
}

function fsyncAsync(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));
}

/** Flushes a directory entry change; platforms that cannot open directories (Windows) skip it. */
function syncDirectory(directory: string): void {
  let fd: number;
  try {
    fd = openSync(directory, 'r');
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw error;
  } finally {
    closeSync(fd);
  }
}
