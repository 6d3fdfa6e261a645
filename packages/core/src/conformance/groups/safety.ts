import { ErrorCodes } from '../../errors';
import type { TokenStorageLike } from '../../storage/token-storage-like';
import type { TokenStorageData } from '../../tokens/token-storage-data';
import { defineGroup } from '../harness';
import { errorText, expectStorageError, sampleTokenData } from '../sample-data';
import type { ConformanceOptions, ConformanceTestApi } from '../types';

type Misuse = [label: string, call: (storage: TokenStorageLike, leakedDict: Record<string, unknown>) => Promise<unknown>];

/** Calls with bad arguments, each of which must fail with `InvalidArgumentError`. */
function misuses(): Misuse[] {
  return [
    ['getTokenData with an empty resource server', (storage) => storage.getTokenData('')],
    ['getTokenData with a number', (storage) => storage.getTokenData(42 as never)],
    ['removeTokenData with an empty resource server', (storage) => storage.removeTokenData('')],
    ['removeTokenData with null', (storage) => storage.removeTokenData(null as never)],
    ['storeTokenDataByResourceServer with null', (storage) => storage.storeTokenDataByResourceServer(null as never)],
    ['storeTokenDataByResourceServer with an array', (storage) => storage.storeTokenDataByResourceServer([] as never)],
    ['storeTokenDataByResourceServer with a plain dict', (storage, dict) => storage.storeTokenDataByResourceServer({ rs: dict } as never)],
    [
      'storeTokenDataByResourceServer with an empty key',
      (storage) => storage.storeTokenDataByResourceServer({ '': sampleTokenData('rs') }),
    ],
  ];
}

/** Bad arguments give typed errors, and no error or rendering ever shows a token. */
export function describeSafetyConformance<S extends TokenStorageLike>(t: ConformanceTestApi, options: ConformanceOptions<S>): void {
  defineGroup(t, options, 'bad arguments', [], (test) => {
    for (const [label, call] of misuses()) {
      test(`${label} rejects with InvalidArgumentError and changes nothing`, async (session) => {
        const storage = await session.create();
        const kept = sampleTokenData('kept');
        await storage.storeTokenDataByResourceServer({ kept });
        await expectStorageError(t, label, () => call(storage, sampleTokenData('rs').toDict()), ErrorCodes.INVALID_ARGUMENT);
        t.expect(Object.keys(await storage.getTokenDataByResourceServer())).toEqual(['kept']);
      });
    }

    test('every bad argument is refused on an empty storage too (before any lookup)', async (session) => {
      const storage = await session.create();
      for (const [label, call] of misuses()) {
        const code = await call(storage, sampleTokenData('rs').toDict()).then(
          () => 'resolved',
          (error: unknown) => (error as { code?: unknown } | null)?.code,
        );
        t.expect([label, code]).toEqual([label, ErrorCodes.INVALID_ARGUMENT]);
      }
      t.expect(await storage.getTokenDataByResourceServer()).toEqual({});
    });
  });

  defineGroup(t, options, 'token redaction', [], (test) => {
    test('no error message, stack or cause shows a stored token', async (session) => {
      const storage = await session.create();
      const secret = sampleTokenData('rs');
      await storage.storeTokenDataByResourceServer({ rs: secret });
      for (const [label, call] of misuses()) {
        let text = '';
        try {
          await call(storage, secret.toDict());
        } catch (error) {
          text = errorText(error, options.inspect);
        }
        t.expect([label, text.includes(secret.accessToken), text.includes(secret.refreshToken as string)]).toEqual([label, false, false]);
      }
    });

    test('JSON.stringify, String and inspect of read token data show no token', async (session) => {
      const storage = await session.create();
      const secret = sampleTokenData('rs', { extra: { id_token: 'CANARY-ID-TOKEN-in-extra' } });
      await storage.storeTokenDataByResourceServer({ rs: secret });
      const read = (await storage.getTokenData('rs')) as TokenStorageData;
      const renderings = [JSON.stringify(read), String(read), JSON.stringify(await storage.getTokenDataByResourceServer())];
      if (options.inspect) renderings.push(options.inspect(read), options.inspect(await storage.getTokenDataByResourceServer()));
      for (const text of renderings) {
        t.expect([
          text.includes(secret.accessToken),
          text.includes(secret.refreshToken as string),
          text.includes('CANARY-ID-TOKEN'),
        ]).toEqual([false, false, false]);
      }
    });

    test('JSON.stringify, String and inspect of the storage show no token', async (session) => {
      const storage = await session.create();
      const secret = sampleTokenData('rs');
      await storage.storeTokenDataByResourceServer({ rs: secret });
      await storage.getTokenData('rs');
      const renderings = [JSON.stringify(storage) ?? '', String(storage)];
      if (options.inspect) renderings.push(options.inspect(storage));
      for (const text of renderings) {
        t.expect([text.includes(secret.accessToken), text.includes(secret.refreshToken as string)]).toEqual([false, false]);
      }
    });
  });

  defineGroup(t, options, 'closing', ['closeRejectsCalls'], (test) => {
    test('after close() every call rejects with StorageClosedError', async (session) => {
      const storage = await session.create();
      await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
      await storage.close?.();
      await storage.close?.();
      await expectStorageError(t, 'getTokenData after close()', () => storage.getTokenData('rs'), ErrorCodes.STORAGE_CLOSED);
      await expectStorageError(
        t,
        'getTokenDataByResourceServer after close()',
        () => storage.getTokenDataByResourceServer(),
        ErrorCodes.STORAGE_CLOSED,
      );
      await expectStorageError(
        t,
        'storeTokenDataByResourceServer after close()',
        () => storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') }),
        ErrorCodes.STORAGE_CLOSED,
      );
      await expectStorageError(t, 'removeTokenData after close()', () => storage.removeTokenData('rs'), ErrorCodes.STORAGE_CLOSED);
    });
  });

  defineGroup(t, options, 'listing namespaces', ['listNamespaces', 'reopen'], (test) => {
    test('listNamespaces names every namespace that holds data', async (session) => {
      const main = await session.create('DEFAULT');
      await main.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
      const other = await session.reopen(main, 'userapp');
      await other.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
      const names = await (main.listNamespaces as () => Promise<string[]>).call(main);
      t.expect([...names].sort()).toEqual(['DEFAULT', 'userapp']);
    });
  });
}
