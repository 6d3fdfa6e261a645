import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ErrorCodes, InvalidArgumentError, TokenStorageData } from '@globus-tokenstorage/core';
import {
  EncryptedTokenStorage,
  isEncryptedValue,
  KeyUnavailableError,
  keyProviderFrom,
  TokenDecryptionError,
} from '@globus-tokenstorage/encrypted';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { caught, envKeys, KEY_A, KEY_B, TempDirs, thrownBy } from './support';

const CANARY_AT = 'AT-canary-7f3e9a1c5b';
const CANARY_RT = 'RT-canary-2d8b4f6e0a';
const CANARY_ID = 'eyJ-canary-idtoken-91c4';

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

function entry(resourceServer = 'transfer.api.globus.org', tag = ''): TokenStorageData {
  return new TokenStorageData({
    resourceServer,
    identityId: 'c8aad43e-d274-11e5-bf98-8b02896cf782',
    scope: 'urn:globus:auth:scope:transfer.api.globus.org:all',
    accessToken: CANARY_AT + tag,
    refreshToken: CANARY_RT + tag,
    expiresAtSeconds: 1_900_000_000,
    tokenType: 'Bearer',
    extra: { id_token: CANARY_ID + tag, note: 'kept readable' },
  });
}

function jsonFile(): string {
  return join(dirs.make(), 'tokens.json');
}

describe('what reaches the inner storage', () => {
  it('no token byte sequence is in the JSON file, metadata stays readable, and the file keeps its shape', async () => {
    const file = jsonFile();
    const storage = new EncryptedTokenStorage(new JSONTokenStorage(file), { keys: envKeys() });
    await storage.storeTokenDataByResourceServer({ 'transfer.api.globus.org': entry() });
    const text = readFileSync(file, 'utf8');
    for (const canary of [CANARY_AT, CANARY_RT, CANARY_ID, 'canary']) expect(text).not.toContain(canary);
    const stored = JSON.parse(text).data.DEFAULT['transfer.api.globus.org'];
    expect(stored.scope).toBe('urn:globus:auth:scope:transfer.api.globus.org:all');
    expect(stored.expires_at_seconds).toBe(1_900_000_000);
    expect(stored.identity_id).toBe('c8aad43e-d274-11e5-bf98-8b02896cf782');
    expect(stored.note).toBe('kept readable');
    expect(stored.access_token).toMatch(/^gts-enc:v1:a:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/);
    expect(isEncryptedValue(stored.refresh_token) && isEncryptedValue(stored.id_token)).toBe(true);
    // The plain JSON storage (no key) still reads the structure.
    const plain = await new JSONTokenStorage(file).getTokenData('transfer.api.globus.org');
    expect(plain?.isExpired({ now: () => 1_800_000_000 })).toBe(false);
    expect((await storage.getTokenData('transfer.api.globus.org'))?.toDict()).toEqual(entry().toDict());
  });

  it('no token byte sequence is in the SQLite database file', async () => {
    const file = join(dirs.make(), 'tokens.db');
    const storage = new EncryptedTokenStorage(new SQLiteTokenStorage(file), { keys: envKeys() });
    await storage.storeTokenDataByResourceServer({ 'transfer.api.globus.org': entry(), 'auth.globus.org': entry('auth.globus.org') });
    await storage.close();
    const bytes = readFileSync(file).toString('latin1') + readFileSync(`${file}-wal`, { flag: 'a+' }).toString('latin1');
    for (const canary of [CANARY_AT, CANARY_RT, CANARY_ID, 'canary']) expect(bytes).not.toContain(canary);
    const reopened = new EncryptedTokenStorage(new SQLiteTokenStorage(file), { keys: envKeys() });
    expect((await reopened.getTokenData('auth.globus.org'))?.accessToken).toBe(CANARY_AT);
    await reopened.close();
  });

  it('uses a fresh IV for every value: the same token stored twice gives two ciphertexts', async () => {
    const inner = new MemoryTokenStorage();
    const storage = new EncryptedTokenStorage(inner, { keys: envKeys() });
    await storage.storeTokenDataByResourceServer({ rs: entry('rs') });
    const first = (await inner.getTokenData('rs'))?.accessToken;
    await storage.storeTokenDataByResourceServer({ rs: entry('rs') });
    expect((await inner.getTokenData('rs'))?.accessToken).not.toBe(first);
  });
});

