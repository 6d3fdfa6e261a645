import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ExitCodes, runCli } from '@globus-tokenstorage/cli';
import { TokenStorageData } from '@globus-tokenstorage/core';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { TestDatabase } from '@globus-tokenstorage/postgres-server/test-database';

const FIXTURES = resolve(__dirname, '../../../fixtures/python');
const FIXTURE_TOKENS = /\b(AT|RT)-(auth|transfer)-(DEFAULT|userapp)-000\d\b/;

let database: TestDatabase;
let password: string;
let dir: string;
beforeAll(async () => {
  database = await TestDatabase.create('cli');
  password = decodeURIComponent(new URL(database.url).password);
});
afterAll(async () => {
  await database?.drop();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gts-cli-pg-'));
  for (const file of ['v2.json', 'tokens.db']) {
    copyFileSync(join(FIXTURES, file), join(dir, file));
    chmodSync(join(dir, file), 0o600);
  }
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A URL of the test database naming a token table. */
const url = (schema: string, table = 'token_storage') =>
  `${database.url}?schema=${encodeURIComponent(schema)}&table=${encodeURIComponent(table)}`;

/** Runs the CLI; checks that no token and no password is ever printed. */
async function cli(...args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { stdout: (text) => out.push(text), stderr: (text) => err.push(text), now: () => 1_800_000_000 });
  const printed = [...out, ...err].join('\n');
  expect(printed).not.toMatch(FIXTURE_TOKENS);
  expect(printed).not.toContain(password);
  return { code, stdout: out.join('\n'), stderr: err.join('\n'), json: () => JSON.parse(out.join('\n')) };
}

type Listed = { kind: string; namespaces: string[]; tokens: Array<Record<string, unknown>> };

describe('globus-tokens on a PostgreSQL token table', () => {
  it('moves a JSON file into the database, shows and checks it there, and converts it back to JSON and SQLite unchanged', async () => {
    const target = url('moved');
    const converted = await cli('convert', join(dir, 'v2.json'), target, '--json');
    expect(converted.code).toBe(0);
    expect(converted.json()).toMatchObject({ from: 'json', to: 'postgres', namespaces: 2, tokens: 4 });
    expect(converted.json().destination).toContain(':***@');

    const fromFile = (await cli('list', join(dir, 'v2.json'), '--json')).json() as Listed;
    const fromDatabase = (await cli('list', target, '--json')).json() as Listed;
    expect(fromDatabase.kind).toBe('postgres');
    expect(fromDatabase.namespaces).toEqual(fromFile.namespaces);
    expect(fromDatabase.tokens).toEqual(fromFile.tokens);
    expect((await cli('list', target)).stdout).toMatch(/userapp\s+transfer\.api\.globus\.org/);

    const shown = await cli('show', target, 'DEFAULT', 'transfer.api.globus.org', '--json');
    expect(shown.json()).toEqual((await cli('show', join(dir, 'v2.json'), 'DEFAULT', 'transfer.api.globus.org', '--json')).json());
    const checked = await cli('check', target, '--json');
    expect(checked.code).toBe(0);
    expect(checked.json()).toMatchObject({ kind: 'postgres', valid: true, problems: [] });

    for (const back of ['back.json', 'back.db']) {
      expect((await cli('convert', target, join(dir, back))).code).toBe(0);
      expect(((await cli('list', join(dir, back), '--json')).json() as Listed).tokens).toEqual(fromFile.tokens);
    }
    expect(readFileSync(join(dir, 'back.json'), 'utf8')).toContain('"format_version": "2.0"');
  });

  it('removes one token; a missing one or namespace exits 5', async () => {
    const target = url('removing');
    await cli('convert', join(dir, 'tokens.db'), target);
    const removed = await cli('remove', target, 'userapp', 'auth.globus.org');
    expect(removed.code).toBe(0);
    expect(
      ((await cli('list', target, '--namespace', 'userapp', '--json')).json() as Listed).tokens.map((token) => token.resourceServer),
    ).toEqual(['transfer.api.globus.org']);
    const again = await cli('remove', target, 'userapp', 'auth.globus.org');
    expect(again.code).toBe(5);
    expect(again.stderr).toContain(':***@');
    expect((await cli('remove', target, 'nobody', 'auth.globus.org')).code).toBe(5);
  });

  it('converts only into empty namespaces: a second conversion is refused and changes nothing', async () => {
    const target = url('twice');
    expect((await cli('convert', join(dir, 'v2.json'), target)).code).toBe(0);
    await cli('remove', target, 'DEFAULT', 'auth.globus.org');
    const refused = await cli('convert', join(dir, 'v2.json'), target);
    expect(refused.code).toBe(6);
    expect(refused.stderr).toContain("namespace(s) 'DEFAULT', 'userapp' already hold tokens");
    expect(((await cli('list', target, '--namespace', 'DEFAULT', '--json')).json() as Listed).tokens).toHaveLength(1);
  });

  it('inspection never creates tables; migrate creates them, then finds nothing to do', async () => {
    const target = url('empty', 'Tokens');
    const listed = await cli('list', target);
    expect(listed.code).toBe(ExitCodes.STORE_UNAVAILABLE);
    expect(listed.stderr).toContain('"empty"."Tokens" does not exist');
    expect((await cli('check', target)).code).toBe(ExitCodes.STORE_UNAVAILABLE);
    expect(await database.query("SELECT nspname FROM pg_namespace WHERE nspname = 'empty'")).toEqual([]);

    const created = await cli('migrate', target);
    expect(created.stdout).toContain('created the token table and its version table');
    expect((await cli('migrate', target, '--json')).json()).toMatchObject({
      from: 'postgres',
      detail: expect.stringContaining('nothing to do'),
    });
    expect(await cli('list', target, '--json')).toMatchObject({ code: 0 });
  });

  it('check reports a row that is not token data, and exits 1', async () => {
    const target = url('damaged');
    await cli('convert', join(dir, 'v2.json'), target);
    await database.query(
      `UPDATE damaged.token_storage SET token_data = '{"scope": 5}' WHERE namespace = 'userapp' AND resource_server = 'auth.globus.org'`,
    );
    const checked = await cli('check', target, '--json');
    expect(checked.code).toBe(1);
    expect(checked.json().problems).toEqual([
      {
        path: '/userapp/auth.globus.org',
        message: expect.stringContaining("INVALID_TOKEN_DATA: the token data of 'auth.globus.org' in namespace 'userapp'"),
      },
    ]);
  });

  it('a server it cannot reach is reported without the password', async () => {
    const unreachable = `postgres://someone:${encodeURIComponent(password)}@127.0.0.1:1/nowhere`;
    const listed = await cli('list', unreachable);
    expect(listed.code).toBe(ExitCodes.STORE_UNAVAILABLE);
    expect(listed.stderr).toContain('the PostgreSQL server 127.0.0.1:1/nowhere cannot be used');
  });

  it('never prints a password given as a query parameter (nor an sslpassword)', async () => {
    const withoutPassword = new URL(database.url);
    withoutPassword.password = '';
    const target = `${withoutPassword}?password=${encodeURIComponent(password)}&sslpassword=ssl-secret-value&schema=query_password`;
    const runs = [
      await cli('convert', join(dir, 'v2.json'), target, '--json'),
      await cli('convert', join(dir, 'v2.json'), target),
      await cli('list', target),
      await cli('list', target, '--json'),
      await cli('show', target, 'DEFAULT', 'transfer.api.globus.org'),
      await cli('check', target),
      await cli('check', target, '--json'),
      await cli('remove', target, 'nobody', 'auth.globus.org'),
      await cli('migrate', target),
      await cli('convert', target, join(dir, 'back.json')),
    ];
    expect(runs.map((run) => run.code)).toEqual([0, 6, 0, 0, 0, 0, 0, 5, 0, 0]);
    for (const run of runs) {
      const printed = `${run.stdout}\n${run.stderr}`;
      expect(printed).not.toContain(encodeURIComponent(password));
      expect(printed).not.toContain('ssl-secret-value');
    }
    expect(runs[0]!.json().destination).toContain('password=***');
    expect(runs[2]!.stdout).toContain('sslpassword=***');
  });

  it('a conversion that fails on a later namespace writes nothing, so that it can be run again', async () => {
    const source = join(dir, 'later-fails.json');
    const entry = (resourceServer: string, extra: Record<string, unknown> = {}) =>
      new TokenStorageData({
        resourceServer,
        identityId: null,
        scope: 's',
        accessToken: `AT-${resourceServer}`,
        refreshToken: null,
        expiresAtSeconds: 2_000_000_000,
        tokenType: 'Bearer',
        extra,
      });
    for (const [namespace, extra] of [
      ['aaa', {}],
      ['bbb', { note: 'x\u0000y' }],
    ] as const) {
      const writer = new JSONTokenStorage(source, { namespace });
      await writer.storeTokenDataByResourceServer({ rs: entry('rs', extra) });
      await writer.close();
    }
    const target = url('all_or_nothing');
    const failed = await cli('convert', source, target);
    expect(failed.code).toBe(4);
    expect(failed.stderr).toContain('NUL');
    expect(await database.query('SELECT namespace FROM all_or_nothing.token_storage')).toEqual([]);

    expect((await cli('remove', source, 'bbb', 'rs')).code).toBe(0);
    const fixed = await cli('convert', source, target, '--json');
    expect(fixed.code).toBe(0);
    expect(fixed.json()).toMatchObject({ namespaces: 1, tokens: 1 });
  });

  it('a conversion into a file that fails on a later namespace leaves no file behind', async () => {
    const target = url('file_later_fails');
    await cli('convert', join(dir, 'v2.json'), target);
    await database.query(`UPDATE file_later_fails.token_storage SET token_data = '{"scope": 5}' WHERE namespace = 'userapp'`);
    for (const back of ['back.json', 'back.db']) {
      const failed = await cli('convert', target, join(dir, back));
      expect([back, failed.code]).toEqual([back, 4]);
    }
    expect(readdirSync(dir).sort()).toEqual(['tokens.db', 'v2.json']);
  });
});
