import { lstatSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** Symbolic links followed in a row before giving up, as Linux does (`ELOOP`). */
const MAX_LINK_HOPS = 40;

/**
 * The file a write to `path` creates or replaces, with its directories resolved, so that every path
 * naming the same file gives the same answer (e.g. to share one lock next to it). A symbolic link is
 * followed, also a dangling one: writing through it creates the file it points to, as
 * `open(path, 'w')` does (the Python SDK's writes). A missing file is named in its resolved
 * directory, or as given if that directory is missing too.
 *
 * @param path - The file to write.
 * @returns The absolute path of the file to write.
 * @throws The system error if the path cannot be resolved (`ELOOP` for a cycle of links, `EACCES`).
 */
export function writeTarget(path: string): string {
  try {
    return realpathSync.native(path);
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  let target = resolve(path);
  for (let hops = 0; ; hops += 1) {
    let isLink: boolean;
    try {
      isLink = lstatSync(target).isSymbolicLink();
    } catch {
      break; // Missing (or under a file): the write reports it.
    }
    if (!isLink) break;
    if (hops === MAX_LINK_HOPS) throw Object.assign(new Error(`too many symbolic links at '${path}'`), { code: 'ELOOP', path });
    // The link's text is relative to the directory the link really is in, not to the path it was reached by.
    target = resolve(realpathSync.native(dirname(target)), readlinkSync(target));
  }
  try {
    return join(realpathSync.native(dirname(target)), basename(target));
  } catch (error) {
    if (isMissing(error)) return target;
    throw error;
  }
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
