import { execFileSync, spawnSync } from 'node:child_process';
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

type Listed = {
  namespaces: string[];
  tokens: Array<{ namespace: string; resourceServer: string; identityId: string | null; refreshTokenFingerprint: string | null }>;
};

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
    // The fixtures expire in 2033: far away, so shown as a date rather than "in 2360d 6h".
    expect(table.stdout).toMatch(/userapp\s+transfer\.api\.globus\.org\s+aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee\s+2033-05-18 05:33 UTC\s+no/);
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
    expect(
      (run('list', 'v2.json', '--namespace', 'userapp', '--json').json() as Listed).tokens.map((token) => token.resourceServer),
    ).toEqual(['transfer.api.globus.org']);
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
    expect([token?.accessToken, token?.refreshToken, token?.expiresAtSeconds]).toEqual([
      'AT-transfer-DEFAULT-0001',
      'RT-transfer-DEFAULT-0001',
      2000086400,
    ]);
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
    const Database = createRequire(resolve(__dirname, '../../sqlite/package.json'))('better-sqlite3') as new (
      path: string,
    ) => { exec(sql: string): void; close(): void };
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
    const data = new TokenStorageData({
      resourceServer: 'rs',
      identityId: 'me',
      scope: 'a b',
      accessToken: 'AT-auth-DEFAULT-0009',
      refreshToken: null,
      expiresAtSeconds: 1,
    });
    const json = new JSONTokenStorage(join(dir, 'ours.json'), { namespace: 'ns' });
    const sqlite = new SQLiteTokenStorage(join(dir, 'ours.db'), { namespace: 'ns' });
    await json.storeTokenDataByResourceServer({ rs: data });
    await sqlite.storeTokenDataByResourceServer({ rs: data });
    await Promise.all([json.close(), sqlite.close()]);
    for (const file of ['ours.json', 'ours.db']) {
      const listed = run('list', file, '--json').json() as Listed & { tokens: Array<{ expired: boolean; scopes: string[] }> };
      expect(listed.tokens).toEqual([
        expect.objectContaining({ namespace: 'ns', resourceServer: 'rs', identityId: 'me', expired: true, scopes: ['a', 'b'] }),
      ]);
      expect(run('check', file, '--json').json().notes).toEqual([expect.stringContaining('ns/rs: access token expired')]);
    }
  });
});

