import type { TokenStorageLike } from '../../storage/token-storage-like';
import { TokenStorageData } from '../../tokens/token-storage-data';
import { defineGroup } from '../harness';
import { pythonLegacyEntries, pythonV2Entries } from '../python-fixture-data';
import { dictText, sampleTokenData } from '../sample-data';
import type { ConformanceOptions, ConformanceTestApi } from '../types';

/** Create, read, replace and remove entries in one namespace. */
export function describeCrudConformance<S extends TokenStorageLike>(t: ConformanceTestApi, options: ConformanceOptions<S>): void {
  defineGroup(t, options, 'reading and writing', [], (test) => {
    test('getTokenData returns null for an unknown resource server', async (session) => {
      const storage = await session.create();
      t.expect(await storage.getTokenData('transfer.api.globus.org')).toBe(null);
      t.expect(await storage.getTokenDataByResourceServer()).toEqual({});
    });

    test('getTokenData returns what storeTokenDataByResourceServer stored', async (session) => {
      const storage = await session.create();
      const transfer = sampleTokenData('transfer.api.globus.org');
      const auth = sampleTokenData('auth.globus.org');
      await storage.storeTokenDataByResourceServer({ 'transfer.api.globus.org': transfer, 'auth.globus.org': auth });
      t.expect(dictText(await storage.getTokenData('transfer.api.globus.org'))).toBe(dictText(transfer));
      t.expect(dictText(await storage.getTokenData('auth.globus.org'))).toBe(dictText(auth));
    });

    test('getTokenDataByResourceServer returns every entry of the namespace as TokenStorageData', async (session) => {
      const storage = await session.create();
      const entries = { a: sampleTokenData('a'), b: sampleTokenData('b'), c: sampleTokenData('c') };
      await storage.storeTokenDataByResourceServer(entries);
      const all = await storage.getTokenDataByResourceServer();
      t.expect(Object.keys(all).sort()).toEqual(['a', 'b', 'c']);
      for (const [key, value] of Object.entries(entries)) {
        t.expect(TokenStorageData.isInstance(all[key])).toBe(true);
        t.expect(dictText(all[key])).toBe(dictText(value));
      }
    });

    test('a later store adds entries and keeps the others', async (session) => {
      const storage = await session.create();
      const first = sampleTokenData('first.example.org');
      const second = sampleTokenData('second.example.org');
      await storage.storeTokenDataByResourceServer({ 'first.example.org': first });
      await storage.storeTokenDataByResourceServer({ 'second.example.org': second });
      t.expect(dictText(await storage.getTokenData('first.example.org'))).toBe(dictText(first));
      t.expect(dictText(await storage.getTokenData('second.example.org'))).toBe(dictText(second));
    });

    test('storing a resource server again replaces the whole entry', async (session) => {
      const storage = await session.create();
      await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs', { extra: { kept: 'no' }, tokenType: 'Bearer' }) });
      const replacement = sampleTokenData('rs', { tokenType: null, refreshToken: null });
      await storage.storeTokenDataByResourceServer({ rs: replacement });
      const read = await storage.getTokenData('rs');
      t.expect(dictText(read)).toBe(dictText(replacement));
      t.expect(read?.extra).toEqual({});
    });

    test('an empty mapping stores nothing and does not fail', async (session) => {
      const storage = await session.create();
      await storage.storeTokenDataByResourceServer({});
      t.expect(await storage.getTokenDataByResourceServer()).toEqual({});
    });

    test('removeTokenData returns true once, then false, and removes only that entry', async (session) => {
      const storage = await session.create();
      const keep = sampleTokenData('keep');
      await storage.storeTokenDataByResourceServer({ keep, drop: sampleTokenData('drop') });
      t.expect(await storage.removeTokenData('drop')).toBe(true);
      t.expect(await storage.removeTokenData('drop')).toBe(false);
      t.expect(await storage.getTokenData('drop')).toBe(null);
      t.expect(dictText(await storage.getTokenData('keep'))).toBe(dictText(keep));
    });

    test('removeTokenData on an empty storage returns false', async (session) => {
      const storage = await session.create();
      t.expect(await storage.removeTokenData('nothing.example.org')).toBe(false);
    });

    test('entries are looked up by the mapping key, not by their resourceServer field', async (session) => {
      const storage = await session.create();
      const inner = sampleTokenData('inner-rs');
      await storage.storeTokenDataByResourceServer({ 'key-rs': inner });
      t.expect(dictText(await storage.getTokenData('key-rs'))).toBe(dictText(inner));
      t.expect(await storage.getTokenData('inner-rs')).toBe(null);
    });

    test('changing a returned mapping does not change the storage', async (session) => {
      const storage = await session.create();
      await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
      const all = await storage.getTokenDataByResourceServer();
      delete all.rs;
      all.other = sampleTokenData('other');
      t.expect(Object.keys(await storage.getTokenDataByResourceServer())).toEqual(['rs']);
    });
  });
}

