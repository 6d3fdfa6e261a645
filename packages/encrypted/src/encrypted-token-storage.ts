import {
  InvalidArgumentError,
  TOKEN_STORAGE_OPTION_KEYS,
  TokenStorage,
  type RunExclusive,
  type TokenStorageData,
  type TokenStorageLike,
  type TokenStorageOptions,
} from '@globus-tokenstorage/core';
import { assertKnownOptions, setOwnEntry } from '@globus-tokenstorage/core/backend';
import { KeyRing } from './key-ring';
import type { KeyProvider } from './key-provider';
import { DecryptedEntryCache, PlaintextCache } from './plaintext-cache';
import { tokenFieldsOf, withTokenFields } from './token-fields';
import { decryptValue, encryptValue, isEncryptedValue, keyIdOf, parseEncryptedValue, type ValuePlace } from './value-cipher';

/** Options of {@link EncryptedTokenStorage}. */
export interface EncryptedTokenStorageOptions extends TokenStorageOptions {
  /** Where the keys come from. */
  keys: KeyProvider;
  /**
   * The namespace, bound into every value's associated data. It must be the inner storage's
   * (the wrapper reads and writes that storage's namespace). @default `inner.namespace`
   */
  namespace?: string;
}

/** What {@link EncryptedTokenStorage.encryptAll} and {@link EncryptedTokenStorage.rotate} did. */
export interface ReencryptionResult {
  /** Entries rewritten under the current key id. */
  rewritten: number;
  /** Entries of the namespace, rewritten or not. */
  total: number;
}

/**
 * A token storage that encrypts token values (access, refresh and id tokens) with AES-256-GCM
 * before they reach another storage, and decrypts them when read. Resource servers, scopes,
 * expiry times and identities stay readable, so listing and expiry checks need no key, and the
 * Python SDK still reads the store's structure (not its tokens). Each value is bound to its
 * namespace, resource server and field: copied anywhere else, it does not decrypt.
 *
 * Entries stored in clear (before encryption was turned on) are read as they are and encrypted
 * when next written, or all at once by {@link EncryptedTokenStorage.encryptAll}.
 *
 * @example
 * ```ts
 * import { EncryptedTokenStorage, EnvironmentKeyProvider } from '@globus-tokenstorage/encrypted';
 * import { JSONTokenStorage } from '@globus-tokenstorage/json';
 *
 * const storage = new EncryptedTokenStorage(new JSONTokenStorage('tokens.json'), {
 *   keys: new EnvironmentKeyProvider({ variable: 'GLOBUS_TOKEN_KEY' }),
 * });
 * await storage.storeTokenResponse(response);
 * const transfer = await storage.getTokenData('transfer.api.globus.org'); // decrypted
 * ```
 */
export class EncryptedTokenStorage extends TokenStorage {
  /** `"EncryptedTokenStorage"`, also in minified bundles. */
  static override get name(): string {
    return 'EncryptedTokenStorage';
  }

  /** The storage the encrypted entries are kept in. */
  readonly inner: TokenStorageLike;
  /**
   * The inner storage's critical section (see `TokenStorageLike.runExclusive`), so that
   * `StorageBackedAuthorizer` refreshes once across processes; absent when the inner storage has none.
   */
  declare runExclusive?: RunExclusive;
  /** The inner storage's namespaces; absent when the inner storage cannot list them. */
  declare listNamespaces?: () => Promise<string[]>;
  /** The inner storage's `runExclusive`, when it has one. */
  declare protected runInSection?: RunExclusive;
  /** The inner storage's `listNamespaces`, when it has one. */
  declare protected readNamespaces?: () => Promise<string[]>;

  private readonly keyRing: KeyRing;
  private readonly plaintexts = new PlaintextCache();
  /** The last entry decrypted for each resource server, with the stored entry it came from. */
  private readonly decrypted = new DecryptedEntryCache();

