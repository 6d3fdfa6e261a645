import { fromBase64, toBase64Url } from './base64url';
import { TokenDecryptionError } from './errors';
import { isValidKeyId } from './key-provider';

/** What every encrypted value starts with. */
export const ENCRYPTED_PREFIX = 'gts-enc:';
/** The format written: `gts-enc:v1:<keyId>:<iv>:<ciphertext and tag>`, both base64url. */
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Where a value belongs; bound into its associated data, so it decrypts nowhere else. */
export interface ValuePlace {
  namespace: string;
  resourceServer: string;
  field: string;
}

/** The parts of an encrypted value. */
export interface ParsedValue {
  keyId: string;
  iv: Uint8Array<ArrayBuffer>;
  sealed: Uint8Array<ArrayBuffer>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * @param value - A stored field value.
 * @returns Whether it is written in our encrypted form (of any version).
 */
export function isEncryptedValue(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(ENCRYPTED_PREFIX);
}

/**
 * @param value - An encrypted value.
 * @returns The key id it names, or `null` if it names none readable.
 */
export function keyIdOf(value: string): string | null {
  const keyId = value.split(':')[2];
  return isValidKeyId(keyId) ? keyId : null;
}

function associatedData(place: ValuePlace, keyId: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(JSON.stringify([ENCRYPTED_PREFIX + VERSION, place.namespace, place.resourceServer, place.field, keyId]));
}

/**
 * Encrypts one value with a fresh 96-bit IV.
 *
 * @returns `gts-enc:v1:<keyId>:<iv>:<ciphertext>`.
 */
export async function encryptValue(plaintext: string, place: ValuePlace, keyId: string, key: CryptoKey): Promise<string> {
  const iv = globalThis.crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = await globalThis.crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: associatedData(place, keyId) },
    key,
    encoder.encode(plaintext),
  );
  return `${ENCRYPTED_PREFIX}${VERSION}:${keyId}:${toBase64Url(iv)}:${toBase64Url(new Uint8Array(sealed))}`;
}

/**
 * Splits an encrypted value.
 *
 * @throws {@link TokenDecryptionError} if it is malformed or of an unknown version.
 */
export function parseEncryptedValue(value: string, place: ValuePlace): ParsedValue {
  const parts = value.split(':');
  const keyId = parts[2] !== undefined && isValidKeyId(parts[2]) ? parts[2] : null;
  const fail = (why: string) =>
    new TokenDecryptionError(`the ${place.field} of '${place.resourceServer}' in namespace '${place.namespace}' ${why}`, {
      ...place,
      keyId,
    });
  if (parts[1] !== VERSION)
    throw fail(
      `is in an encrypted format this version cannot read ('${String(parts[1]).slice(0, 8)}'; upgrade @globus-tokenstorage/encrypted)`,
    );
  if (parts.length !== 5 || keyId === null) throw fail('is not a well-formed encrypted value');
  const iv = fromBase64(parts[3] ?? '');
  const sealed = fromBase64(parts[4] ?? '');
  if (iv === null || iv.length !== IV_BYTES || sealed === null || sealed.length < TAG_BYTES)
    throw fail('is not a well-formed encrypted value');
  return { keyId, iv, sealed };
}

/**
 * Decrypts one parsed value.
 *
 * @throws {@link TokenDecryptionError} if the key is wrong, a byte changed, or the value belongs elsewhere.
 */
export async function decryptValue(parsed: ParsedValue, place: ValuePlace, key: CryptoKey): Promise<string> {
  let plain: ArrayBuffer;
  try {
    plain = await globalThis.crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: parsed.iv, additionalData: associatedData(place, parsed.keyId) },
      key,
      parsed.sealed,
    );
    return decoder.decode(plain);
  } catch {
    throw new TokenDecryptionError(
      `the ${place.field} of '${place.resourceServer}' in namespace '${place.namespace}' does not decrypt with key id '${parsed.keyId}' ` +
        '(a different key under that id, a changed byte, or a value copied from another entry); the entry was left unchanged',
      { ...place, keyId: parsed.keyId },
    );
  }
}