describe('values that do not decrypt', () => {
  async function encryptedFile(): Promise<{ file: string; before: string }> {
    const file = jsonFile();
    const storage = new EncryptedTokenStorage(new JSONTokenStorage(file), { keys: envKeys() });
    await storage.storeTokenDataByResourceServer({ 'transfer.api.globus.org': entry(), 'auth.globus.org': entry('auth.globus.org', '-2') });
    return { file, before: readFileSync(file, 'utf8') };
  }

  async function expectDecryptionError(file: string, keyValue: string, resourceServer: string, field: string, keyId: string) {
    const storage = new EncryptedTokenStorage(new JSONTokenStorage(file), { keys: envKeys(keyValue) });
    const before = readFileSync(file, 'utf8');
    const error = await caught(() => storage.getTokenData(resourceServer));
    expect(error).toBeInstanceOf(TokenDecryptionError);
    expect(error.code).toBe(ErrorCodes.TOKEN_DECRYPTION_FAILED);
    expect(error).toMatchObject({ namespace: 'DEFAULT', resourceServer, field, keyId });
    expect(error.message).toContain(`'${resourceServer}'`);
    expect(error.message).toContain(`key id '${keyId}'`);
    await expect(storage.getTokenDataByResourceServer()).rejects.toBeInstanceOf(TokenDecryptionError);
    // Writing another entry, encryptAll and rotate change nothing of the damaged one, nor drop it.
    await expect(storage.encryptAll()).resolves.toEqual({ rewritten: 0, total: 2 });
    // A rotation to a new key checks every entry first: the good one is not rewritten either.
    const rotating = new EncryptedTokenStorage(new JSONTokenStorage(file), { keys: envKeys(`b:${KEY_B},${keyValue}`) });
    await expect(rotating.rotate()).rejects.toBeInstanceOf(TokenDecryptionError);
    for (const text of [error.message, error.stack ?? '', inspect(error), JSON.stringify(error)]) {
      for (const secret of ['canary', KEY_A, KEY_B]) expect(text).not.toContain(secret);
    }
    expect(readFileSync(file, 'utf8')).toBe(before);
  }

  it('a flipped byte gives TokenDecryptionError and changes nothing', async () => {
    const { file, before } = await encryptedFile();
    const data = JSON.parse(before);
    const value: string = data.data.DEFAULT['transfer.api.globus.org'].refresh_token;
    const at = value.length - 5;
    const flipped = value.slice(0, at) + (value[at] === 'A' ? 'B' : 'A') + value.slice(at + 1);
    data.data.DEFAULT['transfer.api.globus.org'].refresh_token = flipped;
    writeFileSync(file, JSON.stringify(data));
    await expectDecryptionError(file, `a:${KEY_A}`, 'transfer.api.globus.org', 'refresh_token', 'a');
  });

  it('a value swapped between two entries gives TokenDecryptionError and changes nothing', async () => {
    const { file, before } = await encryptedFile();
    const data = JSON.parse(before);
    const entries = data.data.DEFAULT;
    [entries['transfer.api.globus.org'].access_token, entries['auth.globus.org'].access_token] = [
      entries['auth.globus.org'].access_token,
      entries['transfer.api.globus.org'].access_token,
    ];
    writeFileSync(file, JSON.stringify(data));
    await expectDecryptionError(file, `a:${KEY_A}`, 'auth.globus.org', 'access_token', 'a');
  });

  it('a value moved to another field of the same entry gives TokenDecryptionError', async () => {
    const { file, before } = await encryptedFile();
    const data = JSON.parse(before);
    const moved = data.data.DEFAULT['transfer.api.globus.org'];
    moved.refresh_token = moved.access_token;
    writeFileSync(file, JSON.stringify(data));
    await expectDecryptionError(file, `a:${KEY_A}`, 'transfer.api.globus.org', 'refresh_token', 'a');
  });

  it('a wrong key under the same key id gives TokenDecryptionError and changes nothing', async () => {
    const { file } = await encryptedFile();
    await expectDecryptionError(file, `a:${KEY_B}`, 'transfer.api.globus.org', 'access_token', 'a');
  });

  it('a value copied into another namespace does not decrypt there', async () => {
    const file = jsonFile();
    await new EncryptedTokenStorage(new JSONTokenStorage(file), { keys: envKeys() }).storeTokenDataByResourceServer({ rs: entry('rs') });
    const data = JSON.parse(readFileSync(file, 'utf8'));
    data.data.other = data.data.DEFAULT;
    writeFileSync(file, JSON.stringify(data));
    const other = new EncryptedTokenStorage(new JSONTokenStorage(file, { namespace: 'other' }), { keys: envKeys() });
    expect(await caught(() => other.getTokenData('rs'))).toMatchObject({
      code: 'TOKEN_DECRYPTION_FAILED',
      namespace: 'other',
      resourceServer: 'rs',
    });
  });

  it('a cached plaintext is never answered for a value copied to another entry', async () => {
    const inner = new MemoryTokenStorage();
    const storage = new EncryptedTokenStorage(inner, { keys: envKeys() });
    await storage.storeTokenDataByResourceServer({ one: entry('one'), two: entry('two', '-2') });
    await storage.getTokenData('one');
    const one = (await inner.getTokenData('one')) as TokenStorageData;
    await inner.storeTokenDataByResourceServer({ two: TokenStorageData.fromDict({ ...one.toDict(), resource_server: 'two' }) });
    await expect(storage.getTokenData('two')).rejects.toBeInstanceOf(TokenDecryptionError);
  });

  it('a malformed or future-version value gives TokenDecryptionError naming the entry', async () => {
    const inner = new MemoryTokenStorage();
    const storage = new EncryptedTokenStorage(inner, { keys: envKeys() });
    for (const value of ['gts-enc:v1:a:not-base64!:x', 'gts-enc:v1:a', 'gts-enc:v9:a:AAAA:AAAA']) {
      await inner.storeTokenDataByResourceServer({
        rs: new TokenStorageData({ resourceServer: 'rs', scope: 's', accessToken: value, expiresAtSeconds: 1 }),
      });
      const error = await caught(() => storage.getTokenData('rs'));
      expect(error).toMatchObject({ code: 'TOKEN_DECRYPTION_FAILED', resourceServer: 'rs', field: 'access_token' });
    }
  });

  it('a value under a key id the provider lacks gives KeyUnavailableError', async () => {
    const inner = new MemoryTokenStorage();
    await new EncryptedTokenStorage(inner, { keys: envKeys(`old:${KEY_A}`) }).storeTokenDataByResourceServer({ rs: entry('rs') });
    const error = await caught(() => new EncryptedTokenStorage(inner, { keys: envKeys(`new:${KEY_B}`) }).getTokenData('rs'));
    expect(error).toBeInstanceOf(KeyUnavailableError);
    expect(error).toMatchObject({ code: 'KEY_UNAVAILABLE', keyId: 'old' });
    expect(error.message).not.toContain(KEY_B);
  });
});

