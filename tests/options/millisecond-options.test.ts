import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandLineLoginFlowManager, UserApp } from '@globus-tokenstorage/app';
import { ErrorCodes, IDTokenDecoder, InvalidArgumentError, type TokenStorageLike } from '@globus-tokenstorage/core';
import { MAX_MILLISECONDS } from '@globus-tokenstorage/core/backend';
import { withFileLock } from '@globus-tokenstorage/core/node';
import {
  ClientCredentialsAuthorizer,
  ConfidentialAppAuthClient,
  NativeAppAuthClient,
  RefreshTokenAuthorizer,
  StorageBackedAuthorizer,
} from '@globus-tokenstorage/authorizers';
import { keyProviderFrom } from '@globus-tokenstorage/encrypted';
import { KeychainKeyProvider } from '@globus-tokenstorage/encrypted/node';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
import { PostgresTokenStorage } from '@globus-tokenstorage/postgres';
import { TestDatabase } from '@globus-tokenstorage/postgres-server/test-database';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { WebStorageTokenStorage } from '@globus-tokenstorage/web-storage';
import { MapStorage } from '@globus-tokenstorage/test-support/map-storage';

/**
 * Every millisecond option of every package follows one rule (core's `checkedMilliseconds`, see
 * core's README): a wait is a whole number from 0 to 2^31 − 1 or `Infinity` (no limit), a duration
 * a whole number from 1 to 2^31 − 1. Each option takes the same values and refuses the same values,
 * with the same message.
 */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gts-ms-options-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Make = (value: unknown) => unknown;
const loose = <T>(value: unknown) => value as T;
const native = () => new NativeAppAuthClient('client-id');

/** Each option: its owner, its name in messages, what it measures, and a call that uses it. */
const OPTIONS: Array<[owner: string, name: string, kind: 'wait' | 'duration', make: Make]> = [
  ['JSONTokenStorage', 'lockTimeoutMs', 'wait', (value) => new JSONTokenStorage(join(dir, 't.json'), { lockTimeoutMs: loose(value) })],
  [
    'JSONTokenStorage',
    'sectionTimeoutMs',
    'wait',
    (value) => new JSONTokenStorage(join(dir, 't.json'), { sectionTimeoutMs: loose(value) }),
  ],
  [
    'JSONTokenStorage',
    'sectionLeaseMs',
    'duration',
    (value) => new JSONTokenStorage(join(dir, 't.json'), { sectionLeaseMs: loose(value) }),
  ],
  ['SQLiteTokenStorage', 'lockTimeoutMs', 'wait', (value) => new SQLiteTokenStorage(join(dir, 't.db'), { lockTimeoutMs: loose(value) })],
  [
    'SQLiteTokenStorage',
    'sectionTimeoutMs',
    'wait',
    (value) => new SQLiteTokenStorage(join(dir, 't.db'), { sectionTimeoutMs: loose(value) }),
  ],
  [
    'SQLiteTokenStorage',
    'sectionLeaseMs',
    'duration',
    (value) => new SQLiteTokenStorage(join(dir, 't.db'), { sectionLeaseMs: loose(value) }),
  ],
  [
    'SQLiteTokenStorage',
    'connectParams.timeout',
    'wait',
    (value) => new SQLiteTokenStorage(join(dir, 't.db'), { connectParams: { timeout: loose(value) } }),
  ],
  [
    'PostgresTokenStorage',
    'sectionTimeoutMs',
    'wait',
    (value) => new PostgresTokenStorage('postgres://127.0.0.1:1/none', { sectionTimeoutMs: loose(value) }),
  ],
  [
    'PostgresTokenStorage',
    'queryTimeoutMs',
    'duration',
    (value) => new PostgresTokenStorage('postgres://127.0.0.1:1/none', { queryTimeoutMs: loose(value) }),
  ],
  [
    'WebStorageTokenStorage',
    'lockTimeoutMs',
    'wait',
    (value) => new WebStorageTokenStorage({ storage: new MapStorage(), lockTimeoutMs: loose(value) }),
  ],
  [
    'WebStorageTokenStorage',
    'sectionTimeoutMs',
    'wait',
    (value) => new WebStorageTokenStorage({ storage: new MapStorage(), sectionTimeoutMs: loose(value) }),
  ],
  ['IDTokenDecoder', 'timeoutMs', 'wait', (value) => new IDTokenDecoder({ clientId: 'client-id', timeoutMs: loose(value) })],
  ['file lock', 'timeoutMs', 'wait', (value) => withFileLock(join(dir, 'wait.lock'), () => 'held', { timeoutMs: loose(value) })],
  ['file lock', 'leaseMs', 'duration', (value) => withFileLock(join(dir, 'stale.lock'), () => 'held', { leaseMs: loose(value) })],
  ['NativeAppAuthClient', 'timeoutMs', 'wait', (value) => new NativeAppAuthClient('client-id', { timeoutMs: loose(value) })],
  [
    'ConfidentialAppAuthClient',
    'timeoutMs',
    'wait',
    (value) => new ConfidentialAppAuthClient('client-id', 'secret', { timeoutMs: loose(value) }),
  ],
  ['RefreshTokenAuthorizer', 'timeoutMs', 'wait', (value) => new RefreshTokenAuthorizer('RT', native(), { timeoutMs: loose(value) })],
  [
    'ClientCredentialsAuthorizer',
    'timeoutMs',
    'wait',
    (value) => new ClientCredentialsAuthorizer(new ConfidentialAppAuthClient('client-id', 'secret'), 'scope', { timeoutMs: loose(value) }),
  ],
  [
    'StorageBackedAuthorizer',
    'timeoutMs',
    'wait',
    (value) => new StorageBackedAuthorizer(new MemoryTokenStorage(), 'rs', native(), { timeoutMs: loose(value) }),
  ],
  [
    'UserApp',
    'loginWaitTimeoutMs',
    'wait',
    (value) =>
      new UserApp('app', {
        clientId: 'client-id',
        scopeRequirements: {},
        config: { tokenStorage: 'memory', loginWaitTimeoutMs: loose(value) },
      }),
  ],
  ['CommandLineLoginFlowManager', 'timeoutMs', 'wait', (value) => new CommandLineLoginFlowManager(native(), { timeoutMs: loose(value) })],
  [
    'keyProviderFrom',
    'timeoutMs',
    'duration',
    (value) => keyProviderFrom(async () => ({ keyId: 'k', key: new Uint8Array(32) }), { timeoutMs: loose(value) }),
  ],
  [
    'KeychainKeyProvider',
    'timeoutMs',
    'duration',
    (value) => new KeychainKeyProvider({ service: 'gts-ms-options', timeoutMs: loose(value) }),
  ],
];

