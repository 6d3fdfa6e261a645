import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import {
  HasRefreshTokensValidator,
  IDTokenDecoder,
  NotExpiredValidator,
  OAuthTokenResponse,
  ScopeRequirementsValidator,
  TokenStorageData,
  UnchangingIdentityIDValidator,
  ValidatingTokenStorage,
  type TokenStorageLike,
} from '@globus-tokenstorage/core';
import { withFileLock } from '@globus-tokenstorage/core/node';
import { EncryptedTokenStorage, EnvironmentKeyProvider } from '@globus-tokenstorage/encrypted';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { migrateToJSONTokenStorage, SimpleJSONFileAdapter } from '@globus-tokenstorage/legacy-file-adapter';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { PostgresTokenStorage } from '@globus-tokenstorage/postgres';
import { TestDatabase } from '@globus-tokenstorage/postgres-server/test-database';
import { Pool } from 'pg';
import {
  ACCESS,
  CANARY,
  expectFailureWithoutSecret,
  expectNoSecret,
  expectNoSecretIfItFails,
  leaksIn,
  OutputCapture,
  REFRESH,
  SECRET,
} from './support';

/**
 * A canary token stored through every backend: no rendering of a storage, of what it returns, or of
 * any error it throws (bad arguments, corrupt files, lock timeouts, closed storages, id_tokens that
 * fail verification, validators) shows it, and nothing written to the console does.
 */

let dir: string;
let database: TestDatabase;
let pool: Pool;
const capture = new OutputCapture();
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gts-audit-'));
  capture.install();
  database = await TestDatabase.create('audit');
  pool = new Pool({ connectionString: database.url, max: 4 });
  pool.on('error', () => undefined);
});
afterAll(async () => {
  capture.restore();
  rmSync(dir, { recursive: true, force: true });
  await pool?.end();
  await database?.drop();
});

const NOW = 1_900_000_000;

function tokenData(resourceServer: string, overrides: Partial<ConstructorParameters<typeof TokenStorageData>[0]> = {}): TokenStorageData {
  return new TokenStorageData({
    resourceServer,
    identityId: '11111111-2222-4333-8444-555555555555',
    scope: 'openid transfer',
    accessToken: `${ACCESS}-${resourceServer}`,
    refreshToken: `${REFRESH}-${resourceServer}`,
    expiresAtSeconds: NOW + 3600,
    tokenType: 'Bearer',
    extra: { client_secret: SECRET, nested: { id_token: `${CANARY}-id-token` } },
    ...overrides,
  });
}

const tokenBody = {
  access_token: ACCESS,
  refresh_token: REFRESH,
  id_token: `${CANARY}.not.a-jwt`,
  expires_in: 3600,
  resource_server: 'auth.globus.org',
  scope: 'openid',
  token_type: 'Bearer',
  other_tokens: [{ access_token: `${ACCESS}-2`, refresh_token: `${REFRESH}-2`, expires_in: 3600, resource_server: 'transfer', scope: 's' }],
};

type Backend = [string, (namespace?: string) => TokenStorageLike];
const backends: Backend[] = [
  [
    'memory',
    (() => {
      const shared = new MemoryTokenStorage();
      return (namespace = 'DEFAULT') => new MemoryTokenStorage({ namespace, shareWith: shared });
    })(),
  ],
  ['json', (namespace) => new JSONTokenStorage(join(dir, 'audit.json'), { namespace, lockTimeoutMs: 50 })],
  ['sqlite', (namespace) => new SQLiteTokenStorage(join(dir, 'audit.db'), { namespace, lockTimeoutMs: 50, sectionTimeoutMs: 50 })],
  ['postgres', (namespace) => new PostgresTokenStorage(pool, { namespace, sectionTimeoutMs: 50 })],
  [
    'encrypted (around json)',
    (namespace) =>
      new EncryptedTokenStorage(new JSONTokenStorage(join(dir, 'audit-encrypted.json'), { namespace, lockTimeoutMs: 50 }), {
        keys: new EnvironmentKeyProvider({ variable: 'AUDIT_KEY', env: { AUDIT_KEY: `audit:${Buffer.alloc(32, 9).toString('base64')}` } }),
      }),
  ],
];

