import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OAuthTokenResponse, TokenFileAccessError, TokenStorageData } from '@globus-tokenstorage/core';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { SimpleJSONFileAdapter } from '@globus-tokenstorage/legacy-file-adapter';
import { canRead, NOBODY } from '@globus-tokenstorage/test-support/unprivileged';

/**
 * File-system failures of the file backends are typed errors that name the token file: never a raw
 * `EACCES` naming a lock or temporary file, never an `EISDIR` naming nothing. A token file its
 * owner made read-only is not silently replaced.
 */

const FIXTURE = join(__dirname, 'fixtures', 'try-store.mjs');
/** Root may write anywhere: the permission cases run as `nobody` then. */
const UNPRIVILEGED = NOBODY ?? {};
/** `nobody` cannot run the fixture from a checkout it may not read (a clone inside a 0700 directory). */
const itUnprivileged = canRead(FIXTURE, NOBODY) ? it : it.skip;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gts-file-access-'));
  chmodSync(dir, 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const data = new TokenStorageData({
  resourceServer: 'rs',
  scope: 's',
  accessToken: 'AT-secret',
  refreshToken: 'RT-secret',
  expiresAtSeconds: 2_000_000_000,
  tokenType: 'Bearer',
});
const response = () =>
  OAuthTokenResponse.fromJSON({
    access_token: 'AT-new',
    refresh_token: 'RT-new',
    expires_in: 3600,
    resource_server: 'rs',
    scope: 's',
    token_type: 'Bearer',
  });

/** What the fixture printed after storing with `backend` into `file`, unprivileged. */
function storeUnprivileged(backend: 'json' | 'legacy' | 'sqlite', file: string): Record<string, unknown> {
  const output = execFileSync(process.execPath, [FIXTURE, backend, file], {
    cwd: join(__dirname, 'fixtures'),
    encoding: 'utf8',
    ...UNPRIVILEGED,
  });
  return JSON.parse(output.trim().split('\n').pop() as string);
}

/** What `call` rejects with. */
async function rejection(call: () => Promise<unknown>): Promise<Error & { code?: string; filePath?: string }> {
  try {
    await call();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('a directory the process may not write to', () => {
  itUnprivileged.each([
    ['json', 'tokens.json'],
    ['legacy', 'tokens.json'],
    ['sqlite', 'tokens.db'],
  ] as const)('%s: storing fails with TokenFileAccessError naming the token file and EACCES', (backend, name) => {
    const readOnly = join(dir, 'read-only');
    mkdirSync(readOnly, { mode: 0o555 });
    const file = join(readOnly, name);
    const outcome = storeUnprivileged(backend, file);
    expect(outcome).toMatchObject({ name: 'TokenFileAccessError', code: 'TOKEN_FILE_ACCESS', filePath: file });
    expect(String(outcome.message)).toContain(`'${file}'`);
    if (backend !== 'sqlite') {
      expect(outcome).toMatchObject({
        causeCode: 'EACCES',
        message: `cannot write the token file '${file}': permission denied in its directory '${readOnly}' (EACCES)`,
      });
    }
    expect(String(outcome.message)).not.toMatch(/\.tmp|\.lock|secret/);
    expect(readdirSync(readOnly)).toEqual([]);
  });
});

describe('a directory where the token file should be', () => {
  it('JSONTokenStorage reads and writes fail with TokenFileAccessError naming it (EISDIR)', async () => {
    const path = join(dir, 'tokens.json');
    mkdirSync(path);
    const storage = new JSONTokenStorage(path);
    for (const call of [() => storage.getTokenDataByResourceServer(), () => storage.listNamespaces()]) {
      const error = await rejection(call);
      expect(TokenFileAccessError.isInstance(error)).toBe(true);
      expect(error).toMatchObject({ filePath: path, message: `cannot read the token file '${path}': it is a directory (EISDIR)` });
    }
    const error = await rejection(() => storage.storeTokenDataByResourceServer({ rs: data }));
    expect(error).toMatchObject({ code: 'TOKEN_FILE_ACCESS', filePath: path });
    expect(statSync(path).isDirectory()).toBe(true);
  });

  it('SimpleJSONFileAdapter reads and stores fail with TokenFileAccessError naming it (EISDIR)', async () => {
    const path = join(dir, 'legacy.json');
    mkdirSync(path);
    const adapter = new SimpleJSONFileAdapter(path, { resourceServer: 'rs' });
    expect(await rejection(() => adapter.readAsDict())).toMatchObject({
      code: 'TOKEN_FILE_ACCESS',
      message: `cannot read the token file '${path}': it is a directory (EISDIR)`,
    });
    expect(await rejection(() => adapter.store(response()))).toMatchObject({ code: 'TOKEN_FILE_ACCESS', filePath: path });
  });
});

describe('a token file its owner made read-only (chmod 400)', () => {
  it('JSONTokenStorage reads it but refuses to replace it', async () => {
    const path = join(dir, 'tokens.json');
    await new JSONTokenStorage(path).storeTokenDataByResourceServer({ rs: data });
    chmodSync(path, 0o400);
    const before = readFileSync(path);
    const storage = new JSONTokenStorage(path);
    expect((await storage.getTokenData('rs'))?.accessToken).toBe('AT-secret');
    const error = await rejection(() => storage.storeTokenDataByResourceServer({ other: data.with({ resourceServer: 'other' }) }));
    expect(TokenFileAccessError.isInstance(error)).toBe(true);
    expect(error.message).toBe(
      `the token file '${path}' is read-only (mode 0400): refusing to replace it; make it writable (chmod 600 'tokens.json') to let tokens be stored in it`,
    );
    expect(await rejection(() => storage.removeTokenData('rs'))).toMatchObject({ code: 'TOKEN_FILE_ACCESS' });
    expect(readFileSync(path)).toEqual(before);
    expect(statSync(path).mode & 0o777).toBe(0o400);
  });

  it('SimpleJSONFileAdapter refuses to replace it', async () => {
    const path = join(dir, 'legacy.json');
    const adapter = new SimpleJSONFileAdapter(path, { resourceServer: 'rs' });
    await adapter.store(response());
    chmodSync(path, 0o400);
    const before = readFileSync(path);
    expect(await rejection(() => adapter.onRefresh(response()))).toMatchObject({ code: 'TOKEN_FILE_ACCESS', filePath: path });
    expect(readFileSync(path)).toEqual(before);
  });

  it('a writable file is replaced as before, and keeps no temporary file behind', async () => {
    const path = join(dir, 'tokens.json');
    writeFileSync(path, '{"data": {}, "format_version": "2.0", "globus-sdk.version": "4.9.0"}', { mode: 0o600 });
    await new JSONTokenStorage(path).storeTokenDataByResourceServer({ rs: data });
    expect(existsSync(path)).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['tokens.json', 'tokens.json.lock'].filter((name) => existsSync(join(dir, name))));
  });
});
