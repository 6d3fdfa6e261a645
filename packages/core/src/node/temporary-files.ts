import { readdirSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Hex digits of a temporary file's random part. */
const SUFFIX_DIGITS = 12;

/** `<random part>.tmp`, after the `.<name>.` of the file being replaced. */
const TEMPORARY_TAIL = new RegExp(`^[0-9a-f]{${SUFFIX_DIGITS}}\\.tmp$`);

/**
 * The temporary file {@link writeFileAtomic} writes before renaming it over `target`:
 * `.<name>.<12 hex digits>.tmp` in the target's own directory (a rename is atomic only within one
 * file system). The random part only needs to differ from other writers' (the file is created
 * exclusively), not to be unpredictable, so `Math.random` serves: a cryptographic draw costs more
 * than the rest of the write's metadata calls on some machines.
 *
 * @param target - The file to be replaced (links already followed).
 * @returns A path next to it.
 */
export function temporaryPathFor(target: string): string {
  const suffix = Math.floor(Math.random() * 2 ** 48)
    .toString(16)
    .padStart(SUFFIX_DIGITS, '0');
  return join(dirname(target), `.${basename(target)}.${suffix}.tmp`);
}

/**
 * Removes the temporary files that writers killed during {@link writeFileAtomic} left next to
 * `target` (see {@link temporaryPathFor}). Call it only while no live writer can be writing
 * `target`: under the lock that every writer of the file holds, once that lock was recovered from
 * a dead holder. Best effort: what cannot be listed or removed stays.
 *
 * @param target - The file whose leftovers to remove (links already followed, e.g. by `writeTarget`).
 */
export function removeAbandonedTemporaryFiles(target: string): void {
  const directory = dirname(target);
  const prefix = `.${basename(target)}.`;
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return;
  }
  for (const entry of names) {
    if (!entry.startsWith(prefix) || !TEMPORARY_TAIL.test(entry.slice(prefix.length))) continue;
    try {
      unlinkSync(join(directory, entry));
    } catch {
      // Gone already.
    }
  }
}
