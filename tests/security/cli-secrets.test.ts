import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OAuthTokenResponse, TokenStorageData } from '@globus-tokenstorage/core';
import { runCli } from '@globus-tokenstorage/cli';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { SimpleJSONFileAdapter } from '@globus-tokenstorage/legacy-file-adapter';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { TestDatabase } from '@globus-tokenstorage/postgres-server/test-database';
import { ACCESS, CANARY, leaksIn, OutputCapture, REFRESH, SECRET } from './support';

/**
 * `globus-tokens` on files holding canary tokens, intact and corrupted in every way the tests know:
 * nothing it prints, on stdout or stderr, in text or JSON, shows a token.
 */

let dir: string;
const capture = new OutputCapture();
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gts-audit-cli-'));
  capture.install();
});
afterAll(() => {
  capture.restore();
  rmSync(dir, { recursive: true, force: true });
});

const token = (resourceServer: string, overrides: Partial<ConstructorParameters<typeof TokenStorageData>[0]> = {}) =>
  new TokenStorageData({
    resourceServer,
    identityId: '11111111-2222-4333-8444-555555555555',
    scope: 'openid',
    accessToken: `${ACCESS}-${resourceServer}`,
    refreshToken: `${REFRESH}-${resourceServer}`,
    expiresAtSeconds: 1_900_000_000,
    tokenType: 'Bearer',
    extra: { client_secret: SECRET },
    ...overrides,
  });

/** Runs the CLI and returns everything it printed. */
async function cli(...args: string[]): Promise<{ code: number; printed: string }> {
  const printed: string[] = [];
  const code = await runCli(args, { stdout: (text) => printed.push(text), stderr: (text) => printed.push(text), now: () => 1_800_000_000 });
  return { code, printed: printed.join('\n') };
}

/** Every command on `path`; fails listing each command whose output shows a secret. */
async function expectQuietCommands(path: string, namespace = 'DEFAULT', resourceServer = 'rs'): Promise<number[]> {
  const commands = [
    ['list', path],
    ['list', path, '--json'],
    ['list', path, '--namespace', namespace, '--json'],
    ['show', path, namespace, resourceServer],
    ['show', path, namespace, resourceServer, '--json'],
    ['check', path],
    ['check', path, '--json'],
    ['convert', path, `${path}.converted.json`],
    ['convert', path, `${path}.converted.db`, '--json'],
    ['remove', path, namespace, 'absent'],
    ['migrate', path, '--json'],
    ['remove', path, namespace, resourceServer],
  ];
  const codes: number[] = [];
  for (const args of commands) {
    const { code, printed } = await cli(...args);
    codes.push(code);
    expect({ command: args.join(' '), leaks: leaksIn(printed) }).toEqual({ command: args.join(' '), leaks: [] });
  }
  for (const suffix of ['.converted.json', '.converted.db', '.converted.db-wal', '.converted.db-shm'])
    rmSync(`${path}${suffix}`, { force: true });
  return codes;
}