  /**
   * @param inner - Any storage (`TokenStorageLike`): memory, JSON, SQLite, PostgreSQL, web storage, your own.
   * @param options - `keys` (required), `namespace`, `idTokenDecoder`, `now`.
   * @throws {@link InvalidArgumentError} for a missing provider, an inner storage without the
   *   storage methods, a namespace other than the inner storage's, or an unknown option.
   */
  constructor(inner: TokenStorageLike, options: EncryptedTokenStorageOptions) {
    if (
      typeof inner !== 'object' ||
      inner === null ||
      typeof inner.getTokenData !== 'function' ||
      typeof inner.storeTokenDataByResourceServer !== 'function'
    ) {
      throw new InvalidArgumentError('EncryptedTokenStorage needs a token storage to wrap');
    }
    if (typeof options !== 'object' || options === null)
      throw new InvalidArgumentError('EncryptedTokenStorage needs options with a key provider: { keys }');
    super({ ...options, namespace: options.namespace ?? inner.namespace });
    assertKnownOptions(options, [...TOKEN_STORAGE_OPTION_KEYS, 'keys'], 'EncryptedTokenStorage');
    if (this.namespace !== inner.namespace) {
      throw new InvalidArgumentError(
        `the namespace must be the inner storage's ('${inner.namespace}'); wrap a storage opened on '${this.namespace}' instead`,
      );
    }
    const { keys } = options;
    if (typeof keys?.currentKeyId !== 'function' || typeof keys.getKey !== 'function') {
      throw new InvalidArgumentError("'keys' must be a KeyProvider (currentKeyId() and getKey(keyId))");
    }
    this.inner = inner;
    this.keyRing = new KeyRing(keys);
    const section = inner.runExclusive;
    if (typeof section === 'function')
      this.runInSection = <T>(key: string, fn: () => Promise<T>) => section.call(inner, key, fn) as Promise<T>;
    const list = inner.listNamespaces;
    if (typeof list === 'function') this.readNamespaces = () => list.call(inner);
  }

  /**
   * Encrypts the token values of each entry under the current key id, then stores the entries in
   * the inner storage in one call.
   *
   * @param entries - Checked entries.
   * @throws `KeyUnavailableError` if the current key cannot be had; nothing is stored.
   */
  protected override async writeEntries(entries: ReadonlyArray<readonly [string, TokenStorageData]>): Promise<void> {
    const keyId = await this.keyRing.currentKeyId();
    const key = await this.keyRing.key(keyId);
    const sealed: Record<string, TokenStorageData> = {};
    await Promise.all(
      entries.map(async ([resourceServer, value]) => {
        setOwnEntry(sealed, resourceServer, await this.encryptEntry(resourceServer, value, keyId, key));
      }),
    );
    await this.inner.storeTokenDataByResourceServer(sealed);
  }

  /**
   * @returns Every entry of the namespace, decrypted.
   * @throws `TokenDecryptionError` if a value does not decrypt (nothing is dropped or changed).
   * @throws `KeyUnavailableError` if a key a value names cannot be had.
   */
  protected override async readEntries(): Promise<Record<string, TokenStorageData>> {
    const stored = await this.inner.getTokenDataByResourceServer();
    const result: Record<string, TokenStorageData> = {};
    await Promise.all(
      Object.entries(stored).map(async ([resourceServer, value]) => {
        setOwnEntry(result, resourceServer, await this.decryptEntry(resourceServer, value));
      }),
    );
    return result;
  }

  /**
   * @param resourceServer - The key the entry was stored under.
   * @returns The entry, decrypted, or `null`.
   * @throws `TokenDecryptionError` if a value does not decrypt (the entry is left unchanged).
   * @throws `KeyUnavailableError` if the key the entry names cannot be had.
   */
  protected override async readEntry(resourceServer: string): Promise<TokenStorageData | null> {
    const stored = await this.inner.getTokenData(resourceServer);
    return stored === null ? null : this.decryptEntry(resourceServer, stored);
  }

  /**
   * @param resourceServer - The key the entry was stored under.
   * @returns Whether an entry was removed (no key needed).
   */
  protected override async removeEntry(resourceServer: string): Promise<boolean> {
    return this.inner.removeTokenData(resourceServer);
  }

  /**
   * Encrypts, under the current key id, every entry of the namespace that still holds a token in
   * clear. Every entry is first checked to decrypt, so a store with a damaged value is left as it is.
   *
   * @returns How many entries were rewritten.
   * @throws `TokenDecryptionError` or `KeyUnavailableError` before anything is written.
   */
  encryptAll(): Promise<ReencryptionResult> {
    return this.whileOpen(() => this.rewrite(() => (value) => !isEncryptedValue(value)));
  }