describe('globus-tokens command line', () => {
  it.each([
    [['list', 'missing.json'], 3, 'no such file'],
    [['frob'], 2, "unknown command 'frob'"],
    [['list'], 2, 'usage: globus-tokens list FILE'],
    [
      ['list', 'v2.json', '--frob'],
      2,
      "unknown option '--frob' for 'list' (its options: --namespace, --json, --help; put '--' before an argument that starts with '-')",
    ],
    [['list', 'v2.json', '--namespace'], 2, "option '--namespace' needs a value"],
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

  it('--help lists every command', () => {
    expect(run('--help').stdout).toMatch(/list[\s\S]*show[\s\S]*remove[\s\S]*migrate[\s\S]*convert[\s\S]*check/);
  });

  it('--version prints the version in its package.json', () => {
    const { version } = JSON.parse(readFileSync(resolve(__dirname, '../package.json'), 'utf8')) as { version: string };
    expect(run('--version').stdout).toBe(`${version}\n`);
  });
});

describe('globus-tokens as a new user meets it', () => {
  const v2 = (data: unknown) => JSON.stringify({ data, format_version: '2.0', 'globus-sdk.version': '4.9.0' });
  const entry = (resourceServer: string, fields: Record<string, unknown> = {}) => ({
    resource_server: resourceServer,
    scope: 's',
    access_token: 'AT-auth-DEFAULT-0002',
    expires_at_seconds: 2_000_000_000,
    token_type: 'Bearer',
    ...fields,
  });

  it('a damaged file named .db is reported as a damaged SQLite database, not as "not valid JSON"', () => {
    writeFileSync(join(dir, 'bad.db'), 'this is not a database at all, nor JSON', { mode: 0o600 });
    for (const command of ['list', 'check']) {
      const result = run(command, 'bad.db', '--json');
      expect(`${result.stdout}${result.stderr}`).toContain("'bad.db' is not a readable SQLite token database (SQLITE_NOTADB)");
      expect(`${result.stdout}${result.stderr}`).not.toContain('JSON');
    }
    expect(run('list', 'bad.db').code).toBe(4);
  });

  it('check gives the line and column of a syntax error, as list does', () => {
    writeFileSync(join(dir, 'cut.json'), '{"data": {"DEFAULT": {\n  "rs": {"scope": "s", ', { mode: 0o600 });
    const listed = run('list', 'cut.json');
    const where = /line 2 column \d+ \(char \d+\)/.exec(listed.stderr)?.[0];
    expect(where).toBeDefined();
    const checked = run('check', 'cut.json', '--json');
    expect(checked.code).toBe(1);
    expect(checked.json().problems).toEqual([{ path: '', message: expect.stringContaining(where as string) }]);
  });

  it('list --namespace of a namespace that is not in the file exits 5, as show does, with nothing on stdout', () => {
    const result = run('list', 'v2.json', '--namespace', 'nope');
    expect([result.code, result.stdout, result.stderr]).toEqual([5, '', "globus-tokens: no namespace 'nope' in 'v2.json'\n"]);
    expect(run('list', 'v2.json', '--namespace', 'userapp').code).toBe(0);
  });

  it('a FIFO given as FILE cannot be read as a token file (exit 4), and is not waited on', () => {
    execFileSync('mkfifo', [join(dir, 'pipe.json')]);
    const result = run('list', 'pipe.json');
    expect([result.code, result.stderr]).toEqual([
      4,
      "globus-tokens: cannot read the token file 'pipe.json': it is not a regular file but a FIFO (named pipe) (EFTYPE)\n",
    ]);
  });

  it('with --json, errors are JSON on stderr too', () => {
    for (const [args, code, errorCode] of [
      [['list', 'missing.json', '--json'], 3, 'FILE_NOT_FOUND'],
      [['list', 'v2.json', '--json', '--frob'], 2, 'USAGE'],
      [['show', 'v2.json', 'nope', 'rs', '--json'], 5, 'NOT_FOUND'],
      [['list', 'v2.json', '--namespace', 'nope', '--json'], 5, 'NOT_FOUND'],
    ] as const) {
      const result = run(...args);
      expect(result.code).toBe(code);
      expect(JSON.parse(result.stderr)).toEqual({ error: { code: errorCode, exitCode: code, message: expect.any(String) } });
    }
    writeFileSync(join(dir, 'corrupt.json'), '{"data": ', { mode: 0o600 });
    expect(JSON.parse(run('list', 'corrupt.json', '--json').stderr).error).toMatchObject({ code: 'TOKEN_FILE_FORMAT', exitCode: 4 });
  });

  it('convert refuses a destination in a directory that does not exist, unless --parents', () => {
    const refused = run('convert', 'v2.json', join('no-such-dir', 'tokens.db'));
    expect([refused.code, refused.stderr]).toEqual([
      6,
      expect.stringContaining("the directory 'no-such-dir' does not exist; create it, or pass --parents"),
    ]);
    expect(existsSync(join(dir, 'no-such-dir'))).toBe(false);
    const created = run('convert', 'v2.json', join('new-dir', 'deeper', 'tokens.db'), '--parents');
    expect(created.code).toBe(0);
    expect(run('list', join('new-dir', 'deeper', 'tokens.db'), '--json').json().tokens).toHaveLength(4);
  });

  it('one invalid entry does not hide the others: list shows it as INVALID, with the reason, and exits 1', async () => {
    writeFileSync(join(dir, 'mixed.json'), v2({ DEFAULT: { a: entry('a'), bad: entry('bad', { scope: 7 }), c: entry('c') } }), {
      mode: 0o600,
    });
    const sqlite = new SQLiteTokenStorage(join(dir, 'mixed.db'));
    await sqlite.storeTokenDataByResourceServer({ a: TokenStorageData.fromDict(entry('a')), c: TokenStorageData.fromDict(entry('c')) });
    await sqlite.close();
    const Database = createRequire(resolve(__dirname, '../../sqlite/package.json'))('better-sqlite3') as new (
      path: string,
    ) => { exec(sql: string): void; close(): void };
    const db = new Database(join(dir, 'mixed.db'));
    db.exec(`INSERT INTO token_storage VALUES ('DEFAULT', 'bad', '${JSON.stringify(entry('bad', { scope: 7 }))}')`);
    db.close();
    for (const file of ['mixed.json', 'mixed.db']) {
      const table = run('list', file);
      expect(table.code).toBe(1);
      expect(table.stdout).toMatch(/DEFAULT\s+a\s/);
      expect(table.stdout).toMatch(/DEFAULT\s+c\s/);
      expect(table.stdout).toMatch(/DEFAULT\s+bad\s+-\s+INVALID/);
      expect(table.stdout).toContain('invalid entry DEFAULT/bad: the token data');
      expect(table.stdout).toContain("'scope' must be a string");
      const listed = run('list', file, '--json');
      expect(listed.code).toBe(1);
      expect(
        listed
          .json()
          .tokens.map((token: { resourceServer: string }) => token.resourceServer)
          .sort(),
      ).toEqual(['a', 'c']);
      expect(listed.json().invalid).toEqual([
        { namespace: 'DEFAULT', resourceServer: 'bad', problem: expect.stringContaining("'scope' must be a string") },
      ]);
      // check names the entry: by its place in the JSON Schema for a JSON file, by namespace and key in a database.
      const problem = file.endsWith('.json')
        ? { path: '/data/DEFAULT/bad/scope', message: 'must be string' }
        : { path: '/DEFAULT/bad', message: expect.stringContaining("INVALID_TOKEN_DATA: the token data of 'bad'") };
      expect(run('check', file, '--json').json().problems).toEqual([problem]);
    }
  });

  it('read-only inspection of a WAL database leaves no -wal or -shm file', async () => {
    const storage = new SQLiteTokenStorage(join(dir, 'ours.db'), { namespace: 'ns' });
    await storage.storeTokenDataByResourceServer({ rs: TokenStorageData.fromDict(entry('rs')) });
    await storage.close();
    const before = readFileSync(join(dir, 'ours.db'));
    for (const [args, code] of [
      [['list', 'ours.db'], 0],
      [['show', 'ours.db', 'ns', 'rs'], 0],
      [['check', 'ours.db'], 0],
      [['list', 'ours.db', '--namespace', 'other'], 5],
    ] as const) {
      expect(run(...args).code).toBe(code);
      expect(existsSync(join(dir, 'ours.db-wal')) || existsSync(join(dir, 'ours.db-shm'))).toBe(false);
    }
    expect(readFileSync(join(dir, 'ours.db')).equals(before)).toBe(true);
  });

  it('shows an expiry within a week as a duration, and a later one as a UTC date', () => {
    const now = Math.floor(Date.now() / 1000);
    writeFileSync(
      join(dir, 'times.json'),
      v2({
        DEFAULT: {
          soon: entry('soon', { expires_at_seconds: now + 2 * 86400 + 3 * 3600 + 60 }),
          later: entry('later', { expires_at_seconds: 1_998_568_920 }),
        },
      }),
      { mode: 0o600 },
    );
    const listed = run('list', 'times.json').stdout;
    expect(listed).toMatch(/soon\s+-\s+in 2d 3h\s/);
    expect(listed).toMatch(/later\s+-\s+2033-05-01 14:02 UTC\s/);
  });
});
