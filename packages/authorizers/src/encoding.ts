import { InvalidArgumentError } from '@globus-tokenstorage/core';
import { isWellFormedText } from '@globus-tokenstorage/core/backend';

const encoder = new TextEncoder();

/**
 * Python's `urllib.parse.quote_plus`: UTF-8, every byte but `A-Z a-z 0-9 _ . - ~` percent-encoded
 * in upper case, spaces as `+`. (`encodeURIComponent` also leaves `! ' ( ) *` alone.)
 */
export function quotePlus(value: string): string {
  let encoded: string;
  try {
    encoded = encodeURIComponent(value);
  } catch {
    throw new InvalidArgumentError('a form or query value contains an unpaired UTF-16 surrogate');
  }
  return encoded.replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');
}

/**
 * Python's `quote` of one path segment: like {@link quotePlus} but spaces as `%20`. `.` and `..`
 * are refused: URL parsers resolve them (also as `%2e`), which would send the request elsewhere.
 *
 * @throws {@link InvalidArgumentError} for a dot segment or an unpaired UTF-16 surrogate.
 */
export function quotePathSegment(value: string, name: string): string {
  if (value === '.' || value === '..') throw new InvalidArgumentError(`'${name}' cannot be '${value}'`);
  return quotePlus(value).replace(/\+/g, '%20');
}

/** Python's `urllib.parse.urlencode` of an ordered list of pairs (how `requests` encodes forms). */
export function urlencode(pairs: ReadonlyArray<readonly [string, string]>): string {
  return pairs.map(([key, value]) => `${quotePlus(key)}=${quotePlus(value)}`).join('&');
}

/**
 * Standard base64 with padding of the UTF-8 bytes of `text` (no `Buffer`: runs in browsers too).
 *
 * @throws {@link InvalidArgumentError} for an unpaired UTF-16 surrogate, which has no UTF-8 form
 *   (`TextEncoder` would silently send U+FFFD instead).
 */
export function base64Utf8(text: string): string {
  if (!isWellFormedText(text)) throw new InvalidArgumentError('a credential contains an unpaired UTF-16 surrogate');
  return base64(encoder.encode(text));
}

/** Standard base64 with padding. */
export function base64(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Base64url without padding (RFC 7636 appendix A). */
export function base64Url(bytes: Uint8Array): string {
  return base64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** The UTF-8 bytes of `text`. */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(text);
}
