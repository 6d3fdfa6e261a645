import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TokenStorageData, validateTokenFile } from '@globus-tokenstorage/core';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';

const BIN = resolve(__dirname, '../dist/bin.js');
const FIXTURES = resolve(__dirname, '../../../fixtures/python');
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8'));
const FIXTURE_TOKENS = /\b(AT|RT)-(auth|transfer)-(DEFAULT|userapp)-000\d\b/;

let dir: string;
beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build the packages first (pnpm build)`);
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gts-cli-'));
  for (const file of ['v2.json', 'v1.json', 'tokens.db', 'v1_sqlite.db', 'legacy_simple.json']) {
    copyFileSync(join(FIXTURES, file), join(dir, file));
    chmodSync(join(dir, file), 0o600);
  }
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the built binary; checks that no fixture token is ever printed. */
function run(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: dir });
  expect(`${result.stdout}${result.stderr}`).not.toMatch(FIXTURE_TOKENS);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, json: () => JSON.parse(result.stdout) };
}

type Listed = { namespaces: string[]; tokens: Array<{ namespace: string; resourceServer: string; identityId: string | null; refreshTokenFingerprint: string | null }> };

describe('globus-tokens on the Python SDK fixtures', () => {
  it.each([
    ['v2.json', 'json', 'v2.json'],
    ['tokens.db', 'sqlite', 'tokens.db'],
    ['v1.json', 'json', 'v1.json'],
    ['v1_sqlite.db', 'sqlite', 'v1_sqlite.db'],
  ])('list %s shows every token the Python reader returns, without the tokens', (file, kind, key) => {
    const result = run('list', file, '--json');
    expect(result.code).toBe(0);
    const listed = result.json() as Listed & { kind: string };
    expect(listed.kind).toBe(kind);
    const namespaces = expected[key].namespaces as Record<string, Record<string, { identity_id?: string }>>;
    const want = Object.entries(namespaces).flatMap(([namespace, entries]) =>
      Object.entries(entries).map(([resourceServer, entry]) => ({ namespace, resourceServer, identityId: entry.identity_id ?? null })),
    );
    expect(listed.tokens.map(({ namespace, resourceServer, identityId }) => ({ namespace, resourceServer, identityId }))).toEqual(want);
  });

  it('list prints a readable table, and --namespace narrows it', () => {
    const table = run('list', 'v2.json');
    expect(table.stdout).toMatch(/NAMESPACE\s+RESOURCE SERVER\s+IDENTITY\s+EXPIRES\s+REFRESH\s+SCOPES/);
    expect(table.stdout).toMatch(/userapp\s+transfer\.api\.globus\.org\s+aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\s+in \d+d \d+h\s+no/);
    const narrowed = run('list', 'v2.json', '--namespace', 'userapp', '--json').json() as Listed;
    expect(narrowed.tokens.map((token) => token.namespace)).toEqual(['userapp', 'userapp']);
  });

  it('list reads a legacy single-token file', () => {
    const listed = run('list', 'legacy_simple.json', '--json').json() as Listed & { kind: string };
    expect(listed.kind).toBe('legacy-simple');
    expect(listed.tokens.map((token) => token.resourceServer)).toEqual(['transfer.api.globus.org']);
  });

  it('show gives one token with fingerprints instead of tokens', () => {
    const shown = run('show', 'tokens.db', 'DEFAULT', 'transfer.api.globus.org', '--json');
    expect(shown.code).toBe(0);
    expect(shown.json()).toMatchObject({
      namespace: 'DEFAULT',
      resourceServer: 'transfer.api.globus.org',
      identityId: '11111111-2222-4333-8444-555555555555',
      expiresAtSeconds: 2000086400,
      accessTokenFingerprint: expect.stringMatching(/^sha256:[0-9a-f]{12}$/),
      refreshTokenFingerprint: expect.stringMatching(/^sha256:[0-9a-f]{12}$/),
    });
    expect(run('show', 'v2.json', 'DEFAULT', 'auth.globus.org').stdout).toMatch(/access token\s+sha256:[0-9a-f]{12}/);
  });

  it('remove deletes one token; an unknown namespace or resource server exits 5', () => {
    expect(run('remove', 'v2.json', 'userapp', 'auth.globus.org').code).toBe(0);
    expect((run('list', 'v2.json', '--namespace', 'userapp', '--json').json() as Listed).tokens.map((token) => token.resourceServer)).toEqual([
      'transfer.api.globus.org',
    ]);
    expect(run('remove', 'v2.json', 'userapp', 'auth.globus.org').code).toBe(5);
    const unknown = run('remove', 'tokens.db', 'nope', 'auth.globus.org');
    expect([unknown.code, unknown.stderr]).toEqual([5, expect.stringContaining("no namespace 'nope'")]);
    expect(run('show', 'v2.json', 'DEFAULT', 'nope.example.org').code).toBe(5);
  });

  it('migrate turns a 1.0 file into 2.0 in place, keeping every token in DEFAULT', () => {
    const result = run('migrate', 'v1.json', '--json');
    expect([result.code, result.json().from]).toEqual([0, '1.0']);
    const migrated = JSON.parse(readFileSync(join(dir, 'v1.json'), 'utf8'));
    expect(validateTokenFile(migrated)).toMatchObject({ valid: true, kind: '2.0' });
    const v1 = JSON.parse(readFileSync(join(FIXTURES, 'v1.json'), 'utf8'));
    expect(migrated.data.DEFAULT).toEqual(v1.by_rs);
    expect(run('migrate', 'v1.json').stdout).toContain('already format 2.0');
  });

  it('migrate turns a legacy single-token file into a 2.0 file that JSONTokenStorage reads', async () => {
    expect(run('migrate', 'legacy_simple.json', '--namespace', 'legacy').code).toBe(0);
    const storage = new JSONTokenStorage(join(dir, 'legacy_simple.json'), { namespace: 'legacy' });
    const token = await storage.getTokenData('transfer.api.globus.org');
    await storage.close();
    expect([token?.accessToken, token?.refreshToken, token?.expiresAtSeconds]).toEqual(['AT-transfer-DEFAULT-0001', 'RT-transfer-DEFAULT-0001', 2000086400]);
  });

  it('convert copies every namespace json -> sqlite -> json without loss', () => {
    expect(run('convert', 'v2.json', 'copy.db').code).toBe(0);
    expect(run('convert', 'copy.db', 'back.json', '--json').json()).toMatchObject({ from: 'sqlite', to: 'json', namespaces: 2, tokens: 4 });
    const original = JSON.parse(readFileSync(join(FIXTURES, 'v2.json'), 'utf8'));
    expect(JSON.parse(readFileSync(join(dir, 'back.json'), 'utf8')).data).toEqual(original.data);
    expect(run('convert', 'v2.json', 'back.json').code).toBe(6);
    expect(run('convert', 'v2.json', 'copy.txt').code).toBe(2);
    expect(run('convert', 'v2.json', 'copy.txt', '--to', 'sqlite').code).toBe(0);
  });

  it('check passes the fixtures and notes old formats', () => {
    for (const file of ['v2.json', 'tokens.db', 'v1_sqlite.db']) expect(run('check', file).code).toBe(0);
    const old = run('check', 'v1.json', '--json');
    expect([old.code, old.json().notes[0]]).toEqual([0, expect.stringContaining("run 'globus-tokens migrate")]);
  });
});

describe('globus-tokens check finds problems', () => {
  it('reports unsafe permissions', () => {
    chmodSync(join(dir, 'v2.json'), 0o644);
    const result = run('check', 'v2.json', '--json');
    expect(result.code).toBe(1);
    expect(result.json().problems).toEqual([expect.objectContaining({ message: expect.stringContaining('unsafe permissions 0644') })]);
  });

  it('reports schema problems with their location', () => {
    const file = JSON.parse(readFileSync(join(dir, 'v2.json'), 'utf8'));
    delete file.data.userapp['auth.globus.org'].access_token;
    writeFileSync(join(dir, 'broken.json'), JSON.stringify(file), { mode: 0o600 });
    const result = run('check', 'broken.json', '--json');
    expect(result.code).toBe(1);
    expect(result.json().problems).toEqual([{ path: '/data/userapp/auth.globus.org/access_token', message: 'is required' }]);
  });

  it('reports a file that is not JSON, and a SQLite file that is not a token database', () => {
    writeFileSync(join(dir, 'bad.json'), '{"access_token": "AT-auth-DEFAULT-0001"', { mode: 0o600 });
    expect(run('check', 'bad.json').stdout).toContain('is not valid JSON');
    copyFileSync(join(dir, 'tokens.db'), join(dir, 'foreign.db'));
    // better-sqlite3 is the sqlite package's dependency, not ours: load it from there.
    const Database = createRequire(resolve(__dirname, '../../sqlite/package.json'))('better-sqlite3') as new (path: string) => { exec(sql: string): void; close(): void };
    const db = new Database(join(dir, 'foreign.db'));
    db.exec('DROP TABLE token_storage; CREATE TABLE other (x)');
    db.close();
    const result = run('check', 'foreign.db', '--json');
    expect(result.code).toBe(1);
    expect(result.json().problems[0].message).toContain('TOKEN_FILE_FORMAT');
  });
});

describe('globus-tokens on files written by this project', () => {
  it('lists JSON and SQLite files written by the storages', async () => {
    const data = new TokenStorageData({ resourceServer: 'rs', identityId: 'me', scope: 'a b', accessToken: 'AT-auth-DEFAULT-0009', refreshToken: null, expiresAtSeconds: 1 });
    const json = new JSONTokenStorage(join(dir, 'ours.json'), { namespace: 'ns' });
    const sqlite = new SQLiteTokenStorage(join(dir, 'ours.db'), { namespace: 'ns' });
    await json.storeTokenDataByResourceServer({ rs: data });
    await sqlite.storeTokenDataByResourceServer({ rs: data });
    await Promise.all([json.close(), sqlite.close()]);
    for (const file of ['ours.json', 'ours.db']) {
      const listed = run('list', file, '--json').json() as Listed & { tokens: Array<{ expired: boolean; scopes: string[] }> };
      expect(listed.tokens).toEqual([expect.objectContaining({ namespace: 'ns', resourceServer: 'rs', identityId: 'me', expired: true, scopes: ['a', 'b'] })]);
      expect(run('check', file, '--json').json().notes).toEqual([expect.stringContaining('ns/rs: access token expired')]);
    }
  });
});

describe('globus-tokens command line', () => {
  it.each([
    [['list', 'missing.json'], 3, 'no such file'],
    [['frob'], 2, "unknown command 'frob'"],
    [['list'], 2, 'usage: globus-tokens list FILE'],
    [['list', 'v2.json', '--frob'], 2, "Unknown option '--frob'"],
    [['show', 'v2.json', 'DEFAULT'], 2, 'usage: globus-tokens show FILE NAMESPACE RESOURCE_SERVER'],
  ])('%j exits %i with a clear message', (args, code, message) => {
    const result = run(...args);
    expect([result.code, result.stderr]).toEqual([code, expect.stringContaining(message)]);
  });

  it('exits 4 for a corrupt file, naming it and quoting none of it', () => {
    writeFileSync(join(dir, 'corrupt.json'), '{"data": {"DEFAULT": {"rs": {"access_token": "AT-auth-DEFAULT-0001"', { mode: 0o600 });
    const result = run('list', 'corrupt.json');
    expect(result.code).toBe(4);
    expect(result.stderr).toContain('corrupt.json');
  });

  it.each(['list', 'show', 'remove', 'migrate', 'convert', 'check'])('%s --help explains the command', (command) => {
    const result = run(command, '--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`usage: globus-tokens ${command}`);
    expect(result.stdout).toContain('--json');
  });

  it('--help lists every command and --version prints the version', () => {
    expect(run('--help').stdout).toMatch(/list[\s\S]*show[\s\S]*remove[\s\S]*migrate[\s\S]*convert[\s\S]*check/);
    expect(run('--version').stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
