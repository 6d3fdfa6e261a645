import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TokenStorageData } from '@globus-tokenstorage/core';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';

const BIN = resolve(__dirname, '../dist/bin.js');
const KEY_1 = Buffer.alloc(32, 0x11).toString('base64');
const KEY_2 = Buffer.alloc(32, 0x22).toString('base64');
const CANARY = /canary-[a-z]+-\d/;

let dir: string;
beforeAll(() => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: build the packages first (pnpm build)`);
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gts-cli-encryption-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function run(env: Record<string, string>, ...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, ...env } });
  expect(`${result.stdout}${result.stderr}`).not.toMatch(CANARY);
  for (const key of [KEY_1, KEY_2]) expect(`${result.stdout}${result.stderr}`).not.toContain(key);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function entry(resourceServer: string, n: number): TokenStorageData {
  return new TokenStorageData({
    resourceServer,
    identityId: 'c8aad43e-d274-11e5-bf98-8b02896cf782',
    scope: 'openid',
    accessToken: `canary-access-${n}`,
    refreshToken: `canary-refresh-${n}`,
    expiresAtSeconds: 1_900_000_000,
    tokenType: 'Bearer',
  });
}

async function seed(file: string, kind: 'json' | 'sqlite'): Promise<void> {
  for (const namespace of ['DEFAULT', 'userapp']) {
    const storage = kind === 'json' ? new JSONTokenStorage(file, { namespace }) : new SQLiteTokenStorage(file, { namespace });
    await storage.storeTokenDataByResourceServer({
      'auth.globus.org': entry('auth.globus.org', 1),
      'transfer.api.globus.org': entry('transfer.api.globus.org', 2),
    });
    await storage.close();
  }
}

const bytesOf = (file: string) => readFileSync(file).toString('latin1');

describe.each(['json', 'sqlite'] as const)('encrypt, decrypt and rotate-key on a %s store', (kind) => {
  it('converts the store in place; list, show and check work without a key; a wrong key changes nothing', async () => {
    const file = join(dir, kind === 'json' ? 'tokens.json' : 'tokens.db');
    await seed(file, kind);
    const keys = { K1: `one:${KEY_1}`, K12: `two:${KEY_2},one:${KEY_1}`, K2: `two:${KEY_2}`, WRONG: `one:${KEY_2}` };

    expect(run(keys, 'encrypt', file, '--key-env', 'K1')).toMatchObject({
      code: 0,
      stdout: `encrypted 4 token(s) under key id 'one' in ${file}\n`,
    });
    expect(bytesOf(file)).not.toMatch(CANARY);
    if (kind === 'json') expect(statSync(file).mode & 0o777).toBe(0o600);

    const listed = run({}, 'list', file);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/userapp\s+transfer\.api\.globus\.org/);
    const shown = run({}, 'show', file, 'userapp', 'auth.globus.org');
    expect(shown.stdout).toMatch(/access token\s+encrypted \(key id one\)/);
    expect(shown.stdout).toMatch(/refresh token\s+encrypted \(key id one\)/);
    expect(run({}, 'check', file).code).toBe(0);

    const before = bytesOf(file);
    const wrong = run(keys, 'decrypt', file, '--key-env', 'WRONG');
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toMatch(/does not decrypt with key id 'one'/);
    expect(bytesOf(file)).toBe(before);
    expect(run({}, 'decrypt', file, '--key-env', 'UNSET_VARIABLE').stderr).toMatch(/UNSET_VARIABLE is not set/);
    expect(run(keys, 'decrypt', file).code).toBe(2);

    expect(run(keys, 'rotate-key', file, '--key-env', 'K12')).toMatchObject({
      code: 0,
      stdout: `re-encrypted 4 token(s) under key id 'two' in ${file}\n`,
    });
    expect(run({}, 'show', file, 'DEFAULT', 'auth.globus.org').stdout).toMatch(/access token\s+encrypted \(key id two\)/);

    expect(run(keys, 'decrypt', file, '--key-env', 'K2').code).toBe(0);
    const storage =
      kind === 'json' ? new JSONTokenStorage(file, { namespace: 'userapp' }) : new SQLiteTokenStorage(file, { namespace: 'userapp' });
    expect((await storage.getTokenData('transfer.api.globus.org'))?.toDict()).toEqual(entry('transfer.api.globus.org', 2).toDict());
    await storage.close();
  });
});

describe('--keychain, against a real Secret Service (gnome-keyring under dbus-run-session)', () => {
  it('encrypt, rotate-key and decrypt with the data keys of the OS keychain', async () => {
    for (const command of ['dbus-run-session', 'gnome-keyring-daemon']) {
      if (spawnSync('sh', ['-c', `command -v ${command}`]).status !== 0)
        throw new Error(`${command} not found: run \`bash scripts/install-secret-service.sh\` as root`);
    }
    const file = join(dir, 'tokens.json');
    await seed(file, 'json');
    const cli = (args: string) => `node "${BIN}" ${args} --keychain gts-cli-test --json`;
    const script = [
      'echo -n "$PW" | gnome-keyring-daemon --unlock --components=secrets >/dev/null',
      cli(`encrypt "${file}"`),
      `node "${BIN}" show "${file}" DEFAULT auth.globus.org --json`,
      cli(`rotate-key "${file}"`),
      cli(`decrypt "${file}"`),
    ].join(' && ');
    // A home of its own: gnome-keyring keeps its keyring files there, never in the user's.
    mkdirSync(join(dir, 'home'));
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: join(dir, 'home'), PW: 'keyring-test-password' };
    delete env.XDG_DATA_HOME;
    const result = spawnSync('dbus-run-session', ['--', 'sh', '-c', script], { encoding: 'utf8', env, timeout: 90_000 });
    expect(result.status).toBe(0);
    const [encrypted, shown, rotated, decrypted] = result.stdout
      .trim()
      .split(/\n(?=\{)/)
      .map((text) => JSON.parse(text));
    expect(encrypted).toMatchObject({ tokens: 4, keyId: expect.stringMatching(/^kc-/) });
    expect(shown.accessTokenFingerprint).toBe(`encrypted (key id ${encrypted.keyId})`);
    expect(rotated.keyId).not.toBe(encrypted.keyId);
    expect(rotated.newKeyId).toBe(rotated.keyId);
    expect(decrypted).toMatchObject({ tokens: 4 });
    expect(`${result.stdout}${result.stderr}`).not.toMatch(CANARY);
    const storage = new JSONTokenStorage(file);
    expect((await storage.getTokenData('auth.globus.org'))?.accessToken).toBe('canary-access-1');
  }, 120_000);
});