describe('globus-tokens on files holding canary tokens', () => {
  it('JSON 2.0, JSON 1.0, SQLite and legacy files: every command, text and JSON output', async () => {
    const json = join(dir, 'tokens.json');
    const storage = new JSONTokenStorage(json);
    await storage.storeTokenDataByResourceServer({ rs: token('rs'), other: token('other', { refreshToken: null }) });
    const sqlite = join(dir, 'tokens.db');
    const database = new SQLiteTokenStorage(sqlite);
    await database.storeTokenDataByResourceServer({ rs: token('rs') });
    await database.close();
    const v1 = join(dir, 'v1.json');
    writeFileSync(v1, JSON.stringify({ by_rs: { rs: token('rs', { extra: {} }).toDict() }, format_version: '1.0' }));
    const legacy = join(dir, 'legacy.json');
    await new SimpleJSONFileAdapter(legacy, { resourceServer: 'rs' }).store(
      OAuthTokenResponse.fromJSON({ access_token: ACCESS, refresh_token: REFRESH, resource_server: 'rs', scope: 's', expires_in: 60 }),
    );
    for (const path of [json, sqlite, v1, legacy]) {
      expect(readFileSync(path).includes(CANARY)).toBe(true);
      const codes = await expectQuietCommands(path);
      expect(codes.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    }
  });

  it('corrupt files: syntax errors after tokens, wrong types, bad rows, damaged pages, deep nesting', async () => {
    const entry = { resource_server: 'rs', scope: 's', access_token: ACCESS, refresh_token: REFRESH, expires_at_seconds: 1 };
    const sqlite = join(dir, 'damaged-source.db');
    const database = new SQLiteTokenStorage(sqlite);
    await database.storeTokenDataByResourceServer({ rs: token('rs', { extra: {} }) });
    await database.close();
    const pristine = readFileSync(sqlite);
    const at = pristine.indexOf(`"access_token": "${ACCESS}-rs"`) + `"access_token": "${ACCESS}-rs"`.length;
    const badRow = Buffer.from(pristine);
    badRow.write('}', at, 'latin1');
    const damaged = Buffer.from(pristine);
    const page = Math.floor(pristine.indexOf(ACCESS) / 4096) * 4096;
    damaged.fill(0xff, page, page + 8);
    const files: Record<string, string | Buffer> = {
      'syntax error': `{"data": {"DEFAULT": {"rs": {"access_token": "${ACCESS}" x}}}, "format_version": "2.0", "globus-sdk.version": "x"}`,
      'syntax error, integer-like keys': `{"data": {"0": {"rs": {"access_token": "${ACCESS}", }}}, "format_version": "2.0"}`,
      'cut short': `{"format_version": "1.0", "by_rs": {"rs": {"access_token": "${ACCESS}`,
      'a quote lost before a token': `{"format_version": "1.0", "by_rs": {"rs": {"access_token": ${ACCESS}", "scope": "s"}}}`,
      'a quote lost before a token in a legacy file': `{"access_token": ${ACCESS}", "globus-sdk-tokenstorage.version": "0.4.1"}`,
      'wrong types': JSON.stringify({
        data: { DEFAULT: { rs: { ...entry, expires_at_seconds: ACCESS, scope: REFRESH } } },
        format_version: '2.0',
        'globus-sdk.version': 'x',
      }),
      'legacy with wrong types': JSON.stringify({ ...entry, expires_at_seconds: REFRESH, 'globus-sdk-tokenstorage.version': '0.4.1' }),
      'a token as a namespace': JSON.stringify({ data: { DEFAULT: ACCESS }, format_version: '2.0', 'globus-sdk.version': 'x' }),
      'deep nesting': `{"data": {"DEFAULT": {"rs": ${'['.repeat(700)}"${ACCESS}"${']'.repeat(700)}}}, "format_version": "2.0", "globus-sdk.version": "x"}`,
      'sqlite row that is not JSON': badRow,
      'sqlite damaged page': damaged,
    };
    for (const [what, content] of Object.entries(files)) {
      const path = join(dir, `corrupt-${what.replace(/\W+/g, '-')}`);
      writeFileSync(path, content, { mode: 0o600 });
      const codes = await expectQuietCommands(path);
      // A bad entry is listed as invalid beside the others (exit 1); the other files cannot be read at all (4).
      const entryLevel = what === 'wrong types' || what === 'sqlite row that is not JSON';
      expect({ what, listed: codes[0] }).toEqual({ what, listed: entryLevel ? 1 : 4 });
    }
  });

  it('a PostgreSQL token table: every command, text and JSON output, and a bad row', async () => {
    const database = await TestDatabase.create('audit_cli');
    try {
      const password = decodeURIComponent(new URL(database.url).password);
      const url = `${database.url}?schema=audit`;
      const source = join(dir, 'for-postgres.json');
      const storage = new JSONTokenStorage(source);
      await storage.storeTokenDataByResourceServer({ rs: token('rs'), other: token('other', { refreshToken: null }) });
      const commands = [
        ['convert', source, url],
        ['list', url],
        ['list', url, '--json'],
        ['show', url, 'DEFAULT', 'rs'],
        ['show', url, 'DEFAULT', 'rs', '--json'],
        ['check', url, '--json'],
        ['convert', url, join(dir, 'from-postgres.json')],
        ['migrate', url, '--json'],
        ['remove', url, 'DEFAULT', 'absent'],
        ['remove', url, 'DEFAULT', 'rs', '--json'],
      ];
      const expectQuiet = async (args: string[]) => {
        const { printed } = await cli(...args);
        expect({ command: args.join(' '), leaks: leaksIn(printed), password: printed.includes(password) }).toEqual({
          command: args.join(' '),
          leaks: [],
          password: false,
        });
      };
      for (const args of commands) await expectQuiet(args);
      // A row whose expiry is its own access token.
      await database.query(
        `UPDATE audit.token_storage SET token_data = jsonb_set(token_data, '{expires_at_seconds}', to_jsonb(token_data->>'access_token')) WHERE resource_server = 'other'`,
      );
      for (const args of [
        ['list', url],
        ['show', url, 'DEFAULT', 'other', '--json'],
        ['check', url],
        ['convert', url, join(dir, 'bad.json')],
      ])
        await expectQuiet(args);
      expect(readFileSync(join(dir, 'from-postgres.json'), 'utf8')).toContain(CANARY);
    } finally {
      await database.drop();
    }
  });

  it('nothing written to the console or the standard streams while these tests ran shows a secret', () => {
    console.log('audit capture check');
    expect(capture.written.some((text) => text.includes('audit capture check'))).toBe(true);
    expect(capture.written.flatMap(leaksIn)).toEqual([]);
  });
});
