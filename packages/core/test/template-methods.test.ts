import { inspect } from 'node:util';
import {
  hasRunExclusive,
  InvalidArgumentError,
  StorageClosedError,
  TokenStorage,
  TokenStorageData,
  type TokenDataDict,
} from '@globus-tokenstorage/core';
import { runTokenStorageConformance } from '@globus-tokenstorage/core/conformance';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
import { collectingRunner } from './support/collecting-runner';

/** The example backend of the README's "Writing a backend": three hooks and no checks of its own. */
class MapTokenStorage extends TokenStorage {
  private readonly entries = new Map<string, TokenDataDict>();
  protected async readEntries() {
    return Object.fromEntries([...this.entries].map(([key, dict]) => [key, TokenStorageData.fromDict(dict)]));
  }
  protected async writeEntries(entries: ReadonlyArray<readonly [string, TokenStorageData]>) {
    for (const [key, value] of entries) this.entries.set(key, value.toDict());
  }
  protected async removeEntry(resourceServer: string) {
    return this.entries.delete(resourceServer);
  }
}

/** Records every hook call; its section hook is assigned after construction, as a backend whose sections depend on the environment does. */
class RecordingStorage extends MapTokenStorage {
  readonly calls: string[] = [];
  declare protected runInSection?: <T>(key: string, fn: () => Promise<T>) => Promise<T>;

  constructor(withSections: boolean) {
    super();
    if (withSections) this.runInSection = (key, fn) => (this.calls.push(`runInSection ${key}`), fn());
  }

  protected override async readEntries() {
    this.calls.push('readEntries');
    return super.readEntries();
  }

  protected override async writeEntries(entries: ReadonlyArray<readonly [string, TokenStorageData]>) {
    this.calls.push(`writeEntries ${entries.map(([key]) => key).join(',')}`);
    return super.writeEntries(entries);
  }

  protected override async removeEntry(resourceServer: string) {
    this.calls.push(`removeEntry ${resourceServer}`);
    return super.removeEntry(resourceServer);
  }
}

const data = () =>
  TokenStorageData.fromDict({
    resource_server: 'rs',
    identity_id: null,
    scope: 's',
    access_token: 'AT',
    refresh_token: null,
    expires_at_seconds: 1,
    token_type: 'Bearer',
  });

describe('TokenStorage template methods', () => {
  it('give the README example backend, which checks nothing itself, every checked behaviour of the conformance suite', async () => {
    const { api, run } = collectingRunner();
    runTokenStorageConformance(api, {
      create: ({ namespace }) => new MapTokenStorage({ namespace }),
      capabilities: { closeRejectsCalls: true },
      inspect,
      timeoutMs: 2000,
    });
    const outcomes = await run();
    expect(outcomes.filter((outcome) => !outcome.passed && !outcome.skipped).map((outcome) => outcome.name)).toEqual([]);
    expect(outcomes.some((outcome) => outcome.name.includes('closing') && outcome.passed)).toBe(true);
  });

  it('call no hook for bad arguments or after close()', async () => {
    const storage = new RecordingStorage(true);
    await expect(storage.getTokenData('')).rejects.toThrow(InvalidArgumentError);
    await expect(storage.removeTokenData(7 as never)).rejects.toThrow(InvalidArgumentError);
    await expect(storage.storeTokenDataByResourceServer(new Map() as never)).rejects.toThrow(InvalidArgumentError);
    await expect(storage.runExclusive?.('', async () => 1)).rejects.toThrow('runExclusive: key must be a non-empty string');
    await expect(storage.runExclusive?.('k', 'fn' as never)).rejects.toThrow('runExclusive: fn must be a function');
    expect(storage.calls).toEqual([]);
    await storage.storeTokenDataByResourceServer({ rs: data() });
    await expect(storage.getTokenData('rs')).resolves.toEqual(data());
    await expect(storage.runExclusive?.('k', async () => 'done')).resolves.toBe('done');
    expect(storage.calls).toEqual(['writeEntries rs', 'readEntries', 'runInSection k']);
    await storage.close();
    for (const call of [
      storage.getTokenData('rs'),
      storage.getTokenDataByResourceServer(),
      storage.removeTokenData('rs'),
      storage.runExclusive?.('k', async () => 1),
    ]) {
      await expect(call).rejects.toThrow(StorageClosedError);
    }
    expect(storage.calls).toHaveLength(3);
  });

  it('make runExclusive, listNamespaces and iterAllEntries present exactly when their hook is', () => {
    expect(hasRunExclusive(new RecordingStorage(false))).toBe(false);
    expect(hasRunExclusive(new RecordingStorage(true))).toBe(true);
    const bare = new MapTokenStorage();
    expect([bare.runExclusive, bare.listNamespaces, bare.iterAllEntries]).toEqual([undefined, undefined, undefined]);
    const memory = new MemoryTokenStorage();
    expect([typeof memory.runExclusive, typeof memory.listNamespaces, typeof memory.iterAllEntries]).toEqual([
      'function',
      'function',
      'undefined',
    ]);
    expect(memory.runExclusive).toBe(memory.runExclusive);
  });

  it('let close() wait for a call in flight, and reject what comes after', async () => {
    const storage = new RecordingStorage(true);
    let release!: () => void;
    const held = storage.runExclusive?.('k', () => new Promise<string>((resolve) => (release = () => resolve('held'))));
    await new Promise((resolve) => setImmediate(resolve));
    let closed = false;
    const closing = storage.close().then(() => (closed = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closed).toBe(false);
    await expect(storage.getTokenData('rs')).rejects.toThrow(StorageClosedError);
    release();
    await expect(held).resolves.toBe('held');
    await closing;
    expect(closed).toBe(true);
  });
});
