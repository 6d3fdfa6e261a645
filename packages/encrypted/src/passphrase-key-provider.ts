import { InvalidArgumentError } from '@globus-tokenstorage/core';
import { assertKnownOptions } from '@globus-tokenstorage/core/backend';
import { fromBase64, toBase64Url } from './base64url';
import { KeyUnavailableError } from './errors';
import { hideInternals, type KeyProvider } from './key-provider';
import { SettledCache } from './settled-cache';

/** The least PBKDF2-SHA256 work accepted (OWASP's 2023 figure), and the most (a bound on a hostile key id). */
const MIN_ITERATIONS = 600_000;
const MAX_ITERATIONS = 10_000_000;
const SALT_BYTES = 16;
/** `pbkdf2-<iterations>-<salt, base64url>`: the key id carries what derivation needs besides the passphrase. */
const KEY_ID = /^pbkdf2-(\d{6,8})-([A-Za-z0-9_-]{22})$/;

/** Options of {@link PassphraseKeyProvider}. */
export interface PassphraseKeyProviderOptions {
  /** The passphrase, or a function asking for it (called once, when the first key is derived). */
  passphrase: string | (() => Promise<string>);
  /**
   * The salt of new values, 16 bytes in base64url (make one with `PassphraseKeyProvider.newSalt()`
   * and keep it in your configuration). Without it each provider draws a random one, so each run
   * derives one more key (about half a second).
   * @default a random salt per provider
   */
  salt?: string;
  /** PBKDF2-SHA256 iterations for new values (600 000 to 10 000 000). @default 600000 */
  iterations?: number;
}

/**
 * Keys derived from a passphrase with PBKDF2-SHA256 (WebCrypto; at least 600 000 iterations).
 * **Where the salt lives:** in the key id of every value (`pbkdf2-600000-<salt>`), so the passphrase
 * alone decrypts a store and nothing else needs keeping; values written with another salt or
 * iteration count (another run, another machine) stay readable. Each derived key is kept for the
 * life of the provider.
 *
 * @example
 * ```ts
 * const keys = new PassphraseKeyProvider({ passphrase: async () => prompt('Passphrase: ') });
 * ```
 */
export class PassphraseKeyProvider implements KeyProvider {
  /** @returns A fresh random salt for the `salt` option. */
  static newSalt(): string {
    return newSalt();
  }

  private readonly currentId: string;
  private readonly getPassphrase: () => Promise<string>;
  private passphrase: Promise<string> | null = null;
  private readonly derived = new SettledCache<CryptoKey>();

  /**
   * @param options - `passphrase`, `salt`, `iterations`.
   * @throws {@link InvalidArgumentError} for an empty passphrase, a malformed salt, iterations out of range or an unknown option.
   */
  constructor(options: PassphraseKeyProviderOptions) {
    assertKnownOptions(options, ['passphrase', 'salt', 'iterations'], 'PassphraseKeyProvider');
    const { passphrase, salt = newSalt(), iterations = MIN_ITERATIONS } = options;
    if (typeof passphrase === 'string') {
      if (passphrase === '') throw new InvalidArgumentError("'passphrase' must not be empty");
      this.getPassphrase = async () => passphrase;
    } else if (typeof passphrase === 'function') {
      this.getPassphrase = passphrase;
    } else {
      throw new InvalidArgumentError("'passphrase' must be a string or a function returning one");
    }
    if (!Number.isSafeInteger(iterations) || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
      throw new InvalidArgumentError(`'iterations' must be an integer from ${MIN_ITERATIONS} to ${MAX_ITERATIONS}`);
    }
    const saltBytes = typeof salt === 'string' ? fromBase64(salt) : null;
    if (saltBytes === null || saltBytes.length !== SALT_BYTES)
      throw new InvalidArgumentError(`'salt' must be ${SALT_BYTES} bytes in base64url (PassphraseKeyProvider.newSalt())`);
    this.currentId = `pbkdf2-${iterations}-${toBase64Url(saltBytes)}`;
    hideInternals(this, 'passphrase');
  }

  /** @returns `pbkdf2-<iterations>-<salt>` of new values. */
  async currentKeyId(): Promise<string> {
    return this.currentId;
  }

  /**
   * @param keyId - A `pbkdf2-…` key id.
   * @returns The derived key.
   * @throws {@link KeyUnavailableError} for a key id not of this provider's form, or if the passphrase function fails.
   */
  getKey(keyId: string): Promise<CryptoKey> {
    return this.derived.get(keyId, () => this.derive(keyId));
  }

  private async derive(keyId: string): Promise<CryptoKey> {
    const match = KEY_ID.exec(keyId);
    const iterations = Number(match?.[1]);
    if (!match || iterations < MIN_ITERATIONS || iterations > MAX_ITERATIONS) {
      throw new KeyUnavailableError(
        `key id '${keyId}' is not a passphrase key id (pbkdf2-<iterations>-<salt>); the value was written with another key provider`,
        { keyId },
      );
    }
    const passphrase = await this.passphraseOnce();
    const subtle = globalThis.crypto.subtle;
    const base = await subtle.importKey('raw', new TextEncoder().encode(passphrase), 'PBKDF2', false, ['deriveKey']);
    return subtle.deriveKey(
      { name: 'PBKDF2', hash: 'SHA-256', salt: fromBase64(match[2] as string) as Uint8Array<ArrayBuffer>, iterations },
      base,
      { name: 'AES-GCM', length: 256 },
      false,
      ['encrypt', 'decrypt'],
    );
  }

  private passphraseOnce(): Promise<string> {
    this.passphrase ??= Promise.resolve()
      .then(() => this.getPassphrase())
      .then((value) => {
        if (typeof value !== 'string' || value === '')
          throw new KeyUnavailableError('the passphrase function returned no passphrase', { keyId: null });
        return value;
      })
      .catch((error: unknown) => {
        this.passphrase = null;
        if (KeyUnavailableError.isInstance(error)) throw error;
        throw new KeyUnavailableError('the passphrase function failed (see the cause)', { keyId: null, cause: error });
      });
    return this.passphrase;
  }
}

/** A random salt of {@link SALT_BYTES} bytes in base64url. */
function newSalt(): string {
  return toBase64Url(globalThis.crypto.getRandomValues(new Uint8Array(SALT_BYTES)));
}
