import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ExitCodes } from '@globus-tokenstorage/cli';
import { adminQuery, TestDatabase } from '@globus-tokenstorage/postgres-server/test-database';
import { BIN, requireBuiltCli, runBuiltCli } from './run-built-cli';

const FIXTURES = resolve(__dirname, '../../../fixtures/python');
const README = resolve(__dirname, '../README.md');

/** A password with every character that ends the password part of a URL. */
const AWKWARD_PASSWORD = `p#ss@w/rd?:%&${randomBytes(6).toString('hex')}`;

let database: TestDatabase;
let role: string;
let dir: string;
beforeAll(async () => {
  requireBuiltCli();
  database = await TestDatabase.create('cli_errors');
  role = `gts_cli_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE ROLE "${role}" LOGIN PASSWORD '${AWKWARD_PASSWORD.replace(/'/g, "''")}'`);
  await database.query(`GRANT ALL ON DATABASE "${database.name}" TO "${role}"; GRANT ALL ON SCHEMA public TO "${role}"`);
});
afterAll(async () => {
  await database?.drop();
  if (role) await adminQuery(`DROP ROLE IF EXISTS "${role}"`);
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gts-cli-pg-errors-'));
  copyFileSync(join(FIXTURES, 'v2.json'), join(dir, 'v2.json'));
  chmodSync(join(dir, 'v2.json'), 0o600);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The test database's URL as `user` with `password` ('' for none), and `query` after it. */
function urlAs(user: string, password: string, query = ''): string {
  const url = new URL(database.url);
  url.username = user;
  url.password = password === '' ? '' : encodeURIComponent(password);
  return `${url}${query}`;
}

/** Runs the built CLI in a child process without PGPASSWORD (unless given); checks that no password is printed. */
function run(args: string[], env: Record<string, string> = {}) {
  const { PGPASSWORD: _ignored, ...inherited } = process.env;
  const result = runBuiltCli(args, { cwd: dir, env: { ...inherited, ...env } });
  const printed = `${result.stdout}${result.stderr}`;
  expect(printed).not.toContain(AWKWARD_PASSWORD);
  expect(printed).not.toContain(encodeURIComponent(AWKWARD_PASSWORD));
  expect(printed).not.toContain(decodeURIComponent(new URL(database.url).password));
  return result;
}

describe('a store that cannot be used is not "problems found"', () => {
  it.each([
    ['a server that is down', () => `postgres://someone:secret@127.0.0.1:1/nowhere`, 'STORAGE_UNAVAILABLE'],
    ['a wrong password', () => urlAs(role, 'not-the-password'), 'STORAGE_UNAVAILABLE'],
    ['a database without the token table', () => urlAs(role, AWKWARD_PASSWORD, '?schema=no_such_schema'), 'TOKEN_STORAGE_ERROR'],
  ])('%s: list, show, check and remove exit STORE_UNAVAILABLE, and check reports no problem', (_what, target, code) => {
    for (const args of [
      ['list', target()],
      ['show', target(), 'DEFAULT', 'rs'],
      ['remove', target(), 'DEFAULT', 'rs'],
      ['check', target()],
    ]) {
      const result = run([...args, '--json']);
      expect([args[0], result.code, result.stdout]).toEqual([args[0], ExitCodes.STORE_UNAVAILABLE, '']);
      expect(JSON.parse(result.stderr)).toEqual({ error: { code, exitCode: ExitCodes.STORE_UNAVAILABLE, message: expect.any(String) } });
    }
  });

  it("the README's way to tell problems found from a check that could not run tells them apart", () => {
    const line = /^\$ (case \$\? in .*esac)$/m.exec(readFileSync(README, 'utf8'))?.[1];
    expect(line).toBeDefined();
    const target = `postgres://someone:secret@127.0.0.1:1/nowhere`;
    const shell = (file: string) =>
      spawnSync('sh', ['-c', `"$0" "$1" check "$2" >/dev/null 2>&1\n${line}`, process.execPath, BIN, file], { cwd: dir, encoding: 'utf8' })
        .stdout;
    expect(shell(target)).toMatch(/could not check/);
    chmodSync(join(dir, 'v2.json'), 0o644);
    expect(shell('v2.json')).toBe('problems found\n');
  });
});

describe('the password of a PostgreSQL URL', () => {
  it('an unencoded special character is refused with how to encode it, or to use PGPASSWORD', () => {
    const url = new URL(database.url);
    for (const password of [AWKWARD_PASSWORD, '123#456']) {
      const raw = `postgres://${role}:${password}@${url.host}${url.pathname}`;
      const result = run(['list', raw]);
      expect(result.code).toBe(ExitCodes.USAGE);
      expect(result.stderr).toContain("percent-encoded ('#' as %23, '@' as %40");
      expect(result.stderr).toContain('set it in the environment variable PGPASSWORD');
      expect(result.stderr).not.toContain(password);
    }
  });

  it('is read percent-encoded from the URL, or from PGPASSWORD when the URL has none', () => {
    const target = urlAs(role, AWKWARD_PASSWORD);
    expect(run(['convert', 'v2.json', target]).code).toBe(ExitCodes.OK);
    const fromUrl = run(['list', target, '--json']);
    const fromEnvironment = run(['list', urlAs(role, ''), '--json'], { PGPASSWORD: AWKWARD_PASSWORD });
    expect([fromUrl.code, fromEnvironment.code]).toEqual([0, 0]);
    expect(JSON.parse(fromEnvironment.stdout).tokens).toEqual(JSON.parse(fromUrl.stdout).tokens);
    expect(JSON.parse(fromEnvironment.stdout).tokens).toHaveLength(4);
  });
});