const ACCEPTED = { wait: [0, 1, 1000, MAX_MILLISECONDS, Infinity], duration: [1, 1000, MAX_MILLISECONDS] };
const REFUSED = { wait: [-1, 1.5, Number.NaN, -Infinity, 2 ** 31, '100'], duration: [0, -1, 1.5, Number.NaN, Infinity, 2 ** 31, '100'] };
const MESSAGE = {
  wait: (name: string) => `'${name}' must be a whole number of milliseconds from 0 to 2147483647, or Infinity for no limit`,
  duration: (name: string) => `'${name}' must be a whole number of milliseconds from 1 to 2147483647`,
};

/** What `make(value)` throws or rejects with, or `null`; a storage it made is closed. */
async function outcome(make: Make, value: unknown): Promise<unknown> {
  try {
    const made = await make(value);
    await (made as { close?: () => Promise<void> } | undefined)?.close?.();
    return null;
  } catch (error) {
    return error;
  }
}

describe('millisecond options: one rule for every package', () => {
  it.each(OPTIONS)('%s %s (a %s) takes the values of the rule', async (_owner, _name, kind, make) => {
    for (const value of ACCEPTED[kind]) expect({ value, error: await outcome(make, value) }).toEqual({ value, error: null });
  });

  it.each(OPTIONS)('%s %s (a %s) refuses the others with the same message', async (_owner, name, kind, make) => {
    for (const value of REFUSED[kind]) {
      const error = await outcome(make, value);
      expect({ value, refused: InvalidArgumentError.isInstance(error), message: (error as Error | null)?.message }).toEqual({
        value,
        refused: true,
        message: MESSAGE[kind](name),
      });
    }
  });
});

describe('a section wait of 0 does not wait, and Infinity waits with no limit', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await TestDatabase.create('ms_options');
  });
  afterAll(() => database?.drop());

  // PostgreSQL's sectionTimeoutMs also bounds opening the connection that holds the section, which
  // takes longer than 0 ms: there 0 fails even for a free section (its README says so).
  const backends: Array<[string, number[], (waitMs: number) => TokenStorageLike]> = [
    ['JSONTokenStorage', [0, Infinity], (waitMs) => new JSONTokenStorage(join(dir, 'sections.json'), { sectionTimeoutMs: waitMs })],
    ['SQLiteTokenStorage', [0, Infinity], (waitMs) => new SQLiteTokenStorage(join(dir, 'sections.db'), { sectionTimeoutMs: waitMs })],
    ['PostgresTokenStorage', [Infinity], (waitMs) => new PostgresTokenStorage(database.url, { sectionTimeoutMs: waitMs })],
  ];

  it.each(backends)(
    '%s: a second call on a taken section fails at once with 0, and waits past 200 ms with Infinity',
    async (_name, waits, open) => {
      for (const waitMs of waits) {
        const storage = open(waitMs);
        const runExclusive = storage.runExclusive?.bind(storage) as NonNullable<TokenStorageLike['runExclusive']>;
        let release!: () => void;
        const released = new Promise<void>((resolve) => (release = resolve));
        let entered!: () => void;
        const holding = new Promise<void>((resolve) => (entered = resolve));
        const first = runExclusive('user/rs', async () => {
          entered();
          await released;
          return 'first';
        });
        await Promise.race([holding, first]);
        const second = runExclusive('user/rs', async () => 'second').catch((error: { code?: string }) => error.code);
        if (waitMs === 0) {
          expect(await second).toBe(ErrorCodes.STORAGE_LOCK_TIMEOUT);
          release();
        } else {
          const early = await Promise.race([second, new Promise((resolve) => setTimeout(() => resolve('still waiting'), 200))]);
          release();
          expect(early).toBe('still waiting');
          expect(await second).toBe('second');
        }
        expect(await first).toBe('first');
        await storage.close?.();
      }
    },
    30_000,
  );
});
