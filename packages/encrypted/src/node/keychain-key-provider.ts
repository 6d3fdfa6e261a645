import { randomBytes, randomUUID } from 'node:crypto';
import { InvalidArgumentError } from '@globus-tokenstorage/core';
import { assertKnownOptions, checkedMilliseconds, safeErrorName } from '@globus-tokenstorage/core/backend';
import { fromBase64, toBase64Url } from '../base64url';
import { KeyUnavailableError } from '../errors';
import { hideInternals, type KeyProvider } from '../key-provider';

/** Options of {@link KeychainKeyProvider}. */
export interface KeychainKeyProviderOptions {
  /** The keychain service name, one per app (e.g. `"my-app"` or the app's client id). */
  service: string;
  /** The account name of the item. @default "data-key" */
  account?: string;
  /** How long one keychain call may take (a prompt to unlock counts), in milliseconds. @default 30000 */
  timeoutMs?: number;
}

/** What the keychain item holds: this app's data keys (never a token), the current one named. */
interface KeychainItem {
  version: 1;
  current: string;
  keys: Record<string, string>;
}

/** The part of `@napi-rs/keyring` used here. */
interface AsyncEntryLike {
  getPassword(signal?: AbortSignal): Promise<string | null>;
  setPassword(password: string, signal?: AbortSignal): Promise<void>;
}
type KeyringModule = {
  AsyncEntry: new (service: string, account: string, options?: { linux?: { store?: 'secret-service' | 'keyutils' } }) => AsyncEntryLike;
};

/** Windows caps a credential at 2,560 bytes; a dozen keys stay far below. */
const MAX_ITEM_BYTES = 2000;
/** A variable, so bundlers leave the optional dependency alone. */
const PACKAGE: string = '@napi-rs/keyring';

/**
 * Keys in the operating system's keychain through `@napi-rs/keyring` (an optional dependency:
 * `npm install @napi-rs/keyring`): the Secret Service on Linux (GNOME Keyring, KWallet, KeePassXC),
 * the Keychain on macOS, the Credential Manager on Windows. One item per app holds its 32-byte data
 * keys, never a token (Windows caps an item at 2,560 bytes); the first use creates it with a random
 * key. On Linux only the Secret Service is used: the kernel keyring forgets its keys at logout.
 *
 * @example
 * ```ts
 * import { KeychainKeyProvider } from '@globus-tokenstorage/encrypted/node';
 * const keys = new KeychainKeyProvider({ service: 'my-globus-app' });
 * ```
 */
export class KeychainKeyProvider implements KeyProvider {
  /** The keychain service name. */
  readonly service: string;
  /** The account name of the item. */
  readonly account: string;
  private readonly timeoutMs: number;
  private item: Promise<KeychainItem> | null = null;

  /**
   * @param options - `service`, `account`, `timeoutMs`.
   * @throws {@link InvalidArgumentError} for an empty service or account, a bad timeout or an unknown option.
   */
  constructor(options: KeychainKeyProviderOptions) {
    assertKnownOptions(options, ['service', 'account', 'timeoutMs'], 'KeychainKeyProvider');
    const { service, account = 'data-key' } = options;
    if (typeof service !== 'string' || service === '') throw new InvalidArgumentError("'service' must be a non-empty string");
    if (typeof account !== 'string' || account === '') throw new InvalidArgumentError("'account' must be a non-empty string");
    this.service = service;
    this.account = account;
    this.timeoutMs = checkedMilliseconds(options.timeoutMs ?? 30_000, 'timeoutMs', 'duration');
    hideInternals(this, `keychain ${service}/${account}`);
  }

  /**
   * @returns The id of the current data key; the first call on a machine creates the key.
   * @throws {@link KeyUnavailableError} if the keychain is locked, absent or unreachable, or `@napi-rs/keyring` is not installed.
   */
  async currentKeyId(): Promise<string> {
    return (await this.load()).current;
  }

  /**
   * @param keyId - A key id of this item.
   * @returns Its 32 bytes.
   * @throws {@link KeyUnavailableError} if the keychain cannot be read or holds no such key.
   */
  async getKey(keyId: string): Promise<Uint8Array> {
    const encoded = Object.hasOwn((await this.load()).keys, keyId) ? (await this.load()).keys[keyId] : undefined;
    const key = encoded === undefined ? null : fromBase64(encoded);
    if (key === null || key.length !== 32) {
      throw new KeyUnavailableError(
        `the keychain item ${this.service}/${this.account} holds no key with id '${keyId}' (was it deleted or replaced?)`,
        { keyId },
      );
    }
    return key;
  }

