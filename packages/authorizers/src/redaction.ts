import { REDACTED } from '@globus-tokenstorage/core/backend';
import { quotePlus } from './encoding';

/** `ClassName({...})` from an already redacted description. */
export function describe(className: string, fields: Record<string, unknown>): string {
  return `${className}(${JSON.stringify(fields)})`;
}

/**
 * Replaces every occurrence of the given secrets in a text from a server (an error description
 * may echo what was sent), as they are and as they were sent: form- or URL-encoded, with upper or
 * lower case hex. Very short values are left alone: they cannot be told from ordinary words.
 */
export function scrub(text: string, secrets: ReadonlyArray<string | null | undefined>): string {
  let result = text;
  for (const secret of secrets) {
    if (typeof secret !== 'string' || secret.length < 6) continue;
    for (const form of encodedForms(secret)) result = result.split(form).join(REDACTED);
  }
  return result;
}

/** A secret as it is, and as a form body or a URL carries it. */
function encodedForms(secret: string): Set<string> {
  const forms = new Set([secret]);
  try {
    for (const encoded of [quotePlus(secret), encodeURIComponent(secret)]) {
      forms.add(encoded);
      forms.add(encoded.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()));
    }
  } catch {
    // An unpaired surrogate: such a value cannot have been sent encoded.
  }
  // Longest first, so that a form containing another is replaced whole.
  return new Set([...forms].sort((a, b) => b.length - a.length));
}
