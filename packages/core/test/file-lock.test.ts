import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ErrorCodes, InvalidArgumentError, StorageLockTimeoutError, TokenStorageError } from '@globus-tokenstorage/core';
import { acquireFileLock, withFileLock, type FileLockOptions } from '@globus-tokenstorage/core/node';

const modeOf = (path: string) => statSync(path).mode & 0o777;
const pause = (ms: number) => new Promise<void>((settle) => setTimeout(settle, ms));

/** A pid that belonged to a process of this host that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid as number;
}

/** A lock record as another process would have written it. */
function lockRecord(pid: number, host = hostname(), owner = 'someone-else'): string {
  return JSON.stringify({ pid, hostname: host, owner, acquiredAt: Date.now() });
}

async function rejection(action: () => Promise<unknown>): Promise<TokenStorageError> {
  try {
    await action();
  } catch (error) {
    if (TokenStorageError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

/** Runs the built lock in a child process: takes `lockPath`, prints "held", keeps it `holdMs`. */
function holdInChild(lockPath: string, options: FileLockOptions, holdMs: number): { child: ChildProcess; held: Promise<void> } {
  const entry = pathToFileURL(resolve(__dirname, '../dist/node/index.js')).href;
  const script = `
    const { withFileLock } = await import(${JSON.stringify(entry)});
    await withFileLock(process.argv[1], async () => {
      process.stdout.write('held\\n');
      await new Promise((settle) => setTimeout(settle, Number(process.argv[3])));
    }, JSON.parse(process.argv[2]));`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script, lockPath, JSON.stringify(options), String(holdMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const held = new Promise<void>((settle, reject) => {
    child.stdout?.on('data', () => settle());
    child.on('exit', (code) => reject(new Error(`lock holder exited early (${code})`)));
  });
  held.catch(() => undefined);
  return { child, held };
}

describe('withFileLock / acquireFileLock', () => {
  let dir: string;
  let lockPath: string;
  const children: ChildProcess[] = [];
  beforeAll(() => {
    const built = resolve(__dirname, '../dist/node/index.js');
    if (!existsSync(built)) throw new Error(`${built} is missing: build core first (pnpm build)`);
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gts-file-lock-'));
    lockPath = join(dir, 'tokens.json.lock');
  });
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs fn with the lock held, returns its result, and removes the lock file', async () => {
    const result = await withFileLock(lockPath, (lock) => {
      expect(lock.lockPath).toBe(lockPath);
      expect(lock.isHeld).toBe(true);
      expect(lock.recoveredStale).toBe(false);
      expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toMatchObject({ pid: process.pid, hostname: hostname() });
      return 42;
    });
    expect(result).toBe(42);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('releases the lock when fn throws, and passes the error on', async () => {
    await expect(withFileLock(lockPath, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(existsSync(lockPath)).toBe(false);
    expect(await withFileLock(lockPath, () => 'again', { timeoutMs: 0 })).toBe('again');
  });

  it('creates the lock file 0600 and missing directories 0700 under umask 0', async () => {
    const umask = process.umask(0);
    try {
      const nested = join(dir, 'a', 'b', 'tokens.json.lock');
      const mode = await withFileLock(nested, () => modeOf(nested));
      expect(mode).toBe(0o600);
      expect(modeOf(join(dir, 'a'))).toBe(0o700);
      expect(modeOf(join(dir, 'a', 'b'))).toBe(0o700);
    } finally {
      process.umask(umask);
    }
  });

  it('lets callers in this process in one at a time, each once', async () => {
    let active = 0;
    let mostActive = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        withFileLock(lockPath, async () => {
          active += 1;
          mostActive = Math.max(mostActive, active);
          await pause(1);
          order.push(index);
          active -= 1;
        }),
      ),
    );
    expect(mostActive).toBe(1);
    expect(order).toEqual(Array.from({ length: 20 }, (_, index) => index));
  });

  it('times out with StorageLockTimeoutError while a caller of this process holds the lock, and the queue goes on', async () => {
    const first = await acquireFileLock(lockPath);
    const error = await rejection(() => acquireFileLock(lockPath, { timeoutMs: 30 }));
    expect(StorageLockTimeoutError.isInstance(error)).toBe(true);
    expect(error.code).toBe(ErrorCodes.STORAGE_LOCK_TIMEOUT);
    expect((error as StorageLockTimeoutError).resource).toBe(lockPath);
    expect((error as StorageLockTimeoutError).timeoutMs).toBe(30);
    const waiting = acquireFileLock(lockPath, { timeoutMs: 5000 });
    await first.release();
    await first.release();
    const second = await waiting;
    expect(second.isHeld).toBe(true);
    await second.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it('times out while a live process of this host holds the lock, naming it', async () => {
    const record = lockRecord(process.ppid);
    writeFileSync(lockPath, record);
    const error = await rejection(() => acquireFileLock(lockPath, { timeoutMs: 50 }));
    expect(StorageLockTimeoutError.isInstance(error)).toBe(true);
    expect(error.message).toContain(`held by process ${process.ppid}`);
    expect(readFileSync(lockPath, 'utf8')).toBe(record);
  });

  it('takes over at once a lock whose holder on this host has exited', async () => {
    writeFileSync(lockPath, lockRecord(deadPid()));
    const recovered = await withFileLock(lockPath, (lock) => lock.recoveredStale, { timeoutMs: 0 });
    expect(recovered).toBe(true);
    expect(existsSync(lockPath)).toBe(false);
  });

  it('takes over a lock left by an earlier process that had this pid', async () => {
    writeFileSync(lockPath, lockRecord(process.pid, hostname(), 'an-earlier-owner'));
    expect(await withFileLock(lockPath, (lock) => lock.recoveredStale, { timeoutMs: 0 })).toBe(true);
  });

  it('waits for a fresh lock of another host, and takes it over once it is older than leaseMs', async () => {
    writeFileSync(lockPath, lockRecord(1, 'another-host.example.org'));
    expect(StorageLockTimeoutError.isInstance(await rejection(() => acquireFileLock(lockPath, { timeoutMs: 50, leaseMs: 60_000 })))).toBe(
      true,
    );
    const old = new Date(Date.now() - 120_000);
    utimesSync(lockPath, old, old);
    expect(await withFileLock(lockPath, (lock) => lock.recoveredStale, { timeoutMs: 0, leaseMs: 60_000 })).toBe(true);
  });

  it('treats an unreadable lock file by its age only', async () => {
    writeFileSync(lockPath, 'not a lock record');
    expect(StorageLockTimeoutError.isInstance(await rejection(() => acquireFileLock(lockPath, { timeoutMs: 20, leaseMs: 60_000 })))).toBe(
      true,
    );
    const old = new Date(Date.now() - 120_000);
    utimesSync(lockPath, old, old);
    expect(await withFileLock(lockPath, (lock) => lock.recoveredStale, { timeoutMs: 0, leaseMs: 60_000 })).toBe(true);
  });

  it('removes leftovers of dead processes after recovering a stale lock, and keeps those of live ones', async () => {
    const dead = deadPid();
    writeFileSync(lockPath, lockRecord(dead));
    writeFileSync(`${lockPath}.aaaa.tmp`, lockRecord(dead, hostname(), 'aaaa'));
    writeFileSync(`${lockPath}.bbbb.stale`, lockRecord(dead, hostname(), 'bbbb'));
    writeFileSync(`${lockPath}.cccc.tmp`, lockRecord(process.ppid, hostname(), 'cccc'));
    writeFileSync(join(dir, 'unrelated.tmp'), lockRecord(dead));
    await withFileLock(lockPath, () => undefined);
    expect(readdirSync(dir).sort()).toEqual(['tokens.json.lock.cccc.tmp', 'unrelated.tmp']);
  });

  it('a holder in another process keeps its lock past leaseMs by refreshing it, and loses it only once dead', async () => {
    const { child, held } = holdInChild(lockPath, { leaseMs: 800, refreshIntervalMs: 40 }, 60_000);
    children.push(child);
    await held;
    // Without refreshes the lock would be stale 800 ms after it was taken, well within this wait.
    const error = await rejection(() => acquireFileLock(lockPath, { timeoutMs: 2400, leaseMs: 800 }));
    expect(StorageLockTimeoutError.isInstance(error)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((settle) => child.once('exit', settle));
    expect(await withFileLock(lockPath, (lock) => lock.recoveredStale, { timeoutMs: 1000 })).toBe(true);
  });

  it('a holder whose lock is taken over sees its signal abort; its release leaves the new lock alone', async () => {
    const lock = await acquireFileLock(lockPath, { leaseMs: 200, refreshIntervalMs: 20 });
    expect(() => lock.assertHeld()).not.toThrow();
    writeFileSync(lockPath, lockRecord(process.ppid, hostname(), 'the-new-owner'));
    await new Promise((settle) => lock.signal.addEventListener('abort', settle));
    expect(lock.isHeld).toBe(false);
    expect(StorageLockTimeoutError.isInstance(lock.signal.reason)).toBe(true);
    expect(() => lock.assertHeld()).toThrow(StorageLockTimeoutError);
    await lock.release();
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).owner).toBe('the-new-owner');
  });

  it('a signal first looked at after the lock was taken over is already aborted with the reason', async () => {
    const lock = await acquireFileLock(lockPath, { leaseMs: 200, refreshIntervalMs: 20 });
    writeFileSync(lockPath, lockRecord(process.ppid, hostname(), 'the-new-owner'));
    while (lock.isHeld) await pause(10);
    expect(lock.signal.aborted).toBe(true);
    expect((lock.signal.reason as Error).message).toContain('taken over');
    expect(() => lock.assertHeld()).toThrow(lock.signal.reason as Error);
    await lock.release();
    expect(JSON.parse(readFileSync(lockPath, 'utf8')).owner).toBe('the-new-owner');
  });

  it('release removes the lock file only while it holds the very record this holder wrote', async () => {
    const lock = await acquireFileLock(lockPath);
    const record = readFileSync(lockPath, 'utf8');
    // Same owner id, other content: another holder's file, even if it names the same owner.
    writeFileSync(lockPath, record.replace('"acquiredAt":', '"acquiredAt": '));
    await lock.release();
    expect(existsSync(lockPath)).toBe(true);
    rmSync(lockPath);
    const second = await acquireFileLock(lockPath);
    await second.release();
    expect(existsSync(lockPath)).toBe(false);
  });

  it('a holder whose lock file vanishes sees its signal abort instead of an error thrown from a timer', async () => {
    const lock = await acquireFileLock(lockPath, { leaseMs: 200, refreshIntervalMs: 20 });
    rmSync(dir, { recursive: true, force: true });
    await new Promise((settle) => lock.signal.addEventListener('abort', settle));
    expect((lock.signal.reason as Error).message).toContain('removed');
    await lock.release();
  });

  it.each<[string, unknown, unknown]>([
    ['an empty path', '', {}],
    ['a path with a NUL byte', 'a\0b', {}],
    ['a negative timeoutMs', 'x.lock', { timeoutMs: -1 }],
    ['NaN as timeoutMs', 'x.lock', { timeoutMs: NaN }],
    ['a zero leaseMs', 'x.lock', { leaseMs: 0 }],
    ['an infinite leaseMs', 'x.lock', { leaseMs: Infinity }],
    ['a refresh interval not below leaseMs', 'x.lock', { leaseMs: 100, refreshIntervalMs: 100 }],
    ['null options', 'x.lock', null],
  ])('rejects %s with InvalidArgumentError', async (_label, path, options) => {
    const error = await rejection(() => acquireFileLock(path as string, options as FileLockOptions));
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
  });
});