describe.each(backends)('the %s backend', (name, open) => {
  it('stores and returns the canary without showing it: storage, token data, token responses', async () => {
    const storage = open();
    await storage.storeTokenDataByResourceServer({ rs: tokenData('rs'), other: tokenData('other') });
    await storage.storeTokenResponse(OAuthTokenResponse.fromJSON({ ...tokenBody, id_token: undefined }));
    const all = await storage.getTokenDataByResourceServer();
    expect(all.rs?.accessToken).toBe(`${ACCESS}-rs`);
    expect(all['auth.globus.org']?.refreshToken).toBe(REFRESH);
    expectNoSecret(`${name} storage`, storage);
    expectNoSecret(`${name} token data`, all);
    expectNoSecret(`${name} one token`, await storage.getTokenData('transfer'));
    expectNoSecret('token response', OAuthTokenResponse.fromJSON(tokenBody));
    await storage.close?.();
  });

  it('keeps the canary out of errors for bad arguments, id_tokens it cannot verify, and a closed storage', async () => {
    const storage = open();
    const plain = { access_token: ACCESS, refresh_token: REFRESH } as unknown as TokenStorageData;
    await expectFailureWithoutSecret('plain object as token data', () => storage.storeTokenDataByResourceServer({ rs: plain }));
    await expectFailureWithoutSecret('array as mapping', () => storage.storeTokenDataByResourceServer([tokenData('rs')] as never));
    await expectFailureWithoutSecret('empty key', () => storage.storeTokenDataByResourceServer({ '': tokenData('rs') }));
    await expectFailureWithoutSecret('raw body as response', () => storage.storeTokenResponse(tokenBody as never));
    await expectFailureWithoutSecret('id_token without decoder', () => storage.storeTokenResponse(OAuthTokenResponse.fromJSON(tokenBody)));
    await expectFailureWithoutSecret('non-string resource server', () => storage.getTokenData(ACCESS.length as never));
    await storage.close?.();
    await expectFailureWithoutSecret('closed: store', () => storage.storeTokenDataByResourceServer({ rs: tokenData('rs') }));
    await expectFailureWithoutSecret('closed: read', () => storage.getTokenDataByResourceServer());
    await expectFailureWithoutSecret('closed: response', () => storage.storeTokenResponse(OAuthTokenResponse.fromJSON(tokenBody)));
  });

  it('keeps the canary out of validator errors', async () => {
    const storage = open('validated');
    const validating = new ValidatingTokenStorage(storage, {
      validators: [new NotExpiredValidator({ now: () => NOW }), new HasRefreshTokensValidator(), new UnchangingIdentityIDValidator()],
    });
    await validating.storeTokenDataByResourceServer({ rs: tokenData('rs') });
    await storage.storeTokenDataByResourceServer({ old: tokenData('old', { expiresAtSeconds: NOW - 10 }) });
    await expectFailureWithoutSecret('expired', () => validating.getTokenDataByResourceServer());
    await storage.storeTokenDataByResourceServer({ old: tokenData('old', { refreshToken: null }) });
    await expectFailureWithoutSecret('no refresh token', () => validating.getTokenData('old'));
    await expectFailureWithoutSecret('other identity', () =>
      validating.storeTokenDataByResourceServer({ rs: tokenData('rs', { identityId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee' }) }),
    );
    await expectFailureWithoutSecret('no identity', () =>
      validating.storeTokenResponse(OAuthTokenResponse.fromJSON({ ...tokenBody, id_token: undefined })),
    );
    await expectFailureWithoutSecret('missing token', () => validating.getTokenData('absent'));
    const scoped = new ValidatingTokenStorage(open('scoped'), {
      validators: [new ScopeRequirementsValidator({ rs: ['urn:required'] }, { getConsents: async () => ({ consents: [] }) })],
    });
    await expectFailureWithoutSecret('unmet scopes', () => scoped.storeTokenDataByResourceServer({ rs: tokenData('rs') }));
    expectNoSecret(`${name} validating storage`, validating);
    await validating.close();
    await scoped.close();
  });
});

describe('id_tokens that fail verification', () => {
  it('never show the id_token or the other tokens of the response', async () => {
    const good = await generateKeyPair('ES256', { extractable: true });
    const other = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(good.publicKey)), alg: 'ES256', kid: 'k1' };
    const decoder = new IDTokenDecoder({
      clientId: 'client',
      openidConfiguration: { jwks_uri: 'https://auth.example.org/jwk.json', id_token_signing_alg_values_supported: ['ES256'] },
      jwks: { keys: [jwk] },
      now: () => NOW,
    });
    const sign = (key: CryptoKey, claims: Record<string, unknown>, audience = 'client', expires = NOW + 60) =>
      new SignJWT({ sub: 'identity', secret_claim: CANARY, ...claims })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setAudience(audience)
        .setIssuedAt(NOW)
        .setExpirationTime(expires)
        .sign(key);
    const idTokens = {
      'another key': await sign(other.privateKey, {}),
      'another audience': await sign(good.privateKey, {}, CANARY),
      expired: await sign(good.privateKey, {}, 'client', NOW - 3600),
      'not a JWT': `${CANARY}.${CANARY}.${CANARY}`,
      'sub is not a string': await sign(good.privateKey, { sub: { id: CANARY } }),
    };
    const storage = new MemoryTokenStorage({ idTokenDecoder: decoder });
    for (const [what, idToken] of Object.entries(idTokens)) {
      await expectFailureWithoutSecret(`decode: ${what}`, () => decoder.decode(idToken));
      await expectFailureWithoutSecret(`store: ${what}`, () =>
        storage.storeTokenResponse(OAuthTokenResponse.fromJSON({ ...tokenBody, id_token: idToken })),
      );
    }
    expect(await storage.getTokenDataByResourceServer()).toEqual({});
  });
});

describe('corrupt token files that hold the canary', () => {
  const entry = { resource_server: 'rs', scope: 's', access_token: ACCESS, refresh_token: REFRESH, expires_at_seconds: NOW };
  const v2 = (data: unknown) => JSON.stringify({ data: { DEFAULT: data }, format_version: '2.0', 'globus-sdk.version': '4.9.0' });
  const files: Record<string, string | Buffer> = {
    'a syntax error right after a token': `{"data": {"DEFAULT": {"rs": {"access_token": "${ACCESS}" x}}}, "format_version": "2.0"}`,
    'a syntax error after a token, with integer-like keys': `{"data": {"0": {"1": {"access_token": "${ACCESS}", "x": }}}, "format_version": "2.0"}`,
    'a token cut short': `{"data": {"DEFAULT": {"rs": {"access_token": "${ACCESS}`,
    'a quote lost before a token': `{"data": {"DEFAULT": {"rs": {"access_token": ${ACCESS}", "scope": "s"}}}, "format_version": "2.0"}`,
    'a quote lost before a token, with integer-like keys': `{"data": {"0": {"rs": {"access_token": ${ACCESS}", "scope": "s"}}}, "format_version": "2.0"}`,
    'invalid UTF-8 after a token': Buffer.concat([
      Buffer.from(`{"data": {"DEFAULT": {"rs": {"access_token": "${ACCESS}`),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}}}}'),
    ]),
    'wrong types next to tokens': v2({ rs: { ...entry, expires_at_seconds: ACCESS, scope: REFRESH } }),
    'a token where an entry should be': v2({ rs: ACCESS }),
    'a token where a namespace should be': JSON.stringify({
      data: { DEFAULT: ACCESS },
      format_version: '2.0',
      'globus-sdk.version': '4.9.0',
    }),
    'an unknown format holding tokens': JSON.stringify({ format_version: '3.0', data: { DEFAULT: { rs: entry } } }),
    'tokens nested too deep': `{"data": {"DEFAULT": {"rs": ${'['.repeat(600)}"${ACCESS}"${']'.repeat(600)}}}, "format_version": "2.0", "globus-sdk.version": "x"}`,
    'a file of 2 MB of nesting after a token': `{"access_token": "${ACCESS}", "x": ${'['.repeat(2 * 1024 * 1024)}`,
  };

  it.each(Object.keys(files))('JSONTokenStorage: %s', async (what) => {
    const path = join(dir, 'corrupt.json');
    writeFileSync(path, files[what] as string | Buffer);
    const storage = new JSONTokenStorage(path, { lockTimeoutMs: 50 });
    await expectFailureWithoutSecret(`${what}: read`, () => storage.getTokenData('rs').then(() => storage.getTokenDataByResourceServer()));
    // A store replaces a bad entry, so only a file that cannot be read as a whole refuses it.
    await expectNoSecretIfItFails(`${what}: store`, () =>
      storage.storeTokenDataByResourceServer({ rs: tokenData('rs') }).then(() => storage.listNamespaces()),
    );
  });

  it.each(Object.keys(files))('SimpleJSONFileAdapter: %s', async (what) => {
    const path = join(dir, 'corrupt-legacy.json');
    writeFileSync(path, files[what] as string | Buffer);
    const adapter = new SimpleJSONFileAdapter(path, { resourceServer: 'rs' });
    await expectFailureWithoutSecret(`${what}: legacy read`, () => adapter.readTokenData());
    // The adapter replaces any JSON object that is not a storage file (that is its job).
    await expectNoSecretIfItFails(`${what}: legacy store`, () =>
      adapter.store(OAuthTokenResponse.fromJSON({ ...tokenBody, resource_server: 'rs' })),
    );
  });

  it('SimpleJSONFileAdapter: wrong types next to tokens, a storage file, a response without its token', async () => {
    const path = join(dir, 'legacy.json');
    writeFileSync(path, JSON.stringify({ ...entry, expires_at_seconds: ACCESS, 'globus-sdk-tokenstorage.version': '0.4.1' }));
    const adapter = new SimpleJSONFileAdapter(path, { resourceServer: 'rs' });
    await expectFailureWithoutSecret('legacy wrong types', () => adapter.readTokenData());
    writeFileSync(path, v2({ rs: entry }));
    await expectFailureWithoutSecret('legacy over a storage file', () =>
      adapter.store(OAuthTokenResponse.fromJSON({ ...tokenBody, resource_server: 'rs' })),
    );
    await expectFailureWithoutSecret('legacy: no token for rs', () => adapter.store(OAuthTokenResponse.fromJSON(tokenBody)));
    const byScopes = new SimpleJSONFileAdapter(path, { scopes: 'openid s' });
    await expectFailureWithoutSecret('legacy: no single token for scopes', () => byScopes.store(OAuthTokenResponse.fromJSON(tokenBody)));
    expectNoSecret('legacy adapter', adapter);
  });

  it('SimpleJSONFileAdapter: a canary token stored, read back, and migrated into a closed storage', async () => {
    const path = join(dir, 'legacy-canary.json');
    const adapter = new SimpleJSONFileAdapter(path, { resourceServer: 'rs' });
    await adapter.store(OAuthTokenResponse.fromJSON({ ...tokenBody, resource_server: 'rs' }));
    expect(readFileSync(path, 'utf8')).toContain(ACCESS);
    const data = await adapter.readTokenData();
    expect(data?.accessToken).toBe(ACCESS);
    expectNoSecret('legacy token data', data);
    expectNoSecret('legacy adapter after a store', adapter);
    const closed = new MemoryTokenStorage();
    await closed.close();
    await expectFailureWithoutSecret('migrate into a closed storage', () => migrateToJSONTokenStorage(adapter, closed));
  });

  it('SQLiteTokenStorage: rows holding tokens that are not JSON, have wrong types, or sit on a damaged page', async () => {
    const base = join(dir, 'corrupt.db');
    const storage = new SQLiteTokenStorage(base);
    await storage.storeTokenDataByResourceServer({ rs: tokenData('rs', { extra: {} }) });
    await storage.close();
    const pristine = readFileSync(base);
    /** The database with the bytes just after the first `needle` replaced (same length, so pages stay valid). */
    const edited = (needle: string, replacement: string) => {
      const bytes = Buffer.from(pristine);
      const at = bytes.indexOf(needle);
      expect(at).toBeGreaterThan(0);
      bytes.write(replacement, at + needle.length, 'latin1');
      return bytes;
    };
    const cases: Record<string, Buffer> = {
      'a row that is not JSON': edited(`"access_token": "${ACCESS}-rs"`, '}'),
      'a row with wrong types': edited('"expires_at_seconds": ', '"'),
      'a damaged page holding the row': (() => {
        const bytes = Buffer.from(pristine);
        const page = Math.floor(bytes.indexOf(ACCESS) / 4096) * 4096;
        bytes.fill(0xff, page, page + 8);
        return bytes;
      })(),
    };
    for (const [what, bytes] of Object.entries(cases)) {
      const path = join(dir, `${what.replace(/\W+/g, '-')}.db`);
      writeFileSync(path, bytes);
      const opened = new SQLiteTokenStorage(path);
      await expectFailureWithoutSecret(`${what}: read`, () => opened.getTokenDataByResourceServer());
      await expectFailureWithoutSecret(`${what}: read one`, () => opened.getTokenData('rs'));
      await opened.close();
    }
  });
});

