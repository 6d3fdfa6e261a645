// In-process behaviour of StorageBackedAuthorizer on memory storages (several handles on one store
// stand for several processes: MemoryTokenStorage's runExclusive is shared through `shareWith`).
// The multi-process proof against the real auth server is in storage-backed-processes.test.ts.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import {
  AuthAPIError,
  AuthRequestAbortedError,
  AuthRequestTimeoutError,
  ErrorCodes,
  hasRunExclusive,
  InvalidArgumentError,
  InvalidTokenDataError,
  MissingTokenError,
  OAuthTokenResponse,
  StorageLockTimeoutError,
  TokenStorageData,
  TokenStorageError,
  ValidatingTokenStorage,
  validateTokenFile,
  type TokenStorageLike,
} from '@globus-tokenstorage/core';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { createAuthorizedFetch, StorageBackedAuthorizer, type RefreshTokenClient } from '@globus-tokenstorage/authorizers';

const RS = 'transfer.api.globus.org';
const SCOPE = 'urn:globus:auth:scope:transfer.api.globus.org:all';
const IDENTITY = '11111111-2222-4333-8444-555555555555';
const NOW = 1_700_000_000;
const CANARY = 'CANARY-5d1e0a';

function tokenData(
  accessToken: string,
  expiresAtSeconds: number,
  refreshToken: string | null = `${accessToken}-refresh`,
): TokenStorageData {
  return new TokenStorageData({
    resourceServer: RS,
    identityId: IDENTITY,
    scope: SCOPE,
    accessToken,
    refreshToken,
    expiresAtSeconds,
    tokenType: 'Bearer',
  });
}

function refreshAnswer(accessToken: string, fields: Record<string, unknown> = {}): OAuthTokenResponse {
  return OAuthTokenResponse.fromJSON(
    { access_token: accessToken, expires_in: 3600, resource_server: RS, scope: SCOPE, token_type: 'Bearer', other_tokens: [], ...fields },
    { grantType: 'refresh_token', now: () => NOW },
  );
}

/** A login client double: records the refresh tokens it was given and whether the section was held. */
class CountingClient implements RefreshTokenClient {
  readonly seen: string[] = [];
  readonly insideSection: boolean[] = [];
  constructor(
    private readonly answer: (refreshToken: string, call: number) => Promise<OAuthTokenResponse>,
    private readonly section?: { held: boolean },
  ) {}
  oauth2RefreshToken(refreshToken: string): Promise<OAuthTokenResponse> {
    this.seen.push(refreshToken);
    this.insideSection.push(this.section?.held ?? false);
    return this.answer(refreshToken, this.seen.length);
  }
}

/** Answers `new-<n>` after a turn of the event loop, rotating the refresh token. */
const rotatingClient = (section?: { held: boolean }) =>
  new CountingClient(async (_refreshToken, call) => {
    await new Promise((resolve) => setImmediate(resolve));
    return refreshAnswer(`new-${call}`, { refresh_token: `rotated-${call}` });
  }, section);

/** A memory storage whose section is observable, and whose reads are counted. */
class ObservedStorage extends MemoryTokenStorage {
  readonly section = { held: false };
  reads = 0;
  sectionsEntered = 0;
  override async getTokenData(resourceServer: string): Promise<TokenStorageData | null> {
    this.reads += 1;
    return super.getTokenData(resourceServer);
  }
  protected override async runInSection<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return super.runInSection(key, async () => {
      this.sectionsEntered += 1;
      this.section.held = true;
      try {
        return await fn();
      } finally {
        this.section.held = false;
      }
    });
  }
}

async function storageWith(data: TokenStorageData | null): Promise<ObservedStorage> {
  const storage = new ObservedStorage();
  if (data !== null) await storage.storeTokenDataByResourceServer({ [RS]: data });
  storage.reads = 0;
  return storage;
}

