// WebStorageTokenStorage outside a browser, on any object with the Storage interface (here a Map):
// the conformance suite with Node's util.inspect, for rendering checks the page cannot make. Without
// the Web Locks API (Node 20) runExclusive is absent and its group shows as skipped.
import { inspect } from 'node:util';
import { runTokenStorageConformance } from '@globus-tokenstorage/core/conformance';
import { WebStorageTokenStorage } from '@globus-tokenstorage/web-storage';
import { MapStorage } from '@globus-tokenstorage/test-support/map-storage';

const hasWebLocks = typeof (globalThis as { navigator?: { locks?: { request?: unknown } } }).navigator?.locks?.request === 'function';
const stores = new WeakMap<WebStorageTokenStorage, MapStorage>();

runTokenStorageConformance<WebStorageTokenStorage>(
  { describe, it, expect },
  {
    create: ({ namespace }) => {
      const storage = new MapStorage();
      const tokenStorage = new WebStorageTokenStorage({ storage, namespace });
      stores.set(tokenStorage, storage);
      return tokenStorage;
    },
    reopen: (existing, { namespace }) => {
      const storage = stores.get(existing) as MapStorage;
      const tokenStorage = new WebStorageTokenStorage({ storage, namespace });
      stores.set(tokenStorage, storage);
      return tokenStorage;
    },
    capabilities: { listNamespaces: true, closeRejectsCalls: true, runExclusive: hasWebLocks },
    inspect,
  },
);

describe('WebStorageTokenStorage options', () => {
  it.each([
    [{ storage: {} as Storage }, "'storage' must be a Storage"],
    [{ storage: new MapStorage(), keyPrefix: 5 as unknown as string }, "'keyPrefix' must be a string"],
    [
      { storage: new MapStorage(), lockTimeoutMs: -1 },
      "'lockTimeoutMs' must be a whole number of milliseconds from 0 to 2147483647, or Infinity for no limit",
    ],
    [
      { storage: new MapStorage(), sectionTimeoutMs: 1.5 },
      "'sectionTimeoutMs' must be a whole number of milliseconds from 0 to 2147483647, or Infinity for no limit",
    ],
    [{ storage: new MapStorage(), namespace: '' }, 'namespace must be a non-empty string'],
  ])('rejects %p', (options, message) => {
    expect(() => new WebStorageTokenStorage(options)).toThrow(message);
  });

  it('without localStorage (Node) asks for a storage', () => {
    expect(() => new WebStorageTokenStorage()).toThrow("'storage' must be a Storage");
  });

  it('names its key, never a token, in String, JSON and inspect', async () => {
    const storage = new WebStorageTokenStorage({ storage: new MapStorage(), namespace: 'userapp' });
    expect(String(storage)).toBe('WebStorageTokenStorage(Storage["globus-tokenstorage:userapp"])');
    expect(JSON.parse(JSON.stringify(storage))).toEqual({
      storage: 'WebStorageTokenStorage',
      namespace: 'userapp',
      key: 'globus-tokenstorage:userapp',
      storageArea: 'Storage',
    });
    expect(inspect(storage)).toBe(String(storage));
  });
});