  /**
   * Adds a new random data key to the item and makes it current; older keys stay, so values
   * encrypted under them still decrypt. Follow with `EncryptedTokenStorage.rotate()`.
   *
   * @returns The new key id.
   * @throws {@link KeyUnavailableError} if the keychain cannot be written.
   */
  async addKey(): Promise<string> {
    const item = await this.load();
    const keyId = newKeyId();
    const next: KeychainItem = { version: 1, current: keyId, keys: { ...item.keys, [keyId]: toBase64Url(randomBytes(32)) } };
    await this.write(next);
    this.item = Promise.resolve(next);
    return keyId;
  }

  private load(): Promise<KeychainItem> {
    this.item ??= this.readOrCreate().catch((error: unknown) => {
      this.item = null;
      throw error;
    });
    return this.item;
  }

  private async readOrCreate(): Promise<KeychainItem> {
    const text = await this.call('read', (entry, signal) => entry.getPassword(signal));
    if (text !== null) return this.parse(text);
    const keyId = newKeyId();
    const created: KeychainItem = { version: 1, current: keyId, keys: { [keyId]: toBase64Url(randomBytes(32)) } };
    await this.write(created);
    // Another process may have created the item at the same moment: use whichever was stored.
    const stored = await this.call('read', (entry, signal) => entry.getPassword(signal));
    return stored === null ? created : this.parse(stored);
  }

  private async write(item: KeychainItem): Promise<void> {
    const text = JSON.stringify(item);
    if (text.length > MAX_ITEM_BYTES) {
      throw new KeyUnavailableError(
        `the keychain item ${this.service}/${this.account} would exceed ${MAX_ITEM_BYTES} bytes: rotate, then remove old keys`,
        { keyId: item.current },
      );
    }
    await this.call('write', (entry, signal) => entry.setPassword(text, signal));
  }

  private parse(text: string): KeychainItem {
    let item: Partial<KeychainItem> | null = null;
    try {
      item = JSON.parse(text) as Partial<KeychainItem>;
    } catch {
      // reported below
    }
    if (
      item?.version !== 1 ||
      typeof item.current !== 'string' ||
      typeof item.keys !== 'object' ||
      item.keys === null ||
      !Object.hasOwn(item.keys, item.current)
    ) {
      throw new KeyUnavailableError(
        `the keychain item ${this.service}/${this.account} is not a key item of this library; use another account name or remove it`,
        { keyId: null },
      );
    }
    return item as KeychainItem;
  }

  private async call<T>(what: 'read' | 'write', fn: (entry: AsyncEntryLike, signal: AbortSignal) => Promise<T>): Promise<T> {
    const keyring = await loadKeyring();
    const signal = AbortSignal.timeout(this.timeoutMs);
    try {
      const entry = new keyring.AsyncEntry(this.service, this.account, { linux: { store: 'secret-service' } });
      return await fn(entry, signal);
    } catch (error) {
      throw new KeyUnavailableError(
        `could not ${what} the keychain item ${this.service}/${this.account} (${describeKeyringError(error, signal)}). ` +
          (process.platform === 'linux'
            ? 'Linux needs a running, unlocked Secret Service on the session D-Bus (GNOME Keyring, KWallet or KeePassXC); on a server use EnvironmentKeyProvider instead'
            : 'Unlock the keychain (or allow this program to use it) and try again, or use EnvironmentKeyProvider'),
        { keyId: null, cause: error },
      );
    }
  }
}

function newKeyId(): string {
  return `kc-${randomUUID().slice(0, 8)}`;
}

function describeKeyringError(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) return 'no answer in time';
  const message = (error as { message?: unknown } | null)?.message;
  // The keyring's messages name the platform's failure (locked, no such service); never a secret.
  return typeof message === 'string' ? message.slice(0, 200) : (safeErrorName(error) ?? 'unknown error');
}

let keyring: Promise<KeyringModule> | null = null;

/** Loads the optional dependency on first use (a failed load is retried next time). */
function loadKeyring(): Promise<KeyringModule> {
  keyring ??= import(PACKAGE)
    .then((loaded: Partial<KeyringModule> & { default?: Partial<KeyringModule> }) => {
      const AsyncEntry = loaded.AsyncEntry ?? loaded.default?.AsyncEntry;
      if (typeof AsyncEntry !== 'function') throw new Error(`${PACKAGE} has no AsyncEntry`);
      return { AsyncEntry };
    })
    .catch((error: unknown) => {
      keyring = null;
      throw new KeyUnavailableError(`KeychainKeyProvider needs the optional package ${PACKAGE} (version 2): npm install ${PACKAGE}`, {
        keyId: null,
        cause: error,
      });
    });
  return keyring;
}
