import { inspect } from 'node:util';
import { ErrorCodes, InvalidArgumentError, TokenStorageData } from '@globus-tokenstorage/core';
import { runTokenStorageConformance, sampleTokenData } from '@globus-tokenstorage/core/conformance';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';

runTokenStorageConformance<MemoryTokenStorage>(
  { describe, it, expect },
  {
    create: ({ namespace }) => new MemoryTokenStorage({ namespace }),
    reopen: (storage, { namespace }) => new MemoryTokenStorage({ namespace, shareWith: storage }),
    capabilities: { listNamespaces: true, closeRejectsCalls: true, runExclusive: true },
    inspect,
  },
);

describe('MemoryTokenStorage', () => {
  it('keeps separate data for storages made without shareWith', async () => {
    const first = new MemoryTokenStorage();
    const second = new MemoryTokenStorage();
    await first.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    expect(await second.getTokenData('rs')).toBeNull();
  });

  it('returns a new object on every read', async () => {
    const storage = new MemoryTokenStorage();
    await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs', { extra: { nested: { a: 1 } } }) });
    const first = await storage.getTokenData('rs');
    const second = await storage.getTokenData('rs');
    expect(first).not.toBe(second);
    expect(Object.isFrozen(first?.extra.nested)).toBe(true);
    expect(TokenStorageData.isInstance(first)).toBe(true);
  });

  it('uses the namespace DEFAULT unless told otherwise', () => {
    expect(new MemoryTokenStorage().namespace).toBe('DEFAULT');
    expect(new MemoryTokenStorage({ namespace: 'userapp' }).namespace).toBe('userapp');
  });

  it.each([[''], [5], [null]])('rejects the namespace %p', (namespace) => {
    expect(() => new MemoryTokenStorage({ namespace: namespace as string })).toThrow(InvalidArgumentError);
  });

  it('rejects a shareWith that is not a memory storage', () => {
    let caught: unknown;
    try {
      new MemoryTokenStorage({ shareWith: {} as MemoryTokenStorage });
    } catch (error) {
      caught = error;
    }
    expect((caught as InvalidArgumentError).code).toBe(ErrorCodes.INVALID_ARGUMENT);
  });
});
