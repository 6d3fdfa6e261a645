import { InvalidArgumentError } from '../errors';
import type { RenamedOptions } from './renamed-options';

/**
 * Refuses an options object with a key the callee does not know, so that a misspelt option
 * (`{ namspace: 'x' }` from plain JavaScript) fails at once instead of being silently ignored.
 * Only own enumerable string keys are checked. One call checks both that `options` is an object
 * and that its keys are known.
 *
 * @param options - The options object as the caller passed it.
 * @param allowedKeys - Every option the callee reads.
 * @param ownerName - Names the callee in the message, e.g. `"SQLiteTokenStorage"`.
 * @param renamed - Names the callee refuses because the project's vocabulary gives their meaning
 *   another name (see {@link RenamedOptions}); such a key is refused naming the one to use. @default {}
 * @throws {@link InvalidArgumentError} if `options` is not an object (`<ownerName>: options must be
 *   an object`); for a renamed key, naming the one to use and why; for any other unknown key, naming
 *   it, the nearest known one when it looks like a misspelling of it, and every known option.
 *
 * @example
 * ```ts
 * constructor(options: PostgresTokenStorageOptions = {}) {
 *   assertKnownOptions(options, [...TOKEN_STORAGE_OPTION_KEYS, 'schema', 'table'], 'PostgresTokenStorage');
 *   super(options);
 * }
 * ```
 */
export function assertKnownOptions(
  options: unknown,
  allowedKeys: readonly string[],
  ownerName: string,
  renamed: RenamedOptions = {},
): asserts options is object {
  if (typeof options !== 'object' || options === null) throw new InvalidArgumentError(`${ownerName}: options must be an object`);
  for (const key of Object.keys(options)) {
    if (allowedKeys.includes(key)) continue;
    const rename = Object.hasOwn(renamed, key) ? renamed[key] : undefined;
    if (rename !== undefined) throw new InvalidArgumentError(`${ownerName}: use '${rename.use}' instead of '${key}': ${rename.because}`);
    const nearest = nearestKey(key, allowedKeys);
    const shown = key.length > 40 ? `${key.slice(0, 40)}…` : key;
    throw new InvalidArgumentError(
      `${ownerName}: unknown option ${JSON.stringify(shown)}${nearest === null ? '' : ` (did you mean '${nearest}'?)`}; ` +
        `the options are ${allowedKeys.length === 0 ? '(none)' : allowedKeys.map((allowed) => `'${allowed}'`).join(', ')}`,
    );
  }
}

/** The known key closest to `key` when it is close enough to be a misspelling of it, else `null`. */
function nearestKey(key: string, allowedKeys: readonly string[]): string | null {
  const lowered = key.toLowerCase();
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const allowed of allowedKeys) {
    const known = allowed.toLowerCase();
    // A shortened or extended name (`margin` for `marginSeconds`) is as good as one typo.
    const isAffix = Math.min(known.length, lowered.length) >= 3 && (known.startsWith(lowered) || lowered.startsWith(known));
    const distance = isAffix ? 1 : editDistance(lowered, known);
    if (distance < bestDistance) {
      best = allowed;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? best : null;
}

/** Edits (insert, delete, replace, swap of neighbours) that turn `a` into `b`. */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 8) return Infinity;
  let beforePrevious: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min((previous[j] as number) + 1, (current[j - 1] as number) + 1, (previous[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        distance = Math.min(distance, (beforePrevious[j - 2] as number) + 1);
      current.push(distance);
    }
    beforePrevious = previous;
    previous = current;
  }
  return previous[b.length] as number;
}
