import { inspect } from 'node:util';
import { InvalidArgumentError } from '@globus-tokenstorage/core';
import {
  EncryptedTokenStorage,
  EnvironmentKeyProvider,
  KeyUnavailableError,
  PassphraseKeyProvider,
  TokenDecryptionError,
} from '@globus-tokenstorage/encrypted';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
import { TokenStorageData } from '@globus-tokenstorage/core';
import { caught, KEY_A, KEY_B, thrownBy } from './support';

const entry = new TokenStorageData({
  resourceServer: 'rs',
  scope: 's',
  accessToken: 'AT-canary-prov',
  refreshToken: 'RT-canary-prov',
  expiresAtSeconds: 1,
});

describe('EnvironmentKeyProvider', () => {
  const hex = Buffer.from(KEY_A, 'base64').toString('hex');

  it('reads a bare key in base64, base64url or hex under the default key id', async () => {
    for (const value of [KEY_A, KEY_A.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), hex, ` ${hex}\n`]) {
      const keys = new EnvironmentKeyProvider({ variable: 'K', env: { K: value } });
      expect(await keys.currentKeyId()).toBe('env');
      expect(Buffer.from(await keys.getKey('env')).toString('base64')).toBe(KEY_A);
    }
  });

  it('reads several id:key items, the first current', async () => {
    const keys = new EnvironmentKeyProvider({ variable: 'K', env: { K: `new:${KEY_B}, old:${hex}` } });
    expect(await keys.currentKeyId()).toBe('new');
    expect(Buffer.from(await keys.getKey('old')).toString('base64')).toBe(KEY_A);
    expect(await caught(() => keys.getKey('other'))).toMatchObject({ code: 'KEY_UNAVAILABLE', keyId: 'other' });
  });

  it('says what to do when the variable is unset or malformed, never showing its value', async () => {
    const unset = await caught(() => new EnvironmentKeyProvider({ variable: 'NOPE', env: {} }).currentKeyId());
    expect(unset).toBeInstanceOf(KeyUnavailableError);
    expect(unset.message).toContain('openssl rand -base64 32');
    const secretish = 'c2hvcnQta2V5LXRoYXQtaXMtbm90LTMyLWJ5dGVz';
    for (const value of [secretish, `a:${KEY_A},a:${KEY_B}`, `bad id:${KEY_A}`]) {
      const error = await caught(() => new EnvironmentKeyProvider({ variable: 'K', env: { K: value } }).currentKeyId());
      expect(error).toBeInstanceOf(KeyUnavailableError);
      for (const text of [error.message, inspect(error), JSON.stringify(error)]) {
        for (const secret of [secretish, KEY_A, KEY_B]) expect(text).not.toContain(secret);
      }
    }
  });

  it('reads process.env by default and refuses bad options', async () => {
    process.env.GTS_TEST_PROVIDER_KEY = KEY_A;
    try {
      expect(await new EnvironmentKeyProvider({ variable: 'GTS_TEST_PROVIDER_KEY' }).currentKeyId()).toBe('env');
    } finally {
      delete process.env.GTS_TEST_PROVIDER_KEY;
    }
    expect(thrownBy(() => new EnvironmentKeyProvider({ variable: '' }))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => new EnvironmentKeyProvider({ keyId: 'a:b' }))).toBeInstanceOf(InvalidArgumentError);
    expect(thrownBy(() => new EnvironmentKeyProvider({ varible: 'K' } as never))).toBeInstanceOf(InvalidArgumentError);
  });
});

describe('PassphraseKeyProvider', () => {
  it('keeps the salt in the key id, so the passphrase alone decrypts what another provider wrote', async () => {
    const inner = new MemoryTokenStorage();
    const writer = new PassphraseKeyProvider({ passphrase: 'correct horse battery staple' });
    await new EncryptedTokenStorage(inner, { keys: writer }).storeTokenDataByResourceServer({ rs: entry });
    const keyId = (await inner.getTokenData('rs'))?.accessToken.split(':')[2];
    expect(keyId).toBe(await writer.currentKeyId());
    expect(keyId).toMatch(/^pbkdf2-600000-[A-Za-z0-9_-]{22}$/);

    let asked = 0;
    const reader = new PassphraseKeyProvider({
      passphrase: async () => {
        asked += 1;
        return 'correct horse battery staple';
      },
    });
    expect(await reader.currentKeyId()).not.toBe(keyId); // its own random salt for new values
    const storage = new EncryptedTokenStorage(inner, { keys: reader });
    expect((await storage.getTokenData('rs'))?.refreshToken).toBe('RT-canary-prov');
    expect(asked).toBe(1);

    const wrong = new EncryptedTokenStorage(inner, { keys: new PassphraseKeyProvider({ passphrase: 'wrong' }) });
    expect(await caught(() => wrong.getTokenData('rs'))).toBeInstanceOf(TokenDecryptionError);
  }, 30_000);

  it('a given salt gives a stable key id; bad options are refused', async () => {
    const salt = PassphraseKeyProvider.newSalt();
    const one = new PassphraseKeyProvider({ passphrase: 'p', salt, iterations: 700_000 });
    expect(await one.currentKeyId()).toBe(`pbkdf2-700000-${salt}`);
    for (const options of [
      { passphrase: '' },
      { passphrase: 'p', iterations: 1000 },
      { passphrase: 'p', salt: 'short' },
      { passphrase: 'p', pepper: 'x' },
    ]) {
      expect(thrownBy(() => new PassphraseKeyProvider(options as never))).toBeInstanceOf(InvalidArgumentError);
    }
    expect(await caught(() => one.getKey('env'))).toBeInstanceOf(KeyUnavailableError);
    expect(await caught(() => one.getKey(`pbkdf2-99999999-${salt}`))).toBeInstanceOf(KeyUnavailableError);
    expect(inspect(one)).toBe('KeyProvider(passphrase)');
    expect(JSON.stringify(one)).not.toContain('"p"');
  });

  it('a failing passphrase function gives KeyUnavailableError and is asked again next time', async () => {
    let calls = 0;
    const keys = new PassphraseKeyProvider({
      passphrase: async () => {
        calls += 1;
        if (calls === 1) throw new Error('no terminal');
        return 'pw';
      },
    });
    const keyId = await keys.currentKeyId();
    expect(await caught(() => keys.getKey(keyId))).toBeInstanceOf(KeyUnavailableError);
    const key = (await keys.getKey(keyId)) as CryptoKey;
    expect(calls).toBe(2);
    // The key of passphrase 'pw': what it seals, the same passphrase's key opens.
    const iv = new Uint8Array(12);
    const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, new TextEncoder().encode('sealed'));
    const same = (await new PassphraseKeyProvider({ passphrase: 'pw' }).getKey(keyId)) as CryptoKey;
    expect(new TextDecoder().decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, same, sealed))).toBe('sealed');
  }, 30_000);
});
