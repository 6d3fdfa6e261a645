import { InvalidArgumentError } from '@globus-tokenstorage/core';
import { assertKnownOptions } from '@globus-tokenstorage/core/backend';
import { fromBase64, fromHex } from './base64url';
import { KeyUnavailableError } from './errors';
import { checkKeyId, hideInternals, isValidKeyId, type KeyProvider } from './key-provider';

/** Options of {@link EnvironmentKeyProvider}. */
export interface EnvironmentKeyProviderOptions {
  /** The environment variable holding the key(s). @default "GLOBUS_TOKENSTORAGE_KEY" */
  variable?: string;
  /** The key id of a key given without one. @default "env" */
  keyId?: string;
  /** Where to read the variable. @default `process.env` */
  env?: Readonly<Record<string, string | undefined>>;
}

/**
 * Keys from an environment variable: a 32-byte key in base64, base64url or hex (`openssl rand
 * -base64 32`), optionally with its key id as `id:key`. Several comma-separated keys name the
 * current key first and older ones after it, which keeps values written under them readable:
 * `GLOBUS_TOKENSTORAGE_KEY="2026-12:<new key>,2026-06:<old key>"`. The variable is read when
 * first needed and kept.
 *
 * @example
 * ```ts
 * const keys = new EnvironmentKeyProvider({ variable: 'GLOBUS_TOKEN_KEY' });
 * ```
 */
export class EnvironmentKeyProvider implements KeyProvider {
  private readonly variable: string;
  private readonly defaultKeyId: string;
  private readonly env: Readonly<Record<string, string | undefined>> | undefined;
  private parsed: { current: string; keys: Map<string, Uint8Array> } | null = null;

  /**
   * @param options - `variable`, `keyId`, `env`.
   * @throws {@link InvalidArgumentError} for an empty variable name, a malformed key id or an unknown option.
   */
  constructor(options: EnvironmentKeyProviderOptions = {}) {
    assertKnownOptions(options, ['variable', 'keyId', 'env'], 'EnvironmentKeyProvider');
    const variable = options.variable ?? 'GLOBUS_TOKENSTORAGE_KEY';
    if (typeof variable !== 'string' || variable === '') throw new InvalidArgumentError("'variable' must be a non-empty string");
    this.variable = variable;
    this.defaultKeyId = checkKeyId(options.keyId ?? 'env');
    this.env = options.env;
    hideInternals(this, `environment variable ${variable}`);
  }

  /**
   * @returns The id of the first key in the variable.
   * @throws {@link KeyUnavailableError} if the variable is unset or malformed.
   */
  async currentKeyId(): Promise<string> {
    return this.keys().current;
  }

  /**
   * @param keyId - A key id named in the variable.
   * @returns Its 32 bytes.
   * @throws {@link KeyUnavailableError} if the variable is unset, malformed or lacks that key id.
   */
  async getKey(keyId: string): Promise<Uint8Array> {
    const key = this.keys().keys.get(keyId);
    if (!key) {
      throw new KeyUnavailableError(
        `${this.variable} holds no key with id '${keyId}': add it after the current key ("<new id>:<new key>,${keyId}:<old key>")`,
        { keyId },
      );
    }
    return key;
  }

  private keys(): { current: string; keys: Map<string, Uint8Array> } {
    if (this.parsed) return this.parsed;
    const env = this.env ?? (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env ?? {};
    const text = env[this.variable]?.trim();
    if (!text) {
      throw new KeyUnavailableError(
        `the environment variable ${this.variable} is not set: set it to a 32-byte key, e.g. the output of \`openssl rand -base64 32\``,
        { keyId: null },
      );
    }
    const keys = new Map<string, Uint8Array>();
    for (const [index, item] of text.split(',').entries()) {
      const colon = item.indexOf(':');
      const keyId = colon < 0 ? this.defaultKeyId : item.slice(0, colon).trim();
      const key = decodeKey(colon < 0 ? item.trim() : item.slice(colon + 1).trim());
      // The position, never the text: it is key material.
      if (!isValidKeyId(keyId))
        throw new KeyUnavailableError(`key ${index + 1} in ${this.variable} has a malformed key id (1-64 of A-Z a-z 0-9 . _ ~ -)`, {
          keyId: null,
        });
      if (key === null)
        throw new KeyUnavailableError(
          `key ${index + 1} in ${this.variable} is not 32 bytes in base64 or hex (make one with \`openssl rand -base64 32\`)`,
          { keyId },
        );
      if (keys.has(keyId)) throw new KeyUnavailableError(`${this.variable} names key id '${keyId}' twice`, { keyId });
      keys.set(keyId, key);
    }
    this.parsed = { current: keys.keys().next().value as string, keys };
    return this.parsed;
  }
}

/** @returns The 32 bytes of a hex or base64 key, or `null`. */
export function decodeKey(text: string): Uint8Array<ArrayBuffer> | null {
  const bytes = text.length === 64 ? fromHex(text) : fromBase64(text);
  return bytes !== null && bytes.length === 32 ? bytes : null;
}
