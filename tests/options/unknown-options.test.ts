import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  IDTokenDecoder,
  InvalidArgumentError,
  NotExpiredValidator,
  OAuthTokenResponse,
  Scope,
  TOKEN_STORAGE_OPTION_KEYS,
  TokenStorageData,
  ValidatingTokenStorage,
} from '@globus-tokenstorage/core';
import { assertKnownOptions } from '@globus-tokenstorage/core/backend';
import { withFileLock, writeFileAtomic } from '@globus-tokenstorage/core/node';
import {
  ClientCredentialsAuthorizer,
  ConfidentialAppAuthClient,
  createAuthorizedFetch,
  NativeAppAuthClient,
  NullAuthorizer,
  RefreshTokenAuthorizer,
  StorageBackedAuthorizer,
} from '@globus-tokenstorage/authorizers';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { migrateToJSONTokenStorage, SimpleJSONFileAdapter } from '@globus-tokenstorage/legacy-file-adapter';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
import { PostgresTokenStorage } from '@globus-tokenstorage/postgres';
import { RedirectLogin, WebStorageTokenStorage } from '@globus-tokenstorage/web-storage';
import { MapStorage } from '@globus-tokenstorage/test-support/map-storage';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';

/**
 * Plain-JavaScript callers get no compile-time check of option names: a misspelt option must fail
 * at once, naming the option it resembles, instead of being ignored (`{ namspace: 'x' }` used to
 * write to DEFAULT).
 */

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gts-options-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The message of what `call` throws, which must be an `InvalidArgumentError`. */
async function refusal(call: () => unknown): Promise<string> {
  try {
    await call();
  } catch (error) {
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected an InvalidArgumentError');
}

const loose = <T>(options: Record<string, unknown>) => options as T;
const native = () => new NativeAppAuthClient('client-id');
const confidential = () => new ConfidentialAppAuthClient('client-id', 'secret');

const cases: Array<[string, string, () => unknown]> = [
  ['MemoryTokenStorage', 'namespace', () => new MemoryTokenStorage(loose({ namspace: 'x' }))],
  ['JSONTokenStorage', 'namespace', () => new JSONTokenStorage(join(dir, 't.json'), loose({ namspace: 'x' }))],
  ['JSONTokenStorage', 'lockTimeoutMs', () => new JSONTokenStorage(join(dir, 't.json'), loose({ lockTimeout: 5 }))],
  ['SQLiteTokenStorage', 'namespace', () => new SQLiteTokenStorage(join(dir, 't.db'), loose({ namespaces: 'x' }))],
  [
    'SQLiteTokenStorage connectParams',
    'readonly',
    () => new SQLiteTokenStorage(join(dir, 't.db'), { connectParams: loose({ readOnly: true }) }),
  ],
  ['PostgresTokenStorage', 'createTables', () => new PostgresTokenStorage('postgres://127.0.0.1:1/none', loose({ createTable: false }))],
  ['WebStorageTokenStorage', 'keyPrefix', () => new WebStorageTokenStorage(loose({ keyprefix: 'x:' }))],
  ['RedirectLogin', 'flowKey', () => new RedirectLogin(loose({ client: native(), storage: new MemoryTokenStorage(), flowkey: 'k' }))],
  [
    'RedirectLogin.start',
    'redirectUri',
    () =>
      new RedirectLogin({ client: native(), storage: new MemoryTokenStorage(), flowStorage: new MapStorage() }).start(
        loose({ requestedScopes: 'openid', redirectUrl: 'http://127.0.0.1/cb' }),
      ),
  ],
  [
    'SimpleJSONFileAdapter',
    'scopes',
    () => new SimpleJSONFileAdapter(join(dir, 'legacy.json'), loose({ resourceServer: 'rs', scope: 's' })),
  ],
  [
    'migrateToJSONTokenStorage',
    'removeLegacyFile',
    () =>
      migrateToJSONTokenStorage(
        new SimpleJSONFileAdapter(join(dir, 'legacy.json'), { resourceServer: 'rs' }),
        new MemoryTokenStorage(),
        loose({ removeLegacy: true }),
      ),
  ],
  ['ValidatingTokenStorage', 'validators', () => new ValidatingTokenStorage(new MemoryTokenStorage(), loose({ validator: [] }))],
  ['NotExpiredValidator', 'marginSeconds', () => new NotExpiredValidator(loose({ margin: 5 }))],
  ['IDTokenDecoder', 'clientId', () => new IDTokenDecoder(loose({ clientID: 'x' }))],
  [
    'OAuthTokenResponse',
    'grantType',
    () => OAuthTokenResponse.fromJSON({ access_token: 'A', scope: 's', resource_server: 'rs' }, loose({ grant_type: 'refresh_token' })),
  ],
  ['Scope', 'optional', () => new Scope('s', loose({ optinal: true }))],
  [
    'TokenStorageData',
    'identityId',
    () => new TokenStorageData(loose({ resourceServer: 'rs', identityID: 'id', scope: 's', accessToken: 'A', expiresAtSeconds: 1 })),
  ],
  ['file lock', 'timeoutMs', () => withFileLock(join(dir, 'x.lock'), () => undefined, loose({ timeout: 5 }))],
  ['writeFileAtomic', 'mode', () => writeFileAtomic(join(dir, 'w.json'), '{}', loose({ mod: 0o600 }))],
  ['NativeAppAuthClient', 'baseUrl', () => new NativeAppAuthClient('client-id', loose({ baseURL: 'http://127.0.0.1:1' }))],
  ['ConfidentialAppAuthClient', 'timeoutMs', () => new ConfidentialAppAuthClient('client-id', 'secret', loose({ timeout: 5 }))],
  ['oauth2StartFlow', 'refreshTokens', () => native().oauth2StartFlow(loose({ requestedScopes: 'openid', refreshToken: true }))],
  ['oauth2StartFlow', 'redirectUri', () => confidential().oauth2StartFlow(loose({ requestedScopes: 'openid', redirectUrl: 'https://x' }))],
  [
    'oauth2GetAuthorizeUrl',
    'prompt',
    () => {
      const client = native();
      client.oauth2StartFlow({ requestedScopes: 'openid' });
      return client.oauth2GetAuthorizeUrl(loose({ promt: 'login' }));
    },
  ],
  ['oauth2GetDependentTokens', 'refreshTokens', () => confidential().oauth2GetDependentTokens('token', loose({ refresh_tokens: true }))],
  ['getConsents', 'all', () => confidential().getConsents('identity', loose({ al: true }))],
  ['the refresh_token grant', 'signal', () => native().oauth2RefreshToken('RT', loose({ sginal: null }))],
  [
    'RefreshTokenAuthorizer',
    'expiresAtSeconds',
    () => new RefreshTokenAuthorizer('RT', native(), loose({ accessToken: 'A', expiresAT: 5 })),
  ],
  [
    'ClientCredentialsAuthorizer',
    'onRefresh',
    () => new ClientCredentialsAuthorizer(confidential(), 's', loose({ onrefresh: () => undefined })),
  ],
  [
    'StorageBackedAuthorizer',
    'marginSeconds',
    () => new StorageBackedAuthorizer(new MemoryTokenStorage(), 'rs', native(), loose({ marginSecond: 5 })),
  ],
  ['createAuthorizedFetch', 'fetch', () => createAuthorizedFetch(new NullAuthorizer(), loose({ fecth: globalThis.fetch }))],
];

describe('unknown option keys', () => {
  it.each(cases)('%s refuses a misspelt option, naming %s', async (owner, nearest, call) => {
    const message = await refusal(call);
    expect(message).toContain(`${owner}: unknown option`);
    expect(message).toContain(`(did you mean '${nearest}'?)`);
  });

  it('nothing was written to the default namespace by a misspelt namespace option', async () => {
    const path = join(dir, 'not-created.json');
    await refusal(() => new JSONTokenStorage(path, loose({ namspace: 'x' })));
    expect(await new JSONTokenStorage(path).fileExists()).toBe(false);
  });
});

describe("a 'now' option that is not a function", () => {
  const clockless: Array<[string, () => unknown]> = [
    ['MemoryTokenStorage', () => new MemoryTokenStorage(loose({ now: 5 }))],
    ['NotExpiredValidator', () => new NotExpiredValidator(loose({ now: 5 }))],
    ['IDTokenDecoder', () => new IDTokenDecoder(loose({ clientId: 'x', authBaseUrl: 'https://auth.example.org', now: 5 }))],
    ['OAuthTokenResponse', () => OAuthTokenResponse.fromJSON({ access_token: 'A', scope: 's', resource_server: 'rs' }, loose({ now: 5 }))],
    ['NativeAppAuthClient', () => new NativeAppAuthClient('client-id', loose({ now: 5 }))],
    ['RefreshTokenAuthorizer', () => new RefreshTokenAuthorizer('RT', native(), loose({ now: 5 }))],
    ['StorageBackedAuthorizer', () => new StorageBackedAuthorizer(new MemoryTokenStorage(), 'rs', native(), loose({ now: 5 }))],
  ];
  it.each(clockless)('is refused by %s', async (_owner, call) => {
    expect(await refusal(call)).toBe("'now' must be a function");
  });
});

describe('assertKnownOptions', () => {
  it('names the unknown key, the nearest known one, and every known one', () => {
    expect(() => assertKnownOptions({ namspace: 'x' }, [...TOKEN_STORAGE_OPTION_KEYS, 'table'], 'PostgresTokenStorage')).toThrow(
      new InvalidArgumentError(
        "PostgresTokenStorage: unknown option \"namspace\" (did you mean 'namespace'?); the options are 'namespace', 'idTokenDecoder', 'now', 'table'",
      ),
    );
  });

  it('suggests nothing when no known option is close, accepts known keys and undefined values, and refuses non-objects', () => {
    expect(() => assertKnownOptions({ colour: 'red' }, ['namespace', 'now'], 'X')).toThrow(
      new InvalidArgumentError("X: unknown option \"colour\"; the options are 'namespace', 'now'"),
    );
    expect(() => assertKnownOptions({ NAMESPACE: 1 }, ['namespace'], 'X')).toThrow(/did you mean 'namespace'/);
    expect(() => assertKnownOptions({ nmaespace: 1 }, ['namespace'], 'X')).toThrow(/did you mean 'namespace'/);
    expect(() => assertKnownOptions({ namespace: undefined, now: () => 1 }, ['namespace', 'now'], 'X')).not.toThrow();
    for (const options of [undefined, null, 'namespace', 5]) {
      expect(() => assertKnownOptions(options, ['namespace'], 'X')).toThrow(new InvalidArgumentError('X: options must be an object'));
    }
    expect(() => assertKnownOptions({ [Symbol('s')]: 1 }, [], 'X')).not.toThrow();
  });

  it('refuses a renamed key naming the one to use and why, before any other check of it', () => {
    const renamed = { busyTimeoutMs: { use: 'lockTimeoutMs', because: 'the write-lock wait is lockTimeoutMs everywhere' } };
    expect(() => assertKnownOptions({ busyTimeoutMs: 5 }, ['lockTimeoutMs'], 'X', renamed)).toThrow(
      new InvalidArgumentError("X: use 'lockTimeoutMs' instead of 'busyTimeoutMs': the write-lock wait is lockTimeoutMs everywhere"),
    );
    expect(() => assertKnownOptions({ lockTimeoutMs: 5 }, ['lockTimeoutMs'], 'X', renamed)).not.toThrow();
    expect(() => assertKnownOptions({ toString: 5 }, ['lockTimeoutMs'], 'X', renamed)).toThrow(/X: unknown option "toString"/);
  });

  it('shortens a huge key in the message', () => {
    const key = 'k'.repeat(10_000);
    expect(() => assertKnownOptions({ [key]: 1 }, ['namespace'], 'X')).toThrow(
      new InvalidArgumentError(`X: unknown option "${'k'.repeat(40)}…"; the options are 'namespace'`),
    );
  });
});
