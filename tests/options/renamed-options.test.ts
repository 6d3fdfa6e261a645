import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@globus-tokenstorage/core';
import { withFileLock } from '@globus-tokenstorage/core/node';
import {
  ClientCredentialsAuthorizer,
  ConfidentialAppAuthClient,
  NativeAppAuthClient,
  RefreshTokenAuthorizer,
} from '@globus-tokenstorage/authorizers';
import { PostgresTokenStorage } from '@globus-tokenstorage/postgres';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { caught, thrownBy } from '@globus-tokenstorage/test-support/thrown';

/**
 * One meaning has one name in every package (core's README, "Names"). A name that another package
 * uses for something else, or an earlier name of an option, is refused with a message naming the
 * option to use, instead of the generic "unknown option".
 */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gts-renamed-options-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const loose = <T>(options: Record<string, unknown>) => options as T;

/** Owner, refused name, name to use, and a call passing the refused name. */
const RENAMED: Array<[owner: string, refused: string, use: string, call: () => unknown]> = [
  ['SQLiteTokenStorage', 'busyTimeoutMs', 'lockTimeoutMs', () => new SQLiteTokenStorage(join(dir, 't.db'), loose({ busyTimeoutMs: 100 }))],
  [
    'PostgresTokenStorage',
    'lockTimeoutMs',
    'sectionTimeoutMs',
    () => new PostgresTokenStorage('postgres://127.0.0.1:1/none', loose({ lockTimeoutMs: 100 })),
  ],
  ['file lock', 'staleMs', 'leaseMs', () => withFileLock(join(dir, 'x.lock'), () => undefined, loose({ staleMs: 10_000 }))],
];

/** The same, for earlier names that the generic refusal of an unknown option names the successor of. */
const SUGGESTED: Array<[owner: string, refused: string, use: string, call: () => unknown]> = [
  [
    'RefreshTokenAuthorizer',
    'expiresAt',
    'expiresAtSeconds',
    () => new RefreshTokenAuthorizer('RT', new NativeAppAuthClient('client-id'), loose({ accessToken: 'AT', expiresAt: 2_000_000_000 })),
  ],
  [
    'ClientCredentialsAuthorizer',
    'expiresAt',
    'expiresAtSeconds',
    () =>
      new ClientCredentialsAuthorizer(
        new ConfidentialAppAuthClient('client-id', 'secret'),
        's',
        loose({ accessToken: 'AT', expiresAt: 2_000_000_000 }),
      ),
  ],
];

describe('renamed options', () => {
  it.each(RENAMED)("%s refuses '%s', naming '%s'", async (owner, refused, use, call) => {
    const error = await caught(async () => call());
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toMatch(new RegExp(`^${owner}: use '${use}' instead of '${refused}': `));
  });

  // The authorizers run in browsers, where every byte counts: there the refusal of an unknown
  // option names the option the earlier name resembles.
  it.each(SUGGESTED)("%s refuses '%s', naming '%s'", (owner, refused, use, call) => {
    const error = thrownBy(call);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect((error as Error).message).toContain(`${owner}: unknown option "${refused}" (did you mean '${use}'?)`);
  });

  it("PostgreSQL's refusal of lockTimeoutMs says why: it takes no write lock", () => {
    expect(() => new PostgresTokenStorage('postgres://127.0.0.1:1/none', loose({ lockTimeoutMs: 100 }))).toThrow(
      "PostgresTokenStorage: use 'sectionTimeoutMs' instead of 'lockTimeoutMs': 'lockTimeoutMs' is the wait for a write lock, which PostgreSQL does not take (its row locks are bounded by 'queryTimeoutMs'); 'sectionTimeoutMs' is the runExclusive wait",
    );
  });
});
