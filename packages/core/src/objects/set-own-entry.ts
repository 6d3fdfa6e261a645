/**
 * Sets `target[key] = value` as an own, enumerable, writable property, as a JSON parser would, even
 * for keys such as `__proto__` that plain assignment would turn into a prototype change.
 *
 * @param target - The object to add the entry to.
 * @param key - The entry's key, from data (a resource server, a namespace, a JSON key).
 * @param value - The entry's value.
 */
export function setOwnEntry(target: object, key: PropertyKey, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
