import { defineHiddenContext } from './hidden-context';
import { ErrorCodes, TokenStorageError, type TokenStorageErrorOptions } from '@globus-tokenstorage/core';

/** Options of {@link KeyUnavailableError}. */
export interface KeyUnavailableErrorOptions extends TokenStorageErrorOptions {
  /** The key id asked for, or `null` when the current key id itself could not be had. */
  keyId: string | null;
}

/**
 * No key could be had: the environment variable is unset or malformed, the keychain is locked, no
 * Secret Service runs on the session bus, the optional `@napi-rs/keyring` is not installed, a
 * custom provider failed, or the provider does not know the key id a value names. The message says
 * what to do; it never holds key material.
 */
export class KeyUnavailableError extends TokenStorageError {
  static override readonly errorName: string = 'KeyUnavailableError';
  static override readonly code = ErrorCodes.KEY_UNAVAILABLE;
  declare readonly code: typeof ErrorCodes.KEY_UNAVAILABLE;
  /** The key id asked for, or `null` when the current key id itself could not be had. */
  declare readonly keyId: string | null;

  /**
   * @param message - What is missing and what to do about it.
   * @param options - `keyId` and an optional `cause`.
   */
  constructor(message: string, options: KeyUnavailableErrorOptions) {
    super(message, options);
    defineHiddenContext(this, { keyId: options.keyId });
  }
}

/** Options of {@link TokenDecryptionError}. */
export interface TokenDecryptionErrorOptions extends TokenStorageErrorOptions {
  /** The namespace of the entry. */
  namespace: string;
  /** The resource server (mapping key) of the entry. */
  resourceServer: string;
  /** The field whose value did not decrypt (`access_token`, `refresh_token`, `id_token`, …). */
  field: string;
  /** The key id the value names, or `null` if the value is too damaged to name one. */
  keyId: string | null;
}

/**
 * A stored value did not decrypt: the key behind its key id is not the one it was encrypted with,
 * a byte of it changed, or it was copied from another namespace, resource server or field. The
 * entry is left as it is (never dropped or overwritten); restore the right key or the store.
 */
export class TokenDecryptionError extends TokenStorageError {
  static override readonly errorName: string = 'TokenDecryptionError';
  static override readonly code = ErrorCodes.TOKEN_DECRYPTION_FAILED;
  declare readonly code: typeof ErrorCodes.TOKEN_DECRYPTION_FAILED;
  /** The namespace of the entry. */
  declare readonly namespace: string;
  /** The resource server (mapping key) of the entry. */
  declare readonly resourceServer: string;
  /** The field whose value did not decrypt. */
  declare readonly field: string;
  /** The key id the value names, or `null` if the value is too damaged to name one. */
  declare readonly keyId: string | null;

  /**
   * @param message - What did not decrypt, naming namespace, resource server, field and key id.
   * @param options - The entry's coordinates and an optional `cause`.
   */
  constructor(message: string, options: TokenDecryptionErrorOptions) {
    super(message, options);
    const { namespace, resourceServer, field, keyId } = options;
    defineHiddenContext(this, { namespace, resourceServer, field, keyId });
  }
}