describe('PostgreSQL', () => {
  it('PostgresTokenStorage: rows holding tokens that are not token data', async () => {
    const storage = new PostgresTokenStorage(pool, { schema: 'corrupt' });
    await storage.migrate();
    const rows: Record<string, string> = {
      'a token where an entry should be': JSON.stringify(ACCESS),
      'wrong types next to tokens': JSON.stringify({
        resource_server: 'rs',
        scope: REFRESH,
        access_token: ACCESS,
        expires_at_seconds: ACCESS,
      }),
      'tokens nested too deep': `{"access_token": "${ACCESS}", "x": ${'['.repeat(600)}${']'.repeat(600)}}`,
    };
    for (const [what, json] of Object.entries(rows)) {
      await database.query('DELETE FROM corrupt.token_storage');
      await database.query("INSERT INTO corrupt.token_storage VALUES ('DEFAULT', 'rs', $1::jsonb)", [json]);
      await expectFailureWithoutSecret(`${what}: read`, () => storage.getTokenDataByResourceServer());
      await expectFailureWithoutSecret(`${what}: read one`, () => storage.getTokenData('rs'));
    }
    await expectFailureWithoutSecret('jsonb refuses NUL', () =>
      storage.storeTokenDataByResourceServer({ rs: tokenData('rs', { extra: { nul: `${SECRET}\u0000` } }) }),
    );
    await storage.close();
  });

  it('PostgresTokenStorage: a password in the connection string never shows, whether the server is unreachable or refuses it', async () => {
    const password = encodeURIComponent(SECRET);
    const serverUrl = new URL(database.url);
    const urls = {
      'nothing listens': `postgres://user:${password}@127.0.0.1:1/db`,
      'wrong password': `postgres://${serverUrl.username}:${password}@${serverUrl.host}${serverUrl.pathname}`,
      'not a URL pg can parse': `postgres://user:${password}@[host/db`,
    };
    for (const [what, url] of Object.entries(urls)) {
      const storage = new PostgresTokenStorage(url, { namespace: 'n' });
      expectNoSecret(`${what}: storage`, storage);
      await expectFailureWithoutSecret(`${what}: read`, () => storage.getTokenData('rs'));
      await expectFailureWithoutSecret(`${what}: store`, () => storage.storeTokenDataByResourceServer({ rs: tokenData('rs') }));
      await expectFailureWithoutSecret(`${what}: section`, () => storage.runExclusive('DEFAULT/rs', async () => undefined));
      await storage.close();
    }
    await expectFailureWithoutSecret('not a URL', () => new PostgresTokenStorage(`host=db password=${SECRET}`));
    await expectFailureWithoutSecret('config object', () =>
      new PostgresTokenStorage({ host: '127.0.0.1', port: 1, user: 'u', password: SECRET, database: 'db' }).getTokenData('rs'),
    );
  });
});

