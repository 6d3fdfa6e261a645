import { ErrorCodes, TokenStorageError } from '../../errors';
import type { TokenStorageLike } from '../../storage/token-storage-like';
import { defineGroup } from '../harness';
import { sampleTokenData } from '../sample-data';
import type { ConformanceOptions, ConformanceTestApi } from '../types';

/** How many stores each case starts just before `close()`. */
const STORES = 5;

/** One call started before `close()`, and how it ended. */
interface TrackedCall {
  label: string;
  outcome: 'pending' | 'fulfilled' | string;
}

/** What the calls and `close()` did, in the order they settled. */
interface InFlightRun {
  calls: TrackedCall[];
  /** Labels in settling order; `close()` is `'close()'`. */
  order: string[];
  /** The resource servers of the stores that resolved. */
  storedKeys: string[];
}

/**
 * Starts stores, reads, a removal (and a section, when the backend has them) on a storage already
 * in use, calls `close()` at once, and waits for all of them, at most half the case's time limit.
 */
async function closeWithCallsInFlight(storage: TokenStorageLike, options: ConformanceOptions): Promise<InFlightRun> {
  await storage.storeTokenDataByResourceServer({ warm: sampleTokenData('warm') });
  const order: string[] = [];
  const storedKeys: string[] = [];
  const calls: TrackedCall[] = [];
  const started: Promise<void>[] = [];
  const start = (label: string, call: () => Promise<unknown>, onFulfilled?: () => void) => {
    const tracked: TrackedCall = { label, outcome: 'pending' };
    calls.push(tracked);
    let promise: Promise<unknown>;
    try {
      promise = call();
    } catch (error) {
      promise = Promise.reject(error);
    }
    started.push(
      // The order is recorded in the first reaction, so every promise is timed alike.
      promise.then(
        () => {
          tracked.outcome = 'fulfilled';
          order.push(label);
          onFulfilled?.();
        },
        (error: unknown) => {
          tracked.outcome = TokenStorageError.isInstance(error) ? error.code : 'a rejection that is not a TokenStorageError';
          order.push(label);
        },
      ),
    );
  };
  for (let index = 0; index < STORES; index += 1) {
    const key = `in-flight-${index}`;
    start(
      `storeTokenDataByResourceServer({ '${key}' })`,
      () => storage.storeTokenDataByResourceServer({ [key]: sampleTokenData(key) }),
      () => storedKeys.push(key),
    );
  }
  start("getTokenData('warm')", () => storage.getTokenData('warm'));
  start('getTokenDataByResourceServer()', () => storage.getTokenDataByResourceServer());
  start("removeTokenData('absent')", () => storage.removeTokenData('absent'));
  if (options.capabilities?.runExclusive === true && storage.runExclusive) {
    const runExclusive = storage.runExclusive.bind(storage);
    start("runExclusive('in-flight', fn)", () => runExclusive('in-flight', () => storage.getTokenData('warm')));
  }
  const closed = () => {
    order.push('close()');
  };
  const closing = Promise.resolve(storage.close?.()).then(closed, closed);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, (options.timeoutMs ?? 20000) / 2);
  });
  await Promise.race([Promise.allSettled([...started, closing]), deadline]);
  clearTimeout(timer);
  if (!order.includes('close()')) calls.push({ label: 'close()', outcome: 'pending' });
  return { calls, order, storedKeys };
}

/**
 * `close()` with calls in flight: each call the storage accepted settles, fulfilled or rejected
 * with `StorageClosedError`, `close()` resolves only after them, and what a resolved store wrote is kept.
 */
export function describeClosingInFlightConformance<S extends TokenStorageLike>(
  t: ConformanceTestApi,
  options: ConformanceOptions<S>,
): void {
  defineGroup(t, options, 'closing with calls in flight', ['closeRejectsCalls'], (test) => {
    test('calls started before close() all settle, fulfilled or with StorageClosedError, and close() resolves after them', async (session) => {
      const run = await closeWithCallsInFlight(await session.create(), options);
      const wrong = run.calls
        .filter((call) => call.outcome !== 'fulfilled' && call.outcome !== ErrorCodes.STORAGE_CLOSED)
        .map((call) => `${call.label}: ${call.outcome === 'pending' ? 'still pending' : `rejected with ${call.outcome}`}`);
      t.expect(wrong).toEqual([]);
      const settledAfterClose = run.order.slice(run.order.indexOf('close()') + 1);
      t.expect(settledAfterClose.map((label) => `${label} settled after close() resolved`)).toEqual([]);
    });
  });

  defineGroup(t, options, 'closing with writes in flight', ['closeRejectsCalls', 'reopen'], (test) => {
    test('every store that resolved across close() is kept', async (session) => {
      const storage = await session.create();
      const run = await closeWithCallsInFlight(storage, options);
      const kept = Object.keys(await (await session.reopen(storage)).getTokenDataByResourceServer());
      t.expect(run.storedKeys.filter((key) => !kept.includes(key)).map((key) => `${key} resolved but was not stored`)).toEqual([]);
    });
  });
}