describe('migration and rotation', () => {
  it('reads entries stored in clear, encrypts each when next written, and encryptAll encrypts the rest at once', async () => {
    const file = jsonFile();
    const plain = new JSONTokenStorage(file);
    await plain.storeTokenDataByResourceServer({ one: entry('one'), two: entry('two', '-2'), three: entry('three', '-3') });
    const storage = new EncryptedTokenStorage(new JSONTokenStorage(file), { keys: envKeys() });
    expect((await storage.getTokenData('two'))?.accessToken).toBe(`${CANARY_AT}-2`);
    await storage.storeTokenDataByResourceServer({ one: entry('one', '-new') });
    let stored = JSON.parse(readFileSync(file, 'utf8')).data.DEFAULT;
    expect(isEncryptedValue(stored.one.access_token)).toBe(true);
    expect(stored.two.access_token).toBe(`${CANARY_AT}-2`);
    await expect(storage.encryptAll()).resolves.toEqual({ rewritten: 2, total: 3 });
    expect(readFileSync(file, 'utf8')).not.toContain('canary');
    await expect(storage.encryptAll()).resolves.toEqual({ rewritten: 0, total: 3 });
    stored = await storage.getTokenDataByResourceServer();
    expect(Object.fromEntries(Object.entries(stored).map(([key, data]) => [key, (data as TokenStorageData).toDict()]))).toEqual({
      one: entry('one', '-new').toDict(),
      two: entry('two', '-2').toDict(),
      three: entry('three', '-3').toDict(),
    });
  });

  it('a new current key id encrypts new writes, old keys still decrypt, and rotate re-encrypts everything under the current key', async () => {
    const file = jsonFile();
    await new EncryptedTokenStorage(new JSONTokenStorage(file), { keys: envKeys(`k1:${KEY_A}`) }).storeTokenDataByResourceServer({
      one: entry('one'),
      two: entry('two', '-2'),
    });
    const keys = envKeys(`k2:${KEY_B},k1:${KEY_A}`);
    const inner = new JSONTokenStorage(file);
    const sections: string[] = [];
    const section = inner.runExclusive.bind(inner);
    inner.runExclusive = (key, fn) => {
      sections.push(key);
      return section(key, fn);
    };
    const storage = new EncryptedTokenStorage(inner, { keys });
    await storage.storeTokenDataByResourceServer({ three: entry('three', '-3') });
    const keyIds = () =>
      Object.values(JSON.parse(readFileSync(file, 'utf8')).data.DEFAULT).map(
        (data) => (data as { access_token: string }).access_token.split(':')[2],
      );
    expect(keyIds()).toEqual(['k1', 'k1', 'k2']);
    expect((await storage.getTokenData('one'))?.refreshToken).toBe(CANARY_RT);
    await expect(storage.rotate()).resolves.toEqual({ rewritten: 2, total: 3 });
    expect(sections).toEqual(['DEFAULT/one', 'DEFAULT/two']);
    expect(keyIds()).toEqual(['k2', 'k2', 'k2']);
    const onlyNew = new EncryptedTokenStorage(new JSONTokenStorage(file), { keys: envKeys(`k2:${KEY_B}`) });
    expect((await onlyNew.getTokenData('two'))?.toDict()).toEqual(entry('two', '-2').toDict());
  });

  it('runExclusive and listNamespaces pass through to the inner storage, and are absent when it has none', async () => {
    const inner = new MemoryTokenStorage();
    const storage = new EncryptedTokenStorage(inner, { keys: envKeys() });
    await storage.storeTokenDataByResourceServer({ rs: entry('rs') });
    expect(await storage.listNamespaces?.()).toEqual(['DEFAULT']);
    const order: string[] = [];
    await Promise.all([
      inner.runExclusive('k', async () => {
        order.push('inner start');
        await new Promise((r) => setTimeout(r, 30));
        order.push('inner end');
      }),
      storage.runExclusive?.('k', async () => {
        order.push('wrapper');
      }),
    ]);
    expect(order).toEqual(['inner start', 'inner end', 'wrapper']);
    const bare = {
      namespace: 'DEFAULT',
      getTokenData: inner.getTokenData.bind(inner),
      getTokenDataByResourceServer: inner.getTokenDataByResourceServer.bind(inner),
      storeTokenDataByResourceServer: inner.storeTokenDataByResourceServer.bind(inner),
      removeTokenData: inner.removeTokenData.bind(inner),
      storeTokenResponse: inner.storeTokenResponse.bind(inner),
    };
    const overBare = new EncryptedTokenStorage(bare, { keys: envKeys() });
    expect(overBare.runExclusive).toBeUndefined();
    expect(overBare.listNamespaces).toBeUndefined();
    expect((await overBare.getTokenData('rs'))?.accessToken).toBe(CANARY_AT);
    await expect(overBare.rotate()).resolves.toEqual({ rewritten: 0, total: 1 });
  });
});

