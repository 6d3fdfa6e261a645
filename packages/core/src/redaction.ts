import { setOwnEntry } from './objects/set-own-entry';

/** What every redacted secret is replaced with in logs, `toJSON`, `toString` and `util.inspect`. */
export const REDACTED = '[redacted]';

/** Node's `util.inspect` hook, reached without importing `node:util` (core also runs in browsers). */
export const INSPECT_CUSTOM = Symbol.for('nodejs.util.inspect.custom');

/** Keys whose values are secrets wherever they appear in token responses or stored extras. */
const SECRET_KEY = /token|secret|password|assertion|verifier|^code$/i;
/** Keys that match {@link SECRET_KEY} but name no secret. */
const NOT_SECRET_KEY = /^token_?type$/i;
/** Past this depth a value is summarised instead of copied, so hostile input cannot blow the stack. */
const MAX_DEPTH = 32;

/**
 * `"[redacted]"` for a present secret, `null` for an absent one.
 *
 * @param value - The secret, or `null`.
 * @returns {@link REDACTED}, or `null`.
 */
export function redactSecret(value: string | null): string | null {
  return value === null ? null : REDACTED;
}

/**
 * A deep copy of a JSON-like value in which the value of every secret-looking key (`access_token`,
 * `id_token`, `client_secret`, …) is replaced by {@link REDACTED}.
 */
export function redactSecretFields(value: unknown, depth = 0): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_DEPTH) return '[…]';
  if (Array.isArray(value)) return value.map((item) => redactSecretFields(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    const isSecret = SECRET_KEY.test(key) && !NOT_SECRET_KEY.test(key) && item !== null && item !== undefined;
    const shown = isSecret ? REDACTED : redactSecretFields(item, depth + 1);
    setOwnEntry(copy, key, shown);
  }
  return copy;
}
