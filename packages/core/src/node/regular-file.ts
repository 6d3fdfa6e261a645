import { closeSync, constants, fstatSync, openSync, type BigIntStats, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/**
 * Flags that open a file for reading without ever waiting: `O_NONBLOCK` makes opening a FIFO
 * return at once instead of waiting for a writer, and changes nothing for a regular file. With the
 * type check on the opened descriptor, a FIFO swapped in after a `stat` cannot hang the read
 * either. (Windows has neither the flag nor FIFOs at a path.)
 */
const READ_WITHOUT_BLOCKING = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** What kind of file `stats` describes, in words, for anything but a regular file or a directory. */
function describeType(stats: Stats | BigIntStats): string {
  if (stats.isFIFO()) return 'a FIFO (named pipe)';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'a special file';
}

/**
 * Refuses anything but a regular file: reading a FIFO waits for a writer that may never come, and a
 * device may never end. Pass the `stat` (not `lstat`) of the path, so that a symbolic link to a
 * regular file is accepted.
 *
 * @param stats - The file's `stat`.
 * @param path - The file, named in the error.
 * @throws An `Error` with `code` `EISDIR` for a directory, else `EFTYPE` (libuv's "inappropriate file
 *   type"), `path` and `fileType` (e.g. "a FIFO (named pipe)"): `toTokenFileAccessError` turns both
 *   into a `TokenFileAccessError` naming the token file.
 */
export function assertRegularFile(stats: Stats | BigIntStats, path: string): void {
  if (stats.isFile()) return;
  if (stats.isDirectory()) throw Object.assign(new Error(`'${path}' is a directory`), { code: 'EISDIR', path });
  const fileType = describeType(stats);
  throw Object.assign(new Error(`'${path}' is not a regular file but ${fileType}`), { code: 'EFTYPE', path, fileType });
}

/** A file opened by {@link openRegularFileSync}: its descriptor, and its `fstat` (taken for the type check). */
export interface OpenRegularFile {
  fd: number;
  stats: BigIntStats;
}

/**
 * Opens a file for reading, only if it is a regular file (or a symbolic link to one); never waits on
 * a FIFO. The type is checked on the opened descriptor, so the file read is the file checked.
 *
 * @param path - The file.
 * @returns The open descriptor (close it when done) and its `stat`.
 * @throws The system error of `open` (`ENOENT`…), or the error of {@link assertRegularFile}.
 */
export function openRegularFileSync(path: string): OpenRegularFile {
  const fd = openSync(path, READ_WITHOUT_BLOCKING);
  try {
    const stats = fstatSync(fd, { bigint: true });
    assertRegularFile(stats, path);
    return { fd, stats };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** A file opened by {@link openRegularFile}: its handle, and its `stat` (taken for the type check). */
export interface OpenRegularFileHandle {
  handle: FileHandle;
  stats: BigIntStats;
}

/**
 * The asynchronous {@link openRegularFileSync}: opens a file for reading, only if it is a regular
 * file (or a symbolic link to one); never waits on a FIFO.
 *
 * @param path - The file.
 * @returns The open file (close it when done) and its `stat`.
 * @throws The system error of `open` (`ENOENT`…), or the error of {@link assertRegularFile}.
 */
export async function openRegularFile(path: string): Promise<OpenRegularFileHandle> {
  const handle = await open(path, READ_WITHOUT_BLOCKING);
  try {
    const stats = await handle.stat({ bigint: true });
    assertRegularFile(stats, path);
    return { handle, stats };
  } catch (error) {
    await handle.close();
    throw error;
  }
}