/** Every field, `extra`, odd keys and the Python fixtures survive a round trip. */
export function describeRoundTripConformance<S extends TokenStorageLike>(t: ConformanceTestApi, options: ConformanceOptions<S>): void {
  defineGroup(t, options, 'round trip of every field', [], (test) => {
    const cases: Array<[string, () => TokenStorageData]> = [
      ['all fields set', () => sampleTokenData('rs')],
      ['optional fields null', () => sampleTokenData('rs', { identityId: null, refreshToken: null, tokenType: null })],
      ['empty strings', () => sampleTokenData('rs', { scope: '', accessToken: '', tokenType: '' })],
      ['the largest safe expiry', () => sampleTokenData('rs', { expiresAtSeconds: Number.MAX_SAFE_INTEGER })],
      ['a negative expiry', () => sampleTokenData('rs', { expiresAtSeconds: -5 })],
      ['non-ASCII text', () => sampleTokenData('rs', { scope: 'sc\u00f6pe \u2603 \ud83d\ude00', identityId: 'id-\u00e4' })],
      ['quotes, backslashes and control characters', () => sampleTokenData('rs', { scope: 'a"b\\c\nd\te\u0001\u007f' })],
      [
        'extra keys with nested values',
        () => sampleTokenData('rs', { extra: { custom: 'kept', nested: { list: [1, 2.5, true, null, 'x'], empty: {} } } }),
      ],
    ];
    for (const [label, make] of cases) {
      test(`round-trips ${label}`, async (session) => {
        const storage = await session.create();
        const data = make();
        await storage.storeTokenDataByResourceServer({ rs: data });
        const read = await storage.getTokenData('rs');
        t.expect(dictText(read)).toBe(dictText(data));
        t.expect(read?.extra).toEqual(data.extra);
      });
    }

    for (const key of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', '0', 'r\u00e9source/server with spaces']) {
      test(`round-trips the resource server key ${JSON.stringify(key)}`, async (session) => {
        const storage = await session.create();
        const data = sampleTokenData(key);
        await storage.storeTokenDataByResourceServer(Object.fromEntries([[key, data]]));
        // Keys are data: `result[key] = …` with "__proto__" sets the prototype instead (use setOwnEntry).
        const hint = 'stored under its key, read back as an own entry of the result';
        t.expect([hint, dictText(await storage.getTokenData(key))]).toEqual([hint, dictText(data)]);
        t.expect([hint, Object.keys(await storage.getTokenDataByResourceServer())]).toEqual([hint, [key]]);
        t.expect(await storage.removeTokenData(key)).toBe(true);
        t.expect(await storage.getTokenData(key)).toBe(null);
      });
    }
  });

  defineGroup(t, options, 'data written by the Python SDK', [], (test) => {
    for (const [namespace, entries] of Object.entries(pythonV2Entries)) {
      test(`stores and returns the Python ${namespace} entries unchanged, key order included`, async (session) => {
        const storage = await session.create(namespace);
        const mapping = Object.fromEntries(Object.entries(entries).map(([key, dict]) => [key, TokenStorageData.fromDict(dict)]));
        await storage.storeTokenDataByResourceServer(mapping);
        for (const [key, dict] of Object.entries(entries)) {
          t.expect(dictText(await storage.getTokenData(key))).toBe(JSON.stringify(dict));
        }
      });
    }
    for (const [namespace, entries] of Object.entries(pythonLegacyEntries)) {
      test(`normalises legacy (1.0) dicts of ${namespace} to the 2.0 entry form`, async (session) => {
        const storage = await session.create(namespace);
        const mapping = Object.fromEntries(Object.entries(entries).map(([key, dict]) => [key, TokenStorageData.fromDict(dict)]));
        await storage.storeTokenDataByResourceServer(mapping);
        for (const [key, dict] of Object.entries(entries)) {
          const expected = { ...(pythonV2Entries[namespace]?.[key] ?? {}) };
          delete expected.identity_id;
          const read = await storage.getTokenData(key);
          t.expect(dictText(read)).toBe(JSON.stringify(expected));
          t.expect(read?.accessToken).toBe(dict.access_token);
        }
      });
    }
  });
}
