import { inspect } from 'node:util';
import { runTokenStorageConformance, type ConformanceOptions } from '@globus-tokenstorage/core/conformance';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
import {
  AbandoningStorage,
  DroppingOnCloseStorage,
  HastyCloseStorage,
  LeakyStorage,
  LosingWritesStorage,
  NonExclusiveStorage,
  SharingStorage,
  TransparentStorage,
} from './support/broken-storages';
import { collectingRunner, type CaseOutcome } from './support/collecting-runner';

type StorageClass = new (options: { namespace?: string; shareWith?: MemoryTokenStorage }) => MemoryTokenStorage;

function optionsFor(Storage: StorageClass): ConformanceOptions<MemoryTokenStorage> {
  return {
    create: ({ namespace }) => new Storage({ namespace }),
    reopen: (storage, { namespace }) => new Storage({ namespace, shareWith: storage }),
    capabilities: { listNamespaces: true, closeRejectsCalls: true, runExclusive: true },
    inspect,
    // Short, so that a case left waiting on a hanging call ends soon.
    timeoutMs: 2000,
  };
}

async function runSuite(Storage: StorageClass): Promise<CaseOutcome[]> {
  const { api, run } = collectingRunner();
  runTokenStorageConformance(api, optionsFor(Storage));
  return run();
}

const failedNames = (outcomes: CaseOutcome[]) =>
  outcomes.filter((outcome) => !outcome.passed && !outcome.skipped).map((outcome) => outcome.name);

describe('the conformance suite', () => {
  it('passes every case against the reference MemoryTokenStorage', async () => {
    const outcomes = await runSuite(MemoryTokenStorage);
    expect(failedNames(outcomes)).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(40);
  });

  it('fails against a storage that loses writes', async () => {
    const failed = failedNames(await runSuite(LosingWritesStorage));
    expect(failed).toEqual(expect.arrayContaining([expect.stringContaining('a later store adds entries and keeps the others')]));
    expect(failed).toEqual(expect.arrayContaining([expect.stringContaining('concurrent stores through two handles keep every entry')]));
  });

  it('fails against a storage that leaks a token into an error message', async () => {
    const failed = failedNames(await runSuite(LeakyStorage));
    expect(failed).toEqual([expect.stringContaining('no error message, stack or cause shows a stored token')]);
  });

  it('fails against a storage whose JSON form shows its tokens', async () => {
    const failed = failedNames(await runSuite(TransparentStorage));
    expect(failed).toEqual([expect.stringContaining('JSON.stringify, String and inspect of the storage show no token')]);
  });

  it('fails against a storage that hands out its live records', async () => {
    const failed = failedNames(await runSuite(SharingStorage));
    expect(failed).toEqual(expect.arrayContaining([expect.stringContaining('changing a returned mapping does not change the storage')]));
  });

  it('fails against a storage whose exclusive sections let two callers in', async () => {
    const failed = failedNames(await runSuite(NonExclusiveStorage));
    expect(failed).toEqual([expect.stringContaining('runExclusive runs calls with the same key one at a time, across handles')]);
  });

  it('fails against a storage whose close() resolves before the calls it accepted', async () => {
    const failed = failedNames(await runSuite(HastyCloseStorage));
    expect(failed).toEqual([expect.stringContaining('calls started before close() all settle')]);
  });

  it('fails against a storage that leaves the calls it accepted pending after close()', async () => {
    const failed = failedNames(await runSuite(AbandoningStorage));
    expect(failed).toEqual([expect.stringContaining('calls started before close() all settle')]);
  });

  it('fails against a storage that drops the writes in flight when close() is called', async () => {
    const failed = failedNames(await runSuite(DroppingOnCloseStorage));
    expect(failed).toEqual([expect.stringContaining('every store that resolved across close() is kept')]);
  });

  it('shows a group the backend cannot run as a skipped case that names the reason', async () => {
    const { api, run } = collectingRunner();
    runTokenStorageConformance(api, { create: ({ namespace }) => new MemoryTokenStorage({ namespace }) });
    const outcomes = await run();
    const skipped = outcomes.filter((outcome) => outcome.skipped).map((outcome) => outcome.name);
    expect(skipped).toEqual(
      expect.arrayContaining([
        expect.stringContaining('persistence: skipped, the backend lacks reopen'),
        expect.stringContaining('closing: skipped, the backend lacks closeRejectsCalls'),
        expect.stringContaining('listing namespaces: skipped, the backend lacks listNamespaces and reopen'),
      ]),
    );
    expect(failedNames(outcomes)).toEqual([]);
  });
});
