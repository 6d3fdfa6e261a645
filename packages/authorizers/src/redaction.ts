import { REDACTED } from '@globus-tokenstorage/core';

/** Node's `util.inspect` hook, reached without importing `node:util` (this package runs in browsers). */
export const INSPECT_CUSTOM = Symbol.for('nodejs.util.inspect.custom');

/** `"[redacted]"` for a present secret, `null` for an absent one. */
export function redacted(secret: string | null): string | null {
  return secret === null ? null : REDACTED;
}

/** `ClassName({...})` from an already redacted description. */
export function describe(className: string, fields: Record<string, unknown>): string {
  return `${className}(${JSON.stringify(fields)})`;
}

/**
 * Replaces every occurrence of the given secrets in a text from a server (an error description
 * may echo what was sent). Very short values are left alone: they cannot be told from ordinary words.
 */
export function scrub(text: string, secrets: ReadonlyArray<string | null | undefined>): string {
  let result = text;
  for (const secret of secrets) {
    if (typeof secret === 'string' && secret.length >= 6) result = result.split(secret).join(REDACTED);
  }
  return result;
}
