import { InvalidTokenDataError } from '../errors';
import { setOwnEntry } from '../objects/set-own-entry';

/** Deepest nesting accepted inside `extra`; Python's json module fails long before this too. */
export const MAX_EXTRA_DEPTH = 100;

/**
 * Returns a deeply frozen copy of a JSON-compatible value, or throws `InvalidTokenDataError` naming
 * `label` if it holds anything JSON cannot represent, or nests deeper than {@link MAX_EXTRA_DEPTH}.
 * Iterative, so hostile input cannot overflow the stack.
 */
export function frozenJsonCopy(value: unknown, label: string): unknown {
  const root: { value?: unknown } = {};
  const pending: Array<{ source: unknown; target: object; key: string | number; depth: number }> = [
    { source: value, target: root, key: 'value', depth: 0 },
  ];
  const containers: object[] = [];
  while (pending.length > 0) {
    const { source, target, key, depth } = pending.pop()!;
    let copy: unknown;
    if (source === null || typeof source === 'string' || typeof source === 'boolean') {
      copy = source;
    } else if (typeof source === 'number') {
      if (!Number.isFinite(source)) throw new InvalidTokenDataError(`${label} must hold only finite numbers`);
      copy = source;
    } else if (typeof source === 'object') {
      if (depth >= MAX_EXTRA_DEPTH) throw new InvalidTokenDataError(`${label} nests deeper than ${MAX_EXTRA_DEPTH} levels`);
      if (Array.isArray(source)) {
        const array: unknown[] = new Array(source.length);
        source.forEach((item, index) => pending.push({ source: item, target: array, key: index, depth: depth + 1 }));
        copy = array;
      } else if (isPlainObject(source)) {
        const object: Record<string, unknown> = {};
        for (const [childKey, item] of Object.entries(source)) {
          // Define the key now so the copy keeps the source's key order; the value is filled in later.
          setOwnEntry(object, childKey, undefined);
          pending.push({ source: item, target: object, key: childKey, depth: depth + 1 });
        }
        copy = object;
      } else {
        throw new InvalidTokenDataError(`${label} must hold only JSON values (plain objects, arrays, strings, numbers, booleans, null)`);
      }
      containers.push(copy as object);
    } else {
      throw new InvalidTokenDataError(`${label} must hold only JSON values, not ${typeof source}`);
    }
    setOwnEntry(target, key, copy);
  }
  for (const container of containers) Object.freeze(container);
  return root.value;
}

/** Whether `value` is a plain object (`{}` or a null-prototype object), not an array, class or null. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}
