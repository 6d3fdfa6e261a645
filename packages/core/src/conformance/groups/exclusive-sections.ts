import { ErrorCodes } from '../../errors';
import type { TokenStorageLike } from '../../storage/token-storage-like';
import { defineGroup } from '../harness';
import { expectStorageError, sampleTokenData } from '../sample-data';
import type { ConformanceOptions, ConformanceTestApi } from '../types';

type Exclusive = <T>(key: string, fn: () => Promise<T>) => Promise<T>;

const exclusiveOf = (storage: TokenStorageLike): Exclusive => (storage.runExclusive as Exclusive).bind(storage);
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** `runExclusive`: one holder per key across handles, storage usable inside, errors passed on. */
export function describeExclusiveSectionConformance<S extends TokenStorageLike>(
  t: ConformanceTestApi,
  options: ConformanceOptions<S>,
): void {
  defineGroup(t, options, 'exclusive sections', ['runExclusive', 'reopen'], (test) => {
    test('runExclusive runs calls with the same key one at a time, across handles', async (session) => {
      const first = await session.create();
      const second = await session.reopen(first);
      let active = 0;
      let mostActive = 0;
      await Promise.all(
        Array.from({ length: 8 }, (_, index) =>
          exclusiveOf(index % 2 === 0 ? first : second)('DEFAULT/transfer.api.globus.org', async () => {
            active += 1;
            mostActive = Math.max(mostActive, active);
            await pause(5);
            const storage = index % 2 === 0 ? first : second;
            await storage.storeTokenDataByResourceServer({ [`rs-${index}`]: sampleTokenData(`rs-${index}`) });
            await storage.getTokenDataByResourceServer();
            active -= 1;
          }),
        ),
      );
      t.expect(mostActive).toBe(1);
      t.expect(Object.keys(await first.getTokenDataByResourceServer()).length).toBe(8);
    });

    test('runExclusive passes on the result and the error of fn, and releases the section after an error', async (session) => {
      const storage = await session.create();
      const exclusive = exclusiveOf(storage);
      t.expect(await exclusive('key', async () => 42)).toBe(42);
      let message = '';
      try {
        await exclusive('key', async () => {
          throw new Error('refresh failed');
        });
      } catch (error) {
        message = (error as Error).message;
      }
      t.expect(message).toBe('refresh failed');
      t.expect(await exclusive('key', async () => 'again')).toBe('again');
    });

    test('the storage can be read and written from other handles while a section is held', async (session) => {
      const first = await session.create();
      const second = await session.reopen(first);
      await exclusiveOf(first)('held', async () => {
        await second.storeTokenDataByResourceServer({ outside: sampleTokenData('outside') });
        t.expect((await first.getTokenData('outside'))?.resourceServer).toBe('outside');
      });
    });

    test('runExclusive rejects an empty key with InvalidArgumentError', async (session) => {
      const storage = await session.create();
      await expectStorageError(t, "runExclusive('')", () => exclusiveOf(storage)('', async () => undefined), ErrorCodes.INVALID_ARGUMENT);
    });
  });
}