const now = () => NOW;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** Waits until `condition` holds (checked every 20 ms), for at most 10 s. */
async function until(condition: () => Promise<boolean> | boolean): Promise<void> {
  for (const endsAt = Date.now() + 10_000; !(await condition()); ) {
    if (Date.now() > endsAt) throw new Error('the condition never held');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const LEASE_KEY = 'globus_tokenstorage_refresh_lease';

/** The entry with a "refresh in flight" marker of another process. */
function leased(data: TokenStorageData, marker: unknown): TokenStorageData {
  return data.with({ extra: { [LEASE_KEY]: marker } });
}

/** A promise that never settles: a storage or a server that accepts a call and never answers. */
const never = <T>() => new Promise<T>(() => undefined);

describe('StorageBackedAuthorizer: construction', () => {
  it('does no I/O in the constructor', () => {
    const storage = new ObservedStorage();
    const client = rotatingClient();
    new StorageBackedAuthorizer(storage, RS, client);
    expect(storage.reads).toBe(0);
    expect(client.seen).toHaveLength(0);
  });

  it('refuses a storage without runExclusive, naming the storages that have it', () => {
    const inner = new MemoryTokenStorage();
    const plain = {
      namespace: 'DEFAULT',
      getTokenData: inner.getTokenData.bind(inner),
      storeTokenResponse: inner.storeTokenResponse.bind(inner),
    };
    const create = () => new StorageBackedAuthorizer(plain as never, RS, rotatingClient());
    expect(create).toThrow(InvalidArgumentError);
    expect(create).toThrow(/runExclusive.*JSONTokenStorage/);
  });

  it('its type refuses a storage that may lack runExclusive, which hasRunExclusive narrows', () => {
    // Typed as any storage: one without runExclusive, and one with it.
    const plain: TokenStorageLike = Object.assign(new MemoryTokenStorage(), { runExclusive: undefined });
    const sectioned: TokenStorageLike = new MemoryTokenStorage();
    // Each @ts-expect-error fails `pnpm typecheck` if the types accept the call again.
    // @ts-expect-error runExclusive is optional in TokenStorageLike
    expect(() => new StorageBackedAuthorizer(plain, RS, rotatingClient())).toThrow(/runExclusive/);
    // @ts-expect-error a ValidatingTokenStorage has runExclusive only when its inner storage's type does
    expect(() => new StorageBackedAuthorizer(new ValidatingTokenStorage(plain), RS, rotatingClient())).toThrow(/runExclusive/);
    expect(hasRunExclusive(plain)).toBe(false);
    expect(hasRunExclusive(sectioned)).toBe(true);
    if (hasRunExclusive(sectioned))
      expect(new StorageBackedAuthorizer(sectioned, RS, rotatingClient())).toBeInstanceOf(StorageBackedAuthorizer);
  });

  it('accepts a ValidatingTokenStorage around a storage with runExclusive', () => {
    expect(() => new StorageBackedAuthorizer(new ValidatingTokenStorage(new MemoryTokenStorage()), RS, rotatingClient())).not.toThrow();
  });

  it.each([
    ['not a storage', () => new StorageBackedAuthorizer({} as never, RS, rotatingClient())],
    ['an empty resource server', () => new StorageBackedAuthorizer(new MemoryTokenStorage(), '', rotatingClient())],
    ['a client without oauth2RefreshToken', () => new StorageBackedAuthorizer(new MemoryTokenStorage(), RS, {} as never)],
    ['a negative margin', () => new StorageBackedAuthorizer(new MemoryTokenStorage(), RS, rotatingClient(), { marginSeconds: -1 })],
    [
      'a margin that is not a number',
      () => new StorageBackedAuthorizer(new MemoryTokenStorage(), RS, rotatingClient(), { marginSeconds: '60' as never }),
    ],
    [
      'a clock that is not a function',
      () => new StorageBackedAuthorizer(new MemoryTokenStorage(), RS, rotatingClient(), { now: 5 as never }),
    ],
    [
      'an onRefresh that is not a function',
      () => new StorageBackedAuthorizer(new MemoryTokenStorage(), RS, rotatingClient(), { onRefresh: 'x' as never }),
    ],
  ])('rejects %s with InvalidArgumentError', (_what, create) => {
    expect(create).toThrow(InvalidArgumentError);
  });

  it('names its section after the namespace and the resource server', () => {
    const authorizer = new StorageBackedAuthorizer(new MemoryTokenStorage({ namespace: 'userapp' }), RS, rotatingClient());
    expect(authorizer.sectionKey).toBe(`userapp/${RS}`);
  });
});

describe('StorageBackedAuthorizer: tokens', () => {
  it('uses a valid stored token without refreshing, reading the storage once', async () => {
    const storage = await storageWith(tokenData('stored', NOW + 3600));
    const client = rotatingClient();
    const authorizer = new StorageBackedAuthorizer(storage, RS, client, { now });
    for (let i = 0; i < 5; i += 1) expect(await authorizer.getAuthorizationHeader()).toBe('Bearer stored');
    expect(storage.reads).toBe(1);
    expect(client.seen).toHaveLength(0);
    expect(authorizer.expiresAtSeconds).toBe(NOW + 3600);
  });

  it('1000 concurrent calls on an expired stored token cause one refresh, inside the section, and store its answer', async () => {
    const storage = await storageWith(tokenData('expired', NOW - 10, 'refresh-0'));
    const client = rotatingClient(storage.section);
    const authorizer = new StorageBackedAuthorizer(storage, RS, client, { now });
    const headers = await Promise.all(Array.from({ length: 1000 }, () => authorizer.getAuthorizationHeader()));
    expect(new Set(headers)).toEqual(new Set(['Bearer new-1']));
    expect(client.seen).toEqual(['refresh-0']);
    expect(client.insideSection).toEqual([true]);
    const stored = await storage.getTokenData(RS);
    expect(stored?.accessToken).toBe('new-1');
    expect(stored?.refreshToken).toBe('rotated-1');
    expect(stored?.expiresAtSeconds).toBe(NOW + 3600);
    expect(stored?.identityId).toBe(IDENTITY);
  });

  it('renews a token that expires within the margin, and honours a custom margin', async () => {
    const defaultMargin = new StorageBackedAuthorizer(await storageWith(tokenData('soon', NOW + 59)), RS, rotatingClient(), { now });
    expect(await defaultMargin.getAuthorizationHeader()).toBe('Bearer new-1');
    const exact = new StorageBackedAuthorizer(await storageWith(tokenData('soon', NOW + 60)), RS, rotatingClient(), { now });
    expect(await exact.getAuthorizationHeader()).toBe('Bearer soon');
    const noMargin = new StorageBackedAuthorizer(await storageWith(tokenData('soon', NOW + 59)), RS, rotatingClient(), {
      now,
      marginSeconds: 0,
    });
    expect(await noMargin.getAuthorizationHeader()).toBe('Bearer soon');
  });

  it('follows the injected clock: the token in memory is renewed once the clock passes its expiry', async () => {
    let clock = NOW;
    const storage = await storageWith(tokenData('first', NOW + 600, 'refresh-0'));
    const client = new CountingClient(async () => refreshAnswer('second', { refresh_token: 'refresh-1' }));
    const authorizer = new StorageBackedAuthorizer(storage, RS, client, { now: () => clock });
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer first');
    clock = NOW + 541;
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer second');
    expect(client.seen).toEqual(['refresh-0']);
  });

  it('adopts a token another process stored when its own expired, without refreshing or entering the section', async () => {
    let clock = NOW;
    const storage = await storageWith(tokenData('first', NOW + 600));
    const client = rotatingClient();
    const authorizer = new StorageBackedAuthorizer(storage, RS, client, { now: () => clock });
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer first');
    await new MemoryTokenStorage({ shareWith: storage }).storeTokenDataByResourceServer({ [RS]: tokenData('by-other', NOW + 4000) });
    clock = NOW + 3000;
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer by-other');
    expect(client.seen).toHaveLength(0);
    expect(storage.sectionsEntered).toBe(0);
  });

  it('adopts a token stored by another holder of the section while it waited, without refreshing', async () => {
    const storage = await storageWith(tokenData('expired', NOW - 10));
    const other = new MemoryTokenStorage({ shareWith: storage });
    const client = rotatingClient();
    const authorizer = new StorageBackedAuthorizer(storage, RS, client, { now });
    let entered!: () => void;
    const otherEntered = new Promise<void>((resolve) => (entered = resolve));
    const otherProcess = other.runExclusive(`DEFAULT/${RS}`, async () => {
      entered();
      await new Promise((resolve) => setTimeout(resolve, 20));
      await other.storeTokenDataByResourceServer({ [RS]: tokenData('by-other', NOW + 3600) });
    });
    await otherEntered;
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer by-other');
    await otherProcess;
    expect(client.seen).toHaveLength(0);
  });

  it('several authorizers on one store (processes) racing on an expired token refresh once in all', async () => {
    const storage = await storageWith(tokenData('expired', NOW - 10, 'refresh-0'));
    const client = rotatingClient();
    const authorizers = Array.from(
      { length: 8 },
      () => new StorageBackedAuthorizer(new MemoryTokenStorage({ shareWith: storage }), RS, client, { now }),
    );
    const headers = await Promise.all(
      authorizers.flatMap((authorizer) => Array.from({ length: 25 }, () => authorizer.getAuthorizationHeader())),
    );
    expect(new Set(headers)).toEqual(new Set(['Bearer new-1']));
    expect(client.seen).toEqual(['refresh-0']);
  });
});

describe('StorageBackedAuthorizer: 401', () => {
  it('adopts without refreshing (or entering the section) when another process already replaced the rejected token', async () => {
    const storage = await storageWith(tokenData('first', NOW + 3600));
    const client = rotatingClient();
    const authorizer = new StorageBackedAuthorizer(storage, RS, client, { now });
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer first');
    await new MemoryTokenStorage({ shareWith: storage }).storeTokenDataByResourceServer({ [RS]: tokenData('replaced', NOW + 3600) });
    expect(await authorizer.handleMissingAuthorization('Bearer first')).toBe(true);
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer replaced');
    expect(client.seen).toHaveLength(0);
    expect(storage.sectionsEntered).toBe(0);
  });

  it('refreshes once when the storage still holds the rejected token, and never uses it again', async () => {
    const storage = await storageWith(tokenData('revoked', NOW + 3600, 'refresh-0'));
    const client = rotatingClient(storage.section);
    const authorizer = new StorageBackedAuthorizer(storage, RS, client, { now });
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer revoked');
    const answers = await Promise.all(Array.from({ length: 10 }, () => authorizer.handleMissingAuthorization('Bearer revoked')));
    expect(answers).toEqual(Array(10).fill(true));
    expect(client.seen).toEqual(['refresh-0']);
    expect(client.insideSection).toEqual([true]);
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer new-1');
    expect(await authorizer.handleMissingAuthorization('Bearer revoked')).toBe(true);
    expect(client.seen).toHaveLength(1);
  });

  it('does not adopt a stored token that a server rejected, even from a fresh authorizer', async () => {
    const storage = await storageWith(tokenData('revoked', NOW + 3600, 'refresh-0'));
    const client = rotatingClient();
    const authorizer = new StorageBackedAuthorizer(storage, RS, client, { now });
    expect(await authorizer.handleMissingAuthorization('Bearer revoked')).toBe(true);
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer new-1');
    expect(client.seen).toEqual(['refresh-0']);
  });

  it('answers true at once for a header that is no longer the current one', async () => {
    const storage = await storageWith(tokenData('current', NOW + 3600));
    const authorizer = new StorageBackedAuthorizer(storage, RS, rotatingClient(), { now });
    await authorizer.getAuthorizationHeader();
    const reads = storage.reads;
    expect(await authorizer.handleMissingAuthorization('Bearer older')).toBe(true);
    expect(storage.reads).toBe(reads);
  });

  it('createAuthorizedFetch retries a 401 with the refreshed token', async () => {
    const storage = await storageWith(tokenData('revoked', NOW + 3600));
    const authorizer = new StorageBackedAuthorizer(storage, RS, rotatingClient(), { now });
    const seen: Array<string | null> = [];
    const fetchWithAuthorizer = createAuthorizedFetch(authorizer, {
      fetch: async (_input, init) => {
        const header = new Headers(init?.headers).get('Authorization');
        seen.push(header);
        return new Response(null, { status: header === 'Bearer revoked' ? 401 : 200 });
      },
    });
    expect((await fetchWithAuthorizer('https://api.example.org/x')).status).toBe(200);
    expect(seen).toEqual(['Bearer revoked', 'Bearer new-1']);
  });
});

describe('StorageBackedAuthorizer: failures', () => {
  it('a failed refresh rejects every waiter with the typed error, and the next call retries', async () => {
    const storage = await storageWith(tokenData('expired', NOW - 10, 'refresh-0'));
    let fail = true;
    const client = new CountingClient(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      if (fail) throw new AuthAPIError('the refresh_token grant failed: HTTP 503', { httpStatus: 503 });
      return refreshAnswer('recovered');
    });
    const authorizer = new StorageBackedAuthorizer(storage, RS, client, { now });
    const outcomes = await Promise.allSettled(Array.from({ length: 50 }, () => authorizer.getAuthorizationHeader()));
    expect(client.seen).toHaveLength(1);
    for (const outcome of outcomes) {
      expect(outcome.status).toBe('rejected');
      expect(AuthAPIError.isInstance((outcome as PromiseRejectedResult).reason)).toBe(true);
    }
    fail = false;
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer recovered');
    expect(client.seen).toHaveLength(2);
    // The section was released after the failure: another handle can take it.
    await expect(storage.runExclusive(authorizer.sectionKey, async () => 'free')).resolves.toBe('free');
  });

  it('an untyped failure of a custom client becomes an AuthAPIError without its message', async () => {
    const storage = await storageWith(tokenData('expired', NOW - 10, `${CANARY}-refresh`));
    const client = new CountingClient(async (refreshToken) => {
      throw new TypeError(`could not send ${refreshToken}`);
    });
    const error = await rejection(new StorageBackedAuthorizer(storage, RS, client, { now }).getAuthorizationHeader());
    expect(AuthAPIError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain('TypeError');
    expect(inspect(error, { showHidden: true })).not.toContain(CANARY);
  });

  it('a refresh answer for another resource server is an InvalidTokenDataError', async () => {
    const storage = await storageWith(tokenData('expired', NOW - 10));
    const client = new CountingClient(async () => refreshAnswer('wrong', { resource_server: 'other.api.globus.org' }));
    const error = await rejection(new StorageBackedAuthorizer(storage, RS, client, { now }).getAuthorizationHeader());
    expect(InvalidTokenDataError.isInstance(error)).toBe(true);
    expect((await storage.getTokenData(RS))?.accessToken).toBe('expired');
  });

  it('no stored token: MissingTokenError naming the resource server, without touching the client', async () => {
    const client = rotatingClient();
    const error = await rejection(new StorageBackedAuthorizer(await storageWith(null), RS, client, { now }).getAuthorizationHeader());
    expect(MissingTokenError.isInstance(error)).toBe(true);
    expect((error as MissingTokenError).code).toBe(ErrorCodes.MISSING_TOKEN);
    expect((error as MissingTokenError).resourceServer).toBe(RS);
    expect(client.seen).toHaveLength(0);
  });

  it('no stored refresh token: a valid token is used, an expired one gives MissingTokenError', async () => {
    const valid = new StorageBackedAuthorizer(await storageWith(tokenData('valid', NOW + 3600, null)), RS, rotatingClient(), { now });
    expect(await valid.getAuthorizationHeader()).toBe('Bearer valid');
    const client = rotatingClient();
    const expired = new StorageBackedAuthorizer(await storageWith(tokenData('expired', NOW - 10, null)), RS, client, { now });
    const error = await rejection(expired.getAuthorizationHeader());
    expect(MissingTokenError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(`No refresh_token for ${RS}`);
    expect(client.seen).toHaveLength(0);
  });

  it('a section that cannot be entered passes on the storage timeout', async () => {
    const storage = await storageWith(tokenData('expired', NOW - 10));
    storage.runExclusive = async () => {
      throw new StorageLockTimeoutError('timed out waiting for the section', { resource: 'x', timeoutMs: 1 });
    };
    const error = await rejection(new StorageBackedAuthorizer(storage, RS, rotatingClient(), { now }).getAuthorizationHeader());
    expect(StorageLockTimeoutError.isInstance(error)).toBe(true);
  });

  it('an answer that could not be stored is returned to the caller and stored once the storage works again, without spending the refresh token again', async () => {
    const storage = await storageWith(tokenData('expired', NOW - 10, 'refresh-0'));
    const client = rotatingClient();
    const authorizer = new StorageBackedAuthorizer(storage, RS, client, { now });
    const store = storage.storeTokenResponse.bind(storage);
    let failures = 0;
    storage.storeTokenResponse = async (response) => {
      if (failures < 3) {
        failures += 1;
        throw Object.assign(new Error(`ENOSPC writing ${CANARY}`), { code: 'ENOSPC' });
      }
      return store(response);
    };
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer new-1');
    expect((await storage.getTokenData(RS))?.refreshToken).toBe('refresh-0');
    // Retried in the background, with backoff, until stored.
    await until(async () => (await storage.getTokenData(RS))?.refreshToken === 'rotated-1');
    expect(failures).toBe(3);
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer new-1');
    expect(client.seen).toEqual(['refresh-0']);
    expect((await storage.getTokenData(RS))?.extra).toEqual({});
  });

  it('an answer that could not be stored is stored by the next renewal, before anything else', async () => {
    let clock = NOW;
    const storage = await storageWith(tokenData('expired', NOW - 10, 'refresh-0'));
    const client = rotatingClient();
    const authorizer = new StorageBackedAuthorizer(storage, RS, client, { now: () => clock });
    const store = storage.storeTokenResponse.bind(storage);
    storage.storeTokenResponse = async () => {
      throw new TokenStorageError('the disk is full');
    };
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer new-1');
    // Before the first background retry (after 190 ms or more).
    storage.storeTokenResponse = store;
    clock = NOW + 4000;
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer new-2');
    expect(client.seen).toEqual(['refresh-0', 'rotated-1']);
    expect((await storage.getTokenData(RS))?.refreshToken).toBe('rotated-2');
  });

  it('store retries back off and end with the lease, keeping the token in memory', async () => {
    const storage = await storageWith(tokenData('expired', NOW - 10, 'refresh-0'));
    const attempts: number[] = [];
    storage.storeTokenResponse = async () => {
      attempts.push(performance.now());
      throw new TokenStorageError('the storage is down');
    };
    const authorizer = new StorageBackedAuthorizer(storage, RS, rotatingClient(), { now, refreshLeaseSeconds: 2 });
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer new-1');
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const count = attempts.length;
    // 1 + retries after about 0.25, 0.5, 1 s (±25 %): the next one would pass the lease.
    expect(count).toBeGreaterThanOrEqual(3);
    expect(count).toBeLessThanOrEqual(5);
    const gaps = attempts.slice(1).map((at, index) => at - attempts[index]!);
    expect(gaps[gaps.length - 1]!).toBeGreaterThan(gaps[0]!);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(attempts).toHaveLength(count);
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer new-1');
  });

  it('a storage read that throws an untyped error becomes a TokenStorageError without its message', async () => {
    const storage = await storageWith(tokenData('expired', NOW - 10));
    storage.getTokenData = async () => {
      throw new SyntaxError(`Unexpected token in "${CANARY}"`);
    };
    const error = await rejection(new StorageBackedAuthorizer(storage, RS, rotatingClient(), { now }).getAuthorizationHeader());
    expect(TokenStorageError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe('reading the token storage failed: the storage threw SyntaxError');
  });
});

describe('StorageBackedAuthorizer: a refresh in flight (its marker and lease)', () => {
  it('records a marker with its lease in the entry before sending the refresh token, and the stored answer drops it', async () => {
    const storage = await storageWith(tokenData('expired', NOW - 10, 'refresh-0').with({ extra: { kept: 'by the marker' } }));
    const seenDuringRefresh: Array<Record<string, unknown>> = [];
    const client = new CountingClient(async () => {
      seenDuringRefresh.push({ ...(await storage.getTokenData(RS))!.extra });
      return refreshAnswer('new-1', { refresh_token: 'rotated-1' });
    });
    const authorizer = new StorageBackedAuthorizer(storage, RS, client, { now, refreshLeaseSeconds: 90 });
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer new-1');
    expect(seenDuringRefresh).toEqual([
      { kept: 'by the marker', [LEASE_KEY]: { holder: expect.stringMatching(/^[0-9a-f]{16}$/), expires_at_seconds: NOW + 90 } },
    ]);
    const stored = (await storage.getTokenData(RS))!;
    expect([stored.accessToken, stored.refreshToken, stored.extra]).toEqual(['new-1', 'rotated-1', {}]);
  });

  it('removes its marker when the refresh fails, so that the next process need not wait for the lease', async () => {
    const storage = await storageWith(tokenData('expired', NOW - 10, 'refresh-0'));
    const failing = new CountingClient(async () => {
      throw new AuthAPIError('the refresh_token grant failed: HTTP 503', { httpStatus: 503 });
    });
    expect(
      AuthAPIError.isInstance(await rejection(new StorageBackedAuthorizer(storage, RS, failing, { now }).getAuthorizationHeader())),
    ).toBe(true);
    expect((await storage.getTokenData(RS))!.extra).toEqual({});
    const other = rotatingClient();
    expect(
      await new StorageBackedAuthorizer(new MemoryTokenStorage({ shareWith: storage }), RS, other, { now }).getAuthorizationHeader(),
    ).toBe('Bearer new-1');
    expect(other.seen).toEqual(['refresh-0']);
  });

  it("waits for another process's refresh while its lease lives, then adopts its stored answer without refreshing", async () => {
    const storage = await storageWith(
      leased(tokenData('expired', NOW - 10, 'refresh-0'), { holder: 'other-process', expires_at_seconds: NOW + 60 }),
    );
    const client = rotatingClient();
    const authorizer = new StorageBackedAuthorizer(storage, RS, client, { now });
    let settled = false;
    const header = authorizer.getAuthorizationHeader().finally(() => (settled = true));
    await until(() => storage.reads >= 3);
    expect(settled).toBe(false);
    await new MemoryTokenStorage({ shareWith: storage }).storeTokenDataByResourceServer({
      [RS]: tokenData('by-other', NOW + 3600, 'rotated-by-other'),
    });
    expect(await header).toBe('Bearer by-other');
    expect(client.seen).toEqual([]);
  });

  it('refreshes once the lease of a marker has ended, and ignores a marker that claims more than the longest lease or is malformed', async () => {
    const markers: unknown[] = [
      { holder: 'dead-process', expires_at_seconds: NOW },
      { holder: 'wrong-clock', expires_at_seconds: NOW + 3601 },
      { holder: 'no-expiry' },
      'refreshing',
      null,
    ];
    for (const marker of markers) {
      const storage = await storageWith(leased(tokenData('expired', NOW - 10, 'refresh-0'), marker));
      const client = rotatingClient();
      expect(await new StorageBackedAuthorizer(storage, RS, client, { now }).getAuthorizationHeader()).toBe('Bearer new-1');
      expect(client.seen).toEqual(['refresh-0']);
    }
  });

  it('a marker never makes the token unreadable: a valid token is used whatever its marker says', async () => {
    const storage = await storageWith(leased(tokenData('valid', NOW + 3600), { holder: 'other-process', expires_at_seconds: NOW + 60 }));
    expect(await new StorageBackedAuthorizer(storage, RS, rotatingClient(), { now }).getAuthorizationHeader()).toBe('Bearer valid');
  });

  it.each(['json', 'sqlite'])(
    'in a %s file, the marker is seen by other handles, keeps the file valid for Python, and the stored answer drops it',
    async (backend) => {
      const directory = mkdtempSync(join(tmpdir(), 'refresh-lease-'));
      const file = join(directory, backend === 'json' ? 'tokens.json' : 'tokens.db');
      const open = (): JSONTokenStorage | SQLiteTokenStorage =>
        backend === 'json' ? new JSONTokenStorage(file) : new SQLiteTokenStorage(file);
      const [first, second, observer] = [open(), open(), open()];
      try {
        await first.storeTokenDataByResourceServer({ [RS]: tokenData('expired', NOW - 10, 'refresh-0') });
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        const client = new CountingClient(async () => {
          await released;
          return refreshAnswer('new-1', { refresh_token: 'rotated-1' });
        });
        const refreshing = new StorageBackedAuthorizer(first, RS, client, { now }).getAuthorizationHeader();
        await until(() => client.seen.length === 1);
        const marked = (await observer.getTokenData(RS))!;
        expect([marked.accessToken, marked.refreshToken, Object.keys(marked.extra)]).toEqual(['expired', 'refresh-0', [LEASE_KEY]]);
        if (backend === 'json')
          expect(validateTokenFile(JSON.parse(readFileSync(file, 'utf8')))).toEqual({ valid: true, kind: '2.0', problems: [] });
        // Another process (handle) waits for this refresh instead of sending the same refresh token.
        const waiting = new StorageBackedAuthorizer(second, RS, client, { now }).getAuthorizationHeader();
        await new Promise((resolve) => setTimeout(resolve, 300));
        release();
        expect(await Promise.all([refreshing, waiting])).toEqual(['Bearer new-1', 'Bearer new-1']);
        expect(client.seen).toEqual(['refresh-0']);
        expect((await observer.getTokenData(RS))!.extra).toEqual({});
      } finally {
        for (const storage of [first, second, observer]) await storage.close?.();
        rmSync(directory, { recursive: true, force: true });
      }
    },
  );

  it('refuses a lease outside 1 to 3600 seconds', () => {
    for (const refreshLeaseSeconds of [0, 0.5, 3601, Infinity, Number.NaN, '60']) {
      expect(() => new StorageBackedAuthorizer(new MemoryTokenStorage(), RS, rotatingClient(), { refreshLeaseSeconds } as never)).toThrow(
        InvalidArgumentError,
      );
    }
  });
});

describe('StorageBackedAuthorizer: timeoutMs and signal bound the whole call', () => {
  it.each<[string, (storage: ObservedStorage) => void, string]>([
    ['a storage read that never answers', (storage) => (storage.getTokenData = never), 'reading the token storage'],
    ['a section that is never entered', (storage) => (storage.runExclusive = never), 'waiting for the critical section'],
    [
      'a read inside the section that never answers',
      (storage) => {
        const read = storage.getTokenData.bind(storage);
        storage.getTokenData = (resourceServer) => (storage.section.held ? never() : read(resourceServer));
      },
      'reading the token storage',
    ],
    [
      'a marker write that never answers',
      (storage) => (storage.storeTokenDataByResourceServer = never),
      'recording the refresh in the storage',
    ],
  ])('%s: AuthRequestTimeoutError naming the step, and no refresh sent', async (_label, hang, step) => {
    const storage = await storageWith(tokenData('expired', NOW - 10));
    hang(storage);
    const client = rotatingClient();
    const error = await rejection(new StorageBackedAuthorizer(storage, RS, client, { now, timeoutMs: 200 }).getAuthorizationHeader());
    expect(AuthRequestTimeoutError.isInstance(error)).toBe(true);
    expect((error as AuthRequestTimeoutError).code).toBe(ErrorCodes.AUTH_REQUEST_TIMEOUT);
    expect((error as AuthRequestTimeoutError).timeoutMs).toBe(200);
    expect((error as Error).message).toBe(`the token renewal for ${RS} (${step}) failed: no answer within 200 ms`);
    expect(client.seen).toEqual([]);
  });

  it("another process's refresh that outlasts the call: AuthRequestTimeoutError naming the wait", async () => {
    const storage = await storageWith(leased(tokenData('expired', NOW - 10), { holder: 'other-process', expires_at_seconds: NOW + 60 }));
    const error = await rejection(
      new StorageBackedAuthorizer(storage, RS, rotatingClient(), { now, timeoutMs: 300 }).getAuthorizationHeader(),
    );
    expect(AuthRequestTimeoutError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      `the token renewal for ${RS} (waiting for another process's refresh) failed: no answer within 300 ms`,
    );
  });

  it('a section entered after the caller gave up sends no refresh', async () => {
    const storage = await storageWith(tokenData('expired', NOW - 10));
    const enter = storage.runExclusive.bind(storage);
    let late: Promise<unknown> = Promise.resolve();
    storage.runExclusive = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
      const entered = new Promise((resolve) => setTimeout(resolve, 300)).then(() => enter(key, fn));
      late = entered.catch(() => undefined);
      return entered;
    };
    const client = rotatingClient();
    const error = await rejection(new StorageBackedAuthorizer(storage, RS, client, { now, timeoutMs: 100 }).getAuthorizationHeader());
    expect(AuthRequestTimeoutError.isInstance(error)).toBe(true);
    await late;
    expect(client.seen).toEqual([]);
    expect((await storage.getTokenData(RS))?.accessToken).toBe('expired');
  });

  it('a refresh sent near the deadline is not cancelled with the caller: its answer is stored and adopted by the next call', async () => {
    const storage = await storageWith(tokenData('expired', NOW - 10, 'refresh-0'));
    const enter = storage.runExclusive.bind(storage);
    storage.runExclusive = <T>(key: string, fn: () => Promise<T>): Promise<T> =>
      new Promise((resolve) => setTimeout(resolve, 150)).then(() => enter(key, fn));
    const client = new CountingClient(async () => {
      await new Promise((resolve) => setTimeout(resolve, 150));
      return refreshAnswer('late', { refresh_token: 'rotated-1' });
    });
    const authorizer = new StorageBackedAuthorizer(storage, RS, client, { now, timeoutMs: 250 });
    const error = await rejection(authorizer.getAuthorizationHeader());
    expect((error as Error).message).toBe(`the token renewal for ${RS} (refreshing the token) failed: no answer within 250 ms`);
    await until(async () => (await storage.getTokenData(RS))?.accessToken === 'late');
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer late');
    expect(client.seen).toEqual(['refresh-0']);
  });

  it('a store that never answers: the caller gets the refreshed token at the deadline', async () => {
    const storage = await storageWith(tokenData('expired', NOW - 10));
    storage.storeTokenResponse = never;
    const authorizer = new StorageBackedAuthorizer(storage, RS, rotatingClient(), { now, timeoutMs: 300 });
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer new-1');
  });

  it('the signal cancels a call waiting on a storage that never answers, with AuthRequestAbortedError', async () => {
    const storage = await storageWith(tokenData('expired', NOW - 10));
    storage.getTokenData = never;
    const controller = new AbortController();
    const authorizer = new StorageBackedAuthorizer(storage, RS, rotatingClient(), { now, timeoutMs: Infinity, signal: controller.signal });
    const pending = rejection(authorizer.getAuthorizationHeader());
    setTimeout(() => controller.abort(new Error('shutting down')), 50);
    const error = await pending;
    expect(AuthRequestAbortedError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(`the token renewal for ${RS} (reading the token storage) was cancelled by its AbortSignal`);
    expect(((error as Error).cause as Error).message).toBe('shutting down');
  });
});

describe('StorageBackedAuthorizer: storing and onRefresh', () => {
  it('a refresh answer without refresh_token keeps the stored refresh token and identity (core)', async () => {
    const storage = await storageWith(tokenData('expired', NOW - 10, 'kept-refresh'));
    const client = new CountingClient(async () => refreshAnswer('renewed'));
    const authorizer = new StorageBackedAuthorizer(storage, RS, client, { now });
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer renewed');
    const stored = await storage.getTokenData(RS);
    expect(stored?.refreshToken).toBe('kept-refresh');
    expect(stored?.identityId).toBe(IDENTITY);
  });

  it('a rotated refresh token is the one used by the next refresh', async () => {
    let clock = NOW;
    const storage = await storageWith(tokenData('expired', NOW - 10, 'refresh-0'));
    const client = rotatingClient();
    const authorizer = new StorageBackedAuthorizer(storage, RS, client, { now: () => clock });
    await authorizer.getAuthorizationHeader();
    clock = NOW + 4000;
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer new-2');
    expect(client.seen).toEqual(['refresh-0', 'rotated-1']);
  });

  it('calls onRefresh once per refresh it made, after storing, and not for an adopted token', async () => {
    const storage = await storageWith(tokenData('expired', NOW - 10));
    const calls: Array<string | undefined> = [];
    const onRefresh = async (response: OAuthTokenResponse) => {
      calls.push((await storage.getTokenData(RS))?.accessToken);
      expect(response.byResourceServer[RS]?.access_token).toBe('new-1');
    };
    const authorizer = new StorageBackedAuthorizer(storage, RS, rotatingClient(), { now, onRefresh });
    await Promise.all(Array.from({ length: 20 }, () => authorizer.getAuthorizationHeader()));
    expect(calls).toEqual(['new-1']);
    const adopter = new StorageBackedAuthorizer(new MemoryTokenStorage({ shareWith: storage }), RS, rotatingClient(), { now, onRefresh });
    expect(await adopter.getAuthorizationHeader()).toBe('Bearer new-1');
    expect(calls).toHaveLength(1);
  });

  it('an onRefresh that throws fails the callers, keeps the new token, and leaves the section free', async () => {
    const storage = await storageWith(tokenData('expired', NOW - 10));
    const client = rotatingClient();
    const authorizer = new StorageBackedAuthorizer(storage, RS, client, {
      now,
      onRefresh: () => {
        throw new Error('listener failed');
      },
    });
    await expect(authorizer.getAuthorizationHeader()).rejects.toThrow('listener failed');
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer new-1');
    expect(client.seen).toHaveLength(1);
    expect((await storage.getTokenData(RS))?.accessToken).toBe('new-1');
  });
});

describe('StorageBackedAuthorizer: redaction', () => {
  it('never shows a token in inspect, String or JSON.stringify', async () => {
    const storage = await storageWith(tokenData(`${CANARY}-access`, NOW + 3600, `${CANARY}-refresh`));
    const authorizer = new StorageBackedAuthorizer(storage, RS, rotatingClient(), { now });
    await authorizer.getAuthorizationHeader();
    expect(authorizer.accessToken).toBe(`${CANARY}-access`);
    for (const text of [
      inspect(authorizer, { showHidden: true, depth: 10 }),
      inspect(authorizer, { customInspect: false, depth: 10 }),
      String(authorizer),
      JSON.stringify(authorizer),
    ]) {
      expect(text).not.toContain(CANARY);
      expect(text).toContain('StorageBackedAuthorizer');
    }
    expect(JSON.parse(JSON.stringify(authorizer))).toEqual({
      authorizer: 'StorageBackedAuthorizer',
      storage: 'ObservedStorage',
      sectionKey: `DEFAULT/${RS}`,
      accessToken: '[redacted]',
      expiresAtSeconds: NOW + 3600,
    });
  });

  it('never shows a token in the errors of a failed refresh', async () => {
    const storage = await storageWith(tokenData(`${CANARY}-access`, NOW - 10, `${CANARY}-refresh`));
    const client = new CountingClient(async (refreshToken) => {
      throw new AuthAPIError('the refresh_token grant failed: HTTP 400 invalid_grant', {
        httpStatus: 400,
        errorCode: 'invalid_grant',
        description: `grant of ${refreshToken.length} chars`,
      });
    });
    const authorizer = new StorageBackedAuthorizer(storage, RS, client, { now });
    const errors = await Promise.all([
      rejection(authorizer.getAuthorizationHeader()),
      rejection(authorizer.handleMissingAuthorization(`Bearer ${CANARY}-access`)),
    ]);
    for (const error of errors) {
      for (const text of [
        inspect(error, { showHidden: true, depth: 10 }),
        String(error),
        JSON.stringify(error),
        (error as Error).stack ?? '',
      ]) {
        expect(text).not.toContain(CANARY);
      }
    }
  });
});
