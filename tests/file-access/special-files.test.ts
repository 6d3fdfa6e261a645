import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { TokenFileAccessError, TokenStorageData } from '@globus-tokenstorage/core';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { canRead, NOBODY } from '@globus-tokenstorage/test-support/unprivileged';

/**
 * What stands at a token path is not always a regular file: a FIFO, a directory, a dangling symbolic
 * link. Reads and writes never hang on it, refuse what they cannot use with a typed error naming the
 * file, and write through a link as Python's `open(path, "w")` does.
 */

const FIXTURE = join(__dirname, 'fixtures', 'try-access.mjs');
const PYTHON_FIXTURES = join(__dirname, '..', '..', 'fixtures', 'python');
/** Root may write anywhere: the read-only directory case runs as `nobody` then. */
const UNPRIVILEGED = NOBODY ?? {};

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gts-special-files-'));
  chmodSync(dir, 0o755);
});
afterEach(() => {
  chmodSync(dir, 0o755);
  for (const sub of ['read-only']) if (existsSync(join(dir, sub))) chmodSync(join(dir, sub), 0o755);
  rmSync(dir, { recursive: true, force: true });
});

type Outcome = {
  result?: unknown;
  name?: string;
  code?: string;
  message?: string;
  filePath?: string;
  causeCode?: string;
  timedOut?: boolean;
};

/** One call of a backend in a child process, killed if it does not end within 10 s (a hang). */
function tryAccess(backend: string, operation: string, file: string, user: { uid?: number; gid?: number } = {}): Outcome {
  const child = spawnSync(process.execPath, [FIXTURE, backend, operation, file], {
    cwd: join(__dirname, 'fixtures'),
    encoding: 'utf8',
    timeout: 10_000,
    killSignal: 'SIGKILL',
    ...user,
  });
  if (child.error !== undefined || child.signal !== null) return { timedOut: true };
  const last = child.stdout.trim().split('\n').pop();
  // As `nobody`, the child must be able to read this checkout (a clone inside a 0700 directory is not).
  if (!last) throw new Error(`the child process printed no outcome (exit ${child.status}): ${child.stderr.trim().slice(0, 500)}`);
  return JSON.parse(last) as Outcome;
}

function mkfifo(path: string): void {
  execFileSync('mkfifo', [path]);
}

const data = new TokenStorageData({
  resourceServer: 'rs',
  scope: 's',
  accessToken: 'AT-secret',
  refreshToken: 'RT-secret',
  expiresAtSeconds: 2_000_000_000,
  tokenType: 'Bearer',
});

describe('a FIFO (named pipe) where a token file should be', () => {
  it.each([
    ['json', 'read', 'tokens.json'],
    ['json', 'store', 'tokens.json'],
    ['json', 'remove', 'tokens.json'],
    ['legacy', 'read', 'legacy.json'],
    ['legacy', 'store', 'legacy.json'],
    ['sqlite', 'read', 'tokens.db'],
    ['sqlite', 'store', 'tokens.db'],
    ['sqlite-readonly', 'read', 'tokens.db'],
  ])('%s %s rejects at once with TokenFileAccessError "is not a regular file", and leaves the FIFO', (backend, operation, name) => {
    const path = join(dir, name);
    mkfifo(path);
    const outcome = tryAccess(backend, operation, path);
    expect(outcome).toMatchObject({ name: 'TokenFileAccessError', code: 'TOKEN_FILE_ACCESS', filePath: path, causeCode: 'EFTYPE' });
    expect(outcome.message).toContain(`the token file '${path}': it is not a regular file but a FIFO (named pipe)`);
    expect(lstatSync(path).isFIFO()).toBe(true);
  });

  it('a symbolic link to a FIFO is refused too', () => {
    mkfifo(join(dir, 'pipe'));
    symlinkSync('pipe', join(dir, 'tokens.json'));
    expect(tryAccess('json', 'read', join(dir, 'tokens.json'))).toMatchObject({ code: 'TOKEN_FILE_ACCESS', causeCode: 'EFTYPE' });
  });

  it('a FIFO in place of the JSON lock file is refused, named as what to remove', () => {
    const path = join(dir, 'tokens.json');
    mkfifo(`${path}.lock`);
    expect(tryAccess('json', 'store', path)).toMatchObject({
      code: 'TOKEN_FILE_ACCESS',
      filePath: path,
      message: `cannot write the token file '${path}': 'tokens.json.lock' next to it is not a regular file but a FIFO (named pipe) (EFTYPE)`,
    });
    expect(existsSync(path)).toBe(false);
  });

  it('acquireFileLock refuses a FIFO at the lock path (EFTYPE) instead of blocking', () => {
    const path = join(dir, 'some.lock');
    mkfifo(path);
    expect(tryAccess('lock', 'acquire', path)).toMatchObject({ code: 'EFTYPE' });
  });

  it.each(['-journal', '-wal', '-shm'])("SQLite refuses a FIFO in place of the database's %s file", async (suffix) => {
    const path = join(dir, 'tokens.db');
    const storage = new SQLiteTokenStorage(path);
    await storage.storeTokenDataByResourceServer({ rs: data });
    await storage.close();
    mkfifo(`${path}${suffix}`);
    expect(tryAccess('sqlite', 'read', path)).toMatchObject({
      code: 'TOKEN_FILE_ACCESS',
      message: `cannot use the token file '${path}': 'tokens.db${suffix}' next to it is not a regular file but a FIFO (named pipe) (EFTYPE)`,
    });
  });
});

