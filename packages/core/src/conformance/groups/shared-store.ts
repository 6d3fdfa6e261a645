import type { TokenStorageLike } from '../../storage/token-storage-like';
import { defineGroup } from '../harness';
import { dictText, sampleTokenData } from '../sample-data';
import type { ConformanceOptions, ConformanceTestApi } from '../types';

/** Data outlives the storage object and is seen by other handles on the same store. */
export function describePersistenceConformance<S extends TokenStorageLike>(t: ConformanceTestApi, options: ConformanceOptions<S>): void {
  defineGroup(t, options, 'persistence', ['reopen'], (test) => {
    test('a reopened storage returns what was stored before', async (session) => {
      const first = await session.create();
      const data = sampleTokenData('rs', { extra: { note: 'persisted' } });
      await first.storeTokenDataByResourceServer({ rs: data });
      await first.close?.();
      const second = await session.reopen(first);
      t.expect(dictText(await second.getTokenData('rs'))).toBe(dictText(data));
    });

    test('a write through one handle is seen by the next read through another', async (session) => {
      const first = await session.create();
      const second = await session.reopen(first);
      await first.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
      t.expect((await second.getTokenData('rs'))?.resourceServer).toBe('rs');
      const replacement = sampleTokenData('rs');
      await second.storeTokenDataByResourceServer({ rs: replacement });
      t.expect(dictText(await first.getTokenData('rs'))).toBe(dictText(replacement));
      t.expect(await second.removeTokenData('rs')).toBe(true);
      t.expect(await first.getTokenData('rs')).toBe(null);
    });
  });
}

/** Namespaces on one store are independent. */
export function describeNamespaceConformance<S extends TokenStorageLike>(t: ConformanceTestApi, options: ConformanceOptions<S>): void {
  defineGroup(t, options, 'namespaces', ['reopen'], (test) => {
    test('a storage reads and writes only its own namespace', async (session) => {
      const main = await session.create('DEFAULT');
      const other = await session.reopen(main, 'other-namespace');
      t.expect(other.namespace).toBe('other-namespace');
      const mine = sampleTokenData('rs');
      const theirs = sampleTokenData('rs');
      await main.storeTokenDataByResourceServer({ rs: mine });
      t.expect(await other.getTokenData('rs')).toBe(null);
      await other.storeTokenDataByResourceServer({ rs: theirs });
      t.expect(dictText(await main.getTokenData('rs'))).toBe(dictText(mine));
      t.expect(dictText(await other.getTokenData('rs'))).toBe(dictText(theirs));
      t.expect(await other.removeTokenData('rs')).toBe(true);
      t.expect(dictText(await main.getTokenData('rs'))).toBe(dictText(mine));
    });

    test('namespaces may hold any non-empty text', async (session) => {
      const main = await session.create();
      for (const namespace of ['n\u00e4me \u2603', 'with/slash', 'with.dots', '__proto__', 'userapp']) {
        const storage = await session.reopen(main, namespace);
        const data = sampleTokenData('rs', { scope: namespace });
        await storage.storeTokenDataByResourceServer({ rs: data });
        const again = await session.reopen(main, namespace);
        t.expect(dictText(await again.getTokenData('rs'))).toBe(dictText(data));
      }
      t.expect(await main.getTokenData('rs')).toBe(null);
    });
  });
}

/** Concurrent writers through different handles never lose each other's updates. */
export function describeConcurrencyConformance<S extends TokenStorageLike>(t: ConformanceTestApi, options: ConformanceOptions<S>): void {
  defineGroup(t, options, 'concurrent writers', ['reopen'], (test) => {
    test('concurrent stores through two handles keep every entry', async (session) => {
      const first = await session.create();
      const second = await session.reopen(first);
      const writes = [];
      for (let index = 0; index < 20; index += 1) {
        writes.push(first.storeTokenDataByResourceServer({ [`first-${index}`]: sampleTokenData(`first-${index}`) }));
        writes.push(second.storeTokenDataByResourceServer({ [`second-${index}`]: sampleTokenData(`second-${index}`) }));
      }
      await Promise.all(writes);
      const third = await session.reopen(first);
      t.expect(Object.keys(await third.getTokenDataByResourceServer()).length).toBe(40);
    });

    test('concurrent stores and removes of different entries do not disturb each other', async (session) => {
      const first = await session.create();
      const second = await session.reopen(first);
      const initial = Object.fromEntries(Array.from({ length: 10 }, (_, index) => [`old-${index}`, sampleTokenData(`old-${index}`)]));
      await first.storeTokenDataByResourceServer(initial);
      await Promise.all(
        Array.from({ length: 10 }, (_, index) => [
          first.removeTokenData(`old-${index}`),
          second.storeTokenDataByResourceServer({ [`new-${index}`]: sampleTokenData(`new-${index}`) }),
        ]).flat(),
      );
      const keys = Object.keys(await (await session.reopen(first)).getTokenDataByResourceServer()).sort();
      t.expect(keys).toEqual(Array.from({ length: 10 }, (_, index) => `new-${index}`).sort());
    });
  });
}