describe('lock timeouts', () => {
  it('JSONTokenStorage: a write waiting for the file lock, and a section taken by another handle', async () => {
    const path = join(dir, 'locked.json');
    const storage = new JSONTokenStorage(path, { lockTimeoutMs: 50 });
    await storage.storeTokenDataByResourceServer({ rs: tokenData('rs') });
    await withFileLock(`${path}.lock`, () =>
      expectFailureWithoutSecret('json write lock', () => storage.storeTokenDataByResourceServer({ rs: tokenData('rs') })),
    );
    const other = new JSONTokenStorage(path, { sectionTimeoutMs: 50 });
    await storage.runExclusive(`DEFAULT/${ACCESS}`, () =>
      expectFailureWithoutSecret('json section', () => other.runExclusive(`DEFAULT/${ACCESS}`, async () => undefined)),
    );
  });

  it('SQLiteTokenStorage: a section taken by another handle', async () => {
    const path = join(dir, 'locked.db');
    const storage = new SQLiteTokenStorage(path, { sectionTimeoutMs: 50 });
    const other = new SQLiteTokenStorage(path, { sectionTimeoutMs: 50 });
    await storage.storeTokenDataByResourceServer({ rs: tokenData('rs') });
    await storage.runExclusive('DEFAULT/rs', () =>
      expectFailureWithoutSecret('sqlite section', () => other.runExclusive('DEFAULT/rs', async () => undefined)),
    );
    await storage.close();
    await other.close();
  });

  it('PostgresTokenStorage: a section taken by another process', async () => {
    const storage = new PostgresTokenStorage(database.url, { sectionTimeoutMs: 50 });
    const other = new PostgresTokenStorage(database.url, { sectionTimeoutMs: 50 });
    await storage.storeTokenDataByResourceServer({ rs: tokenData('rs') });
    await storage.runExclusive('DEFAULT/rs', () =>
      expectFailureWithoutSecret('postgres section', () => other.runExclusive('DEFAULT/rs', async () => undefined)),
    );
    await storage.close();
    await other.close();
  });
});

describe('console and standard streams', () => {
  it('nothing written while the tests above ran shows a secret (the capture works: it sees this line)', () => {
    console.warn('audit capture check');
    expect(capture.written.some((text) => text.includes('audit capture check'))).toBe(true);
    expect(capture.written.flatMap(leaksIn)).toEqual([]);
  });
});
