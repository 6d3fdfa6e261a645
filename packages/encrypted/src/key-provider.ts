import { InvalidArgumentError } from '@globus-tokenstorage/core';
import { assertKnownOptions, checkedMilliseconds, INSPECT_CUSTOM } from '@globus-tokenstorage/core/backend';
import { KeyUnavailableError } from './errors';
import { SettledCache } from './settled-cache';

/**
 * Where an {@link EncryptedTokenStorage} gets its keys. Every value it writes names the key id it was
 * encrypted under; reading it asks for that id again, so a provider that still knows old ids keeps
 * old values readable after the current id changes.
 */
export interface KeyProvider {
  /** @returns The id of the key new values are encrypted with (1-64 of `A-Z a-z 0-9 . _ ~ -`). */
  currentKeyId(): Promise<string>;
  /**
   * @param keyId - An id returned by `currentKeyId()` now or earlier.
   * @returns The 32-byte AES-256 key: raw bytes, or a WebCrypto `AES-GCM` key of 256 bits.
   * @throws `KeyUnavailableError` when the key cannot be had (and says what to do).
   */
  getKey(keyId: string): Promise<CryptoKey | Uint8Array>;
}

/** Key ids are written into every value, between `:` separators. */
const KEY_ID = /^[A-Za-z0-9._~-]{1,64}$/;

/**
 * @param keyId - A key id from a provider or a stored value.
 * @returns Whether it has the allowed form.
 */
export function isValidKeyId(keyId: unknown): keyId is string {
  return typeof keyId === 'string' && KEY_ID.test(keyId);
}

/**
 * Checks a key id given by a caller.
 *
 * @param keyId - The argument.
 * @param what - Its name in the message.
 * @returns It, typed.
 * @throws {@link InvalidArgumentError} if it does not have the allowed form.
 */
export function checkKeyId(keyId: unknown, what = 'keyId'): string {
  if (!isValidKeyId(keyId)) throw new InvalidArgumentError(`'${what}' must be 1-64 characters of A-Z a-z 0-9 . _ ~ -`);
  return keyId;
}

/** Options of {@link keyProviderFrom}. */
export interface KeyProviderFromOptions {
  /** How long one call of the function may take, in milliseconds. @default 30000 */
  timeoutMs?: number;
}

/** What the function behind {@link keyProviderFrom} returns. */
export interface KeyProviderFunctionResult {
  /** The id of the key returned. */
  keyId: string;
  /** The 32-byte key, or a WebCrypto `AES-GCM` 256-bit key. */
  key: CryptoKey | Uint8Array;
}

/**
 * Makes a {@link KeyProvider} from one function, e.g. around a KMS or Vault call that unwraps a data
 * key. The function is called with `undefined` for the current key and with a key id for an older
 * one; each answer is kept for the life of the provider, so the service is asked once per key id
 * (make a new provider to pick up a new current key).
 *
 * @param fn - Fetches a key: `fn(undefined)` the current one, `fn(keyId)` the key of that id; its
 *   `signal` aborts when the call takes longer than `timeoutMs`.
 * @param options - `timeoutMs`.
 * @returns The provider; a call that takes longer than `timeoutMs` rejects with `KeyUnavailableError`.
 * @throws {@link InvalidArgumentError} if `fn` is not a function, or for a bad option.
 *
 * @example
 * ```ts
 * const keys = keyProviderFrom(async (keyId) => {
 *   const { id, plaintext } = await kms.decryptDataKey(keyId ?? 'current');
 *   return { keyId: id, key: plaintext };
 * });
 * ```
 */
export function keyProviderFrom(
  fn: (keyId: string | undefined, options: { signal: AbortSignal }) => Promise<KeyProviderFunctionResult>,
  options: KeyProviderFromOptions = {},
): KeyProvider {
  if (typeof fn !== 'function') throw new InvalidArgumentError('keyProviderFrom needs a function');
  assertKnownOptions(options, ['timeoutMs'], 'keyProviderFrom');
  const timeoutMs = checkedMilliseconds(options.timeoutMs ?? 30_000, 'timeoutMs', 'duration');
  const byId = new SettledCache<CryptoKey | Uint8Array>();
  const current = new SettledCache<string>();
  const call = async (keyId: string | undefined) => {
    const result = await withTimeout(timeoutMs, (signal) => fn(keyId, { signal }), keyId);
    const id = checkKeyId(result?.keyId, 'keyId returned by the key function');
    if (keyId !== undefined && id !== keyId)
      throw new InvalidArgumentError(`the key function was asked for key id '${keyId}' and returned '${id}'`);
    if (!byId.has(id)) byId.set(id, result.key);
    return result;
  };
  return hideInternals(
    {
      currentKeyId: () => current.get('current', async () => (await call(undefined)).keyId),
      getKey: (keyId: string) => byId.get(keyId, async () => (await call(keyId)).key),
    },
    'keyProviderFrom',
  );
}

/**
 * Gives a provider object a `toString`, `toJSON` and `util.inspect` that show its kind only, so
 * logging it never shows a key or a passphrase.
 *
 * @param provider - The provider.
 * @param description - What to show.
 * @returns `provider`.
 */
export function hideInternals<T extends object>(provider: T, description: string): T {
  const show = () => `KeyProvider(${description})`;
  Object.defineProperties(provider, {
    toString: { value: show, enumerable: false },
    toJSON: { value: () => ({ keyProvider: description }), enumerable: false },
    [INSPECT_CUSTOM]: { value: show, enumerable: false },
  });
  return provider;
}

/** Runs `work` with a signal that aborts after `timeoutMs`; rejects with `KeyUnavailableError` then. */
async function withTimeout<T>(timeoutMs: number, work: (signal: AbortSignal) => Promise<T>, keyId: string | undefined): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(
        new KeyUnavailableError(
          `the key function gave no answer for ${keyId === undefined ? 'the current key' : `key id '${keyId}'`} within ${timeoutMs} ms`,
          { keyId: keyId ?? null },
        ),
      );
    }, timeoutMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(() => work(controller.signal)), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}