describe('reads of an unchanged entry', () => {
  it('decrypt each ciphertext once', async () => {
    let decrypts = 0;
    const subtle = globalThis.crypto.subtle;
    const original = subtle.decrypt;
    const spy = jest.spyOn(subtle, 'decrypt').mockImplementation(function (this: SubtleCrypto, ...args) {
      decrypts += 1;
      return original.apply(this, args);
    });
    try {
      const file = jsonFile();
      await new JSONTokenStorage(file).storeTokenDataByResourceServer({ rs: entry('rs') });
      const storage = new EncryptedTokenStorage(new JSONTokenStorage(file), { keys: envKeys() });
      await storage.encryptAll();
      const other = new EncryptedTokenStorage(new JSONTokenStorage(file), { keys: envKeys() });
      for (let i = 0; i < 5; i += 1) expect((await other.getTokenData('rs'))?.accessToken).toBe(CANARY_AT);
      expect(decrypts).toBe(3); // access, refresh and id token, once each
    } finally {
      spy.mockRestore();
    }
  });
});

describe('arguments and redaction', () => {
  it('refuses a missing provider, an unknown option and a namespace other than the inner one', () => {
    const inner = new MemoryTokenStorage();
    expect(thrownBy(() => new EncryptedTokenStorage(inner, {} as never))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => new EncryptedTokenStorage(inner, { keys: envKeys(), key: 'x' } as never))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => new EncryptedTokenStorage(inner, { keys: envKeys(), namespace: 'other' }))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => new EncryptedTokenStorage({} as never, { keys: envKeys() }))).toBeInstanceOf(InvalidArgumentError);
    expect(new EncryptedTokenStorage(new MemoryTokenStorage({ namespace: 'ns' }), { keys: envKeys() }).namespace).toBe('ns');
  });

  it('shows no key in inspect, JSON or String of the storage and its providers', () => {
    const keys = envKeys(`a:${KEY_A}`);
    const storage = new EncryptedTokenStorage(new MemoryTokenStorage(), { keys });
    for (const text of [
      inspect(storage, { showHidden: true, depth: 9 }),
      JSON.stringify(storage),
      String(storage),
      inspect(keys),
      JSON.stringify(keys),
      String(keys),
    ]) {
      expect(text).not.toContain(KEY_A);
    }
    expect(String(storage)).toBe('EncryptedTokenStorage(namespace="DEFAULT")');
  });

  it('a provider that fails gives KeyUnavailableError and stores nothing; the next call asks again', async () => {
    let calls = 0;
    const keys = keyProviderFrom(async (keyId) => {
      calls += 1;
      if (calls === 1) throw new Error('vault sealed');
      return { keyId: keyId ?? 'vault-1', key: Buffer.from(KEY_A, 'base64') };
    });
    const inner = new MemoryTokenStorage();
    const storage = new EncryptedTokenStorage(inner, { keys });
    const error = await caught(() => storage.storeTokenDataByResourceServer({ rs: entry('rs') }));
    expect(error).toMatchObject({ code: 'KEY_UNAVAILABLE', keyId: null });
    expect(await inner.getTokenData('rs')).toBeNull();
    await storage.storeTokenDataByResourceServer({ rs: entry('rs') });
    expect((await inner.getTokenData('rs'))?.accessToken.split(':')[2]).toBe('vault-1');
    expect((await storage.getTokenData('rs'))?.accessToken).toBe(CANARY_AT);
  });

  it('a key function that does not answer in time gives KeyUnavailableError and sees its signal aborted', async () => {
    let seen: AbortSignal | undefined;
    const keys = keyProviderFrom(
      (_keyId, { signal }) => {
        seen = signal;
        return new Promise(() => {});
      },
      { timeoutMs: 50 },
    );
    const error = await caught(() =>
      new EncryptedTokenStorage(new MemoryTokenStorage(), { keys }).storeTokenDataByResourceServer({ rs: entry('rs') }),
    );
    expect(error).toMatchObject({ code: 'KEY_UNAVAILABLE', keyId: null });
    expect(error.message).toContain('within 50 ms');
    expect(seen?.aborted).toBe(true);
    expect(thrownBy(() => keyProviderFrom(async () => ({ keyId: 'k', key: new Uint8Array(32) }), { timeoutMs: 0 }))).toBeInstanceOf(
      InvalidArgumentError,
    );
  });

  it('a provider key of the wrong size or kind gives KeyUnavailableError', async () => {
    for (const key of [new Uint8Array(16), 'not a key' as never]) {
      const storage = new EncryptedTokenStorage(new MemoryTokenStorage(), { keys: keyProviderFrom(async () => ({ keyId: 'k', key })) });
      expect(await caught(() => storage.storeTokenDataByResourceServer({ rs: entry('rs') }))).toBeInstanceOf(KeyUnavailableError);
    }
  });

  it('accepts a WebCrypto AES-GCM 256-bit CryptoKey', async () => {
    const key = await globalThis.crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    const storage = new EncryptedTokenStorage(new MemoryTokenStorage(), { keys: keyProviderFrom(async () => ({ keyId: 'ck', key })) });
    await storage.storeTokenDataByResourceServer({ rs: entry('rs') });
    expect((await storage.getTokenData('rs'))?.extra.id_token).toBe(CANARY_ID);
  });

  it('closes the inner storage', async () => {
    const file = join(dirs.make(), 't.db');
    const storage = new EncryptedTokenStorage(new SQLiteTokenStorage(file), { keys: envKeys() });
    await storage.close();
    await expect(storage.inner.getTokenData('rs')).rejects.toMatchObject({ code: 'STORAGE_CLOSED' });
  });
});
