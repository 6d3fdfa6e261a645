import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TestDatabase } from '@globus-tokenstorage/postgres-server/test-database';

const EXAMPLE = resolve(__dirname, '..');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the example as `npm run example` does (tsx on the sources, packages built), in its own data
 * directory. `answer` is called with stdout as it grows and may return text for stdin; `env` adds
 * to the environment (DATABASE_URL is cleared unless given).
 */
function runExample(args: string[], answer?: (stdout: string) => Promise<string | null>, env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: EXAMPLE,
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, DATABASE_URL: '', ...env },
    });
    let stdout = '';
    let stderr = '';
    let answered = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (answer && !answered) {
        void answer(stdout).then((text) => {
          if (text !== null && !answered) {
            answered = true;
            child.stdin.write(`${text}\n`);
          }
        }, reject);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    if (!answer) child.stdin.end();
  });
}

/** Logs alice in through an authorize URL, as a browser would, with the auth server's login driver. */
function loginAs(authorizeUrl: string): Promise<string> {
  const script = `import('@globus-tokenstorage/auth-server').then(({ login }) =>
    login({ authorizeUrl: process.argv[1], username: 'alice', password: 'alice-password' })).then((code) => process.stdout.write(code))`;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['-e', script, authorizeUrl], { cwd: EXAMPLE });
    let code = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (code += chunk));
    child.on('close', (status) => (status === 0 ? resolvePromise(code) : reject(new Error(`login failed with status ${status}`))));
  });
}

const CSV = [
  'ID,Name,Type,Session Enforcement,Roles',
  '0e7e3a3c-0000-4000-8000-00000000a001,Alice lab,regular,strict,admin',
  '0e7e3a3c-0000-4000-8000-00000000a002,Shared instrument,regular,not strict,"member,manager"',
];

describe('the minimal-script example', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'gts-example-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('logs in once, reuses the stored tokens on the next run, and writes a refresh back with --expire-now', async () => {
    const first = await runExample(['--data-dir', dataDir]);
    expect(first.code).toBe(0);
    expect(first.stderr).toContain('Logged in as identity 11111111-2222-4333-8444-555555555555; stored the new tokens.');
    expect(first.stderr).toContain('Token endpoint requests in this run: 1 authorization_code.');
    expect(first.stdout.trim().split('\n')).toEqual(CSV);
    // Clean output on every tested Node: no runtime or dependency warnings (oidc-provider warns on Node 20).
    expect(first.stderr).not.toMatch(/warning/i);
    const file = join(dataDir, 'tokens.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const stored = JSON.parse(readFileSync(file, 'utf8')).data.DEFAULT['groups.api.local'];

    const second = await runExample(['--data-dir', dataDir]);
    expect(second.code).toBe(0);
    expect(second.stderr).toContain('Reusing the tokens stored for groups.api.local (no login needed');
    expect(second.stderr).toContain('Token endpoint requests in this run: none.');
    expect(second.stdout.trim().split('\n')).toEqual(CSV);

    const third = await runExample(['--data-dir', dataDir, '--expire-now']);
    expect(third.code).toBe(0);
    expect(third.stderr).toContain('Marked the stored access token as expired.');
    expect(third.stderr).toMatch(/Refreshed the access token \(valid until .*\) and wrote it back to .*tokens\.json\./);
    expect(third.stderr).toContain('Token endpoint requests in this run: 1 refresh_token.');
    expect(third.stdout.trim().split('\n')).toEqual(CSV);
    const refreshed = JSON.parse(readFileSync(file, 'utf8')).data.DEFAULT['groups.api.local'];
    expect(refreshed.access_token).not.toBe(stored.access_token);
    expect(refreshed.refresh_token).toBe(stored.refresh_token);
    expect(refreshed.identity_id).toBe(stored.identity_id);
    expect(refreshed.expires_at_seconds).toBeGreaterThan(Date.now() / 1000);
    for (const run of [first, second, third]) expect(`${run.stdout}${run.stderr}`).not.toContain(stored.access_token);
  }, 60000);

  it('keeps tokens in SQLite with --storage sqlite, and logs in every run with --storage memory', async () => {
    const sqliteFirst = await runExample(['--data-dir', dataDir, '--storage', 'sqlite']);
    const sqliteSecond = await runExample(['--data-dir', dataDir, '--storage', 'sqlite']);
    expect([sqliteFirst.code, sqliteSecond.code]).toEqual([0, 0]);
    expect(sqliteSecond.stderr).toContain('tokens are kept in');
    expect(sqliteSecond.stderr).toContain('tokens.db');
    expect(sqliteSecond.stderr).toContain('Reusing the tokens');
    const memory = await runExample(['--data-dir', dataDir, '--storage', 'memory']);
    expect(memory.stderr).toContain('Logged in as identity');
    expect(memory.stdout.trim().split('\n')).toEqual(CSV);
  }, 60000);

  it('keeps tokens in PostgreSQL with --storage postgres (the URL from --postgres-url or DATABASE_URL)', async () => {
    const database = await TestDatabase.create('example');
    try {
      const password = decodeURIComponent(new URL(database.url).password);
      const first = await runExample(['--data-dir', dataDir, '--storage', 'postgres', '--postgres-url', database.url]);
      expect(first.code).toBe(0);
      expect(first.stderr).toContain('Logged in as identity 11111111-2222-4333-8444-555555555555; stored the new tokens.');
      expect(first.stderr).toMatch(/tokens are kept in postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/gts_example_/);
      const second = await runExample(['--data-dir', dataDir, '--storage', 'postgres', '--expire-now'], undefined, {
        DATABASE_URL: database.url,
      });
      expect(second.code).toBe(0);
      expect(second.stderr).toContain('Reusing the tokens stored for groups.api.local');
      expect(second.stderr).toContain('Token endpoint requests in this run: 1 refresh_token.');
      expect(second.stdout.trim().split('\n')).toEqual(CSV);
      const [row] = await database.query<{ identity_id: string }>(
        "SELECT token_data->>'identity_id' AS identity_id FROM token_storage WHERE resource_server = 'groups.api.local'",
      );
      expect(row?.identity_id).toBe('11111111-2222-4333-8444-555555555555');
      for (const run of [first, second]) expect(`${run.stdout}${run.stderr}`).not.toContain(password);
    } finally {
      await database.drop();
    }
  }, 60000);

  it('with --interactive prints the login URL and reads the authorization code from stdin', async () => {
    const run = await runExample(['--data-dir', dataDir, '--interactive', '--file', join(dataDir, 'interactive.json')], async (stdout) => {
      const url = /Please go to this URL and login:\n\n(\S+)\n/.exec(stdout)?.[1];
      return url && stdout.includes('Please enter the code here: ') ? loginAs(url) : null;
    });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('/v2/oauth2/authorize?client_id=');
    expect(run.stdout).toContain(CSV[1]);
  }, 60000);

  it('explains a bad option and exits 1', async () => {
    const run = await runExample(['--storage', 'paper']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('--storage must be json, sqlite, memory or postgres, not paper');
    expect(run.stderr).toContain('usage: npm run example');
  });
});