  /**
   * Re-encrypts under the current key id every entry of the namespace with a value in clear or
   * under another key id (after the provider's current key id changed), each inside the inner
   * storage's critical section for its resource server when it has one. Every entry is first
   * checked to decrypt, so a store with a damaged value is left as it is.
   *
   * @returns How many entries were rewritten.
   * @throws `TokenDecryptionError` or `KeyUnavailableError` before anything is written.
   */
  rotate(): Promise<ReencryptionResult> {
    return this.whileOpen(async () => {
      const current = await this.keyRing.currentKeyId();
      return this.rewrite(() => (value) => !isEncryptedValue(value) || keyIdOf(value) !== current);
    });
  }

  /** Closes the inner storage too; idempotent. */
  override async close(): Promise<void> {
    if (this.isClosed) return;
    await super.close();
    await this.inner.close?.();
  }

  private async rewrite(makeTest: () => (value: string) => boolean): Promise<ReencryptionResult> {
    const needsRewrite = makeTest();
    const entryNeedsRewrite = (data: TokenStorageData) => tokenFieldsOf(data).some(({ value }) => needsRewrite(value));
    const stored = await this.inner.getTokenDataByResourceServer();
    const targets = Object.entries(stored).filter(([, data]) => entryNeedsRewrite(data));
    // Every value must decrypt (and every key be at hand) before the first write.
    for (const [resourceServer, data] of targets) await this.decryptEntry(resourceServer, data);
    const keyId = await this.keyRing.currentKeyId();
    const key = await this.keyRing.key(keyId);
    let rewritten = 0;
    for (const [resourceServer] of targets) {
      await this.inSection(resourceServer, async () => {
        // Read again inside the section: a refresh may have replaced the entry meanwhile.
        const fresh = await this.inner.getTokenData(resourceServer);
        if (fresh === null || !entryNeedsRewrite(fresh)) return;
        const plain = await this.decryptEntry(resourceServer, fresh);
        const sealed: Record<string, TokenStorageData> = {};
        setOwnEntry(sealed, resourceServer, await this.encryptEntry(resourceServer, plain, keyId, key));
        await this.inner.storeTokenDataByResourceServer(sealed);
        rewritten += 1;
      });
    }
    return { rewritten, total: Object.keys(stored).length };
  }

  private inSection(resourceServer: string, fn: () => Promise<void>): Promise<void> {
    return this.runExclusive ? this.runExclusive(`${this.namespace}/${resourceServer}`, fn) : fn();
  }

  private async encryptEntry(resourceServer: string, data: TokenStorageData, keyId: string, key: CryptoKey): Promise<TokenStorageData> {
    const replacements = new Map<string, string>();
    await Promise.all(
      tokenFieldsOf(data).map(async ({ field, value }) => {
        const place: ValuePlace = { namespace: this.namespace, resourceServer, field };
        const sealed = await encryptValue(value, place, keyId, key);
        this.plaintexts.set(place, sealed, value);
        replacements.set(field, sealed);
      }),
    );
    return withTokenFields(data, replacements);
  }

  private async decryptEntry(resourceServer: string, stored: TokenStorageData): Promise<TokenStorageData> {
    const known = this.decrypted.get(resourceServer, stored);
    if (known) return known;
    const replacements = new Map<string, string>();
    const results = await Promise.allSettled(
      tokenFieldsOf(stored).map(async ({ field, value }) => {
        if (!isEncryptedValue(value)) return; // stored before encryption was turned on
        const place: ValuePlace = { namespace: this.namespace, resourceServer, field };
        let plain = this.plaintexts.get(place, value);
        if (plain === undefined) {
          const parsed = parseEncryptedValue(value, place);
          plain = await decryptValue(parsed, place, await this.keyRing.key(parsed.keyId));
          this.plaintexts.set(place, value, plain);
        }
        replacements.set(field, plain);
      }),
    );
    // The first failure in field order, whichever settled first.
    for (const result of results) if (result.status === 'rejected') throw result.reason;
    const data = replacements.size === 0 ? stored : withTokenFields(stored, replacements);
    this.decrypted.set(resourceServer, stored, data);
    return data;
  }
}