describe('a directory where the SQLite database should be', () => {
  it.each([
    ['a directory', (d: string) => join(d, 'tokens.db')],
    ['a directory with a trailing slash', (d: string) => `${join(d, 'tokens.db')}/`],
    ["'.'", () => '.'],
  ])('%s: reads and writes fail with TokenFileAccessError naming it (EISDIR)', async (_, pathIn) => {
    mkdirSync(join(dir, 'tokens.db'));
    const path = pathIn(dir);
    const cwd = process.cwd();
    process.chdir(join(dir, 'tokens.db'));
    try {
      for (const storage of [new SQLiteTokenStorage(path), new SQLiteTokenStorage(path, { connectParams: { readonly: true } })]) {
        for (const call of [() => storage.getTokenDataByResourceServer(), () => storage.storeTokenDataByResourceServer({ rs: data })]) {
          const error = await call().then(
            () => null,
            (caught: unknown) => caught,
          );
          expect(TokenFileAccessError.isInstance(error)).toBe(true);
          expect(error).toMatchObject({ filePath: path, message: `cannot use the token file '${path}': it is a directory (EISDIR)` });
        }
        await storage.close();
      }
    } finally {
      process.chdir(cwd);
    }
    expect(statSync(join(dir, 'tokens.db')).isDirectory()).toBe(true);
  });
});

describe('a WAL database in a directory the reader may not write to', () => {
  // `nobody` cannot run the fixture from a checkout it may not read (a clone inside a 0700 directory).
  (canRead(FIXTURE, NOBODY) ? it : it.skip).each([
    ['without options', 'sqlite'],
    ['with connectParams.readonly', 'sqlite-readonly'],
  ])('%s: the read fails with a message saying why it cannot be read (not "cannot be written")', async (_, backend) => {
    const readOnly = join(dir, 'read-only');
    mkdirSync(readOnly);
    const ours = join(readOnly, 'ours.db');
    const storage = new SQLiteTokenStorage(ours);
    await storage.storeTokenDataByResourceServer({ rs: data });
    await storage.close();
    const python = join(readOnly, 'python.db');
    copyFileSync(join(PYTHON_FIXTURES, 'tokens.db'), python);
    if (NOBODY !== null) for (const path of [readOnly, ours, python]) chownSync(path, NOBODY.uid, NOBODY.gid);
    chmodSync(readOnly, 0o555);
    const before = readFileSync(ours);

    expect(tryAccess(backend, 'read', ours, UNPRIVILEGED)).toEqual({
      name: 'TokenFileAccessError',
      code: 'TOKEN_FILE_ACCESS',
      filePath: ours,
      causeCode: 'SQLITE_READONLY_DIRECTORY',
      message:
        `the token database '${ours}' cannot be read here: a WAL database needs write access to its directory '${readOnly}' for its -shm file, ` +
        'even to read (SQLITE_READONLY_DIRECTORY); let this user write to the directory (connectParams.readonly does not lift this)',
    });
    // The Python SDK's rollback-journal database beside it reads fine.
    expect(tryAccess(backend, 'read', python, UNPRIVILEGED).result).toEqual(expect.arrayContaining(['auth.globus.org']));
    expect(readFileSync(ours).equals(before)).toBe(true);
  });
});

describe('a dangling symbolic link at the token path', () => {
  it('JSONTokenStorage creates the file it points to (0600), keeps the link, and reads it back through the link', async () => {
    const link = join(dir, 'link.json');
    symlinkSync('target.json', link);
    const storage = new JSONTokenStorage(link);
    await storage.storeTokenDataByResourceServer({ rs: data });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link)).toBe('target.json');
    expect(statSync(join(dir, 'target.json')).mode & 0o777).toBe(0o600);
    expect((await new JSONTokenStorage(join(dir, 'target.json')).getTokenData('rs'))?.accessToken).toBe('AT-secret');
    expect((await storage.getTokenData('rs'))?.accessToken).toBe('AT-secret');
  });

  it('a chain of links, one pointing into a missing directory: the final target is created, its directory 0700', async () => {
    const link = join(dir, 'link.json');
    symlinkSync('middle.json', link);
    symlinkSync(join('sub', 'target.json'), join(dir, 'middle.json'));
    await new JSONTokenStorage(link).storeTokenDataByResourceServer({ rs: data });
    expect(lstatSync(join(dir, 'middle.json')).isSymbolicLink()).toBe(true);
    expect(statSync(join(dir, 'sub')).mode & 0o777).toBe(0o700);
    expect(statSync(join(dir, 'sub', 'target.json')).mode & 0o777).toBe(0o600);
  });

  it('SimpleJSONFileAdapter creates the file it points to, and keeps the link', () => {
    const link = join(dir, 'legacy.json');
    symlinkSync(relative(dir, join(dir, 'target.json')), link);
    expect(tryAccess('legacy', 'store', link)).toEqual({ result: null });
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'target.json'), 'utf8'))).toMatchObject({ resource_server: 'rs' });
    expect(tryAccess('legacy', 'read', link).result).toEqual(expect.arrayContaining(['access_token']));
  });

  it('a cycle of links is refused with TokenFileAccessError (ELOOP), nothing written', async () => {
    symlinkSync('b.json', join(dir, 'a.json'));
    symlinkSync('a.json', join(dir, 'b.json'));
    const error = await new JSONTokenStorage(join(dir, 'a.json'))
      .storeTokenDataByResourceServer({ rs: data })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'TOKEN_FILE_ACCESS', filePath: join(dir, 'a.json') });
    expect(lstatSync(join(dir, 'a.json')).isSymbolicLink()).toBe(true);
  });
});
