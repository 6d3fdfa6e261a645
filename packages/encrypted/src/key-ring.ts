import { InvalidArgumentError, type TokenStorageError } from '@globus-tokenstorage/core';
import { safeErrorName } from '@globus-tokenstorage/core/backend';
import { KeyUnavailableError } from './errors';
import { isValidKeyId, type KeyProvider } from './key-provider';
import { SettledCache } from './settled-cache';

/**
 * The keys of one storage, imported once per key id as non-extractable WebCrypto keys. A failed
 * fetch is not remembered, so the next call asks the provider again (a keychain unlocked meanwhile).
 */
export class KeyRing {
  private readonly keys = new SettledCache<CryptoKey>();

  /** @param provider - Where the keys come from. */
  constructor(private readonly provider: KeyProvider) {}

  /**
   * @returns The provider's current key id.
   * @throws {@link KeyUnavailableError} if the provider fails or returns a malformed id.
   */
  async currentKeyId(): Promise<string> {
    let keyId: unknown;
    try {
      keyId = await this.provider.currentKeyId();
    } catch (error) {
      throw asKeyUnavailable(error, null);
    }
    if (!isValidKeyId(keyId)) {
      throw new KeyUnavailableError('the key provider returned a malformed current key id (expected 1-64 of A-Z a-z 0-9 . _ ~ -)', {
        keyId: null,
      });
    }
    return keyId;
  }

  /**
   * @param keyId - A key id.
   * @returns Its AES-GCM key.
   * @throws {@link KeyUnavailableError} if the provider cannot give it or gives something that is not a 256-bit key.
   */
  key(keyId: string): Promise<CryptoKey> {
    return this.keys.get(keyId, () => this.fetch(keyId));
  }

  private async fetch(keyId: string): Promise<CryptoKey> {
    let material: unknown;
    try {
      material = await this.provider.getKey(keyId);
    } catch (error) {
      throw asKeyUnavailable(error, keyId);
    }
    return importAesKey(material, keyId);
  }
}

/**
 * Turns what a provider returned into a non-extractable AES-GCM key.
 *
 * @throws {@link KeyUnavailableError} if it is neither 32 bytes nor a 256-bit AES-GCM `CryptoKey`.
 */
async function importAesKey(material: unknown, keyId: string): Promise<CryptoKey> {
  if (material instanceof Uint8Array) {
    if (material.byteLength !== 32) {
      throw new KeyUnavailableError(`the key provider gave ${material.byteLength} bytes for key id '${keyId}'; AES-256 needs 32`, {
        keyId,
      });
    }
    return globalThis.crypto.subtle.importKey('raw', new Uint8Array(material), { name: 'AES-GCM' }, false, ['encrypt', 'decrypt']);
  }
  const algorithm = (material as CryptoKey | null)?.algorithm as AesKeyAlgorithm | undefined;
  if (algorithm?.name === 'AES-GCM' && algorithm.length === 256) return material as CryptoKey;
  throw new KeyUnavailableError(`the key provider gave neither 32 bytes nor an AES-GCM 256-bit CryptoKey for key id '${keyId}'`, { keyId });
}

/** Wraps a provider's failure, keeping our typed errors and naming only the class of others. */
function asKeyUnavailable(error: unknown, keyId: string | null): TokenStorageError {
  if (KeyUnavailableError.isInstance(error) || InvalidArgumentError.isInstance(error)) return error;
  const which = keyId === null ? 'the current key id' : `key id '${keyId}'`;
  const name = safeErrorName(error) ?? 'an error';
  return new KeyUnavailableError(`the key provider failed to give ${which} (${name}; see the cause)`, { keyId, cause: error });
}
