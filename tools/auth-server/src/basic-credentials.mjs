// HTTP Basic client credentials, read verbatim as Globus reads them.
import { timingSafeEqual } from 'node:crypto';

/**
 * Globus reads Basic credentials verbatim; RFC 6749 (and oidc-provider) form-decode them, which
 * would turn the `+` of a secret into a space. Re-encoding them first makes both agree.
 *
 * @param {string} header - An `Authorization` header.
 * @returns {string} The header oidc-provider reads as Globus would read `header`.
 */
export function formEncodeBasic(header) {
  const match = /^basic\s+(\S+)$/i.exec(header);
  if (!match) return header;
  const decoded = Buffer.from(/** @type {string} */ (match[1]), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return header;
  const encoded = `${encodeURIComponent(decoded.slice(0, colon))}:${encodeURIComponent(decoded.slice(colon + 1))}`;
  return `Basic ${Buffer.from(encoded, 'utf8').toString('base64')}`;
}

/**
 * @param {string | undefined} header - An `Authorization` header.
 * @returns {{ clientId: string; clientSecret: string } | null} Its Basic credentials, verbatim.
 */
export function basicCredentials(header) {
  const match = /^basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return null;
  const decoded = Buffer.from(/** @type {string} */ (match[1]), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) };
}

/**
 * @param {string} expected
 * @param {string} given
 * @returns {boolean} Whether the two secrets are equal, compared in constant time.
 */
export function sameSecret(expected, given) {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
