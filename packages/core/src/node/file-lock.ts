import { randomBytes } from 'node:crypto';
import {
  closeSync,
  fchmodSync,
  futimesSync,
  linkSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  renameSync,
  unlinkSync,
  writeSync,
  type BigIntStats,
} from 'node:fs';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { assertKnownOptions } from '../arguments/assert-known-options';
import { checkedMilliseconds, MAX_MILLISECONDS } from '../arguments/checked-milliseconds';
import { InvalidArgumentError, StorageLockTimeoutError } from '../errors';
import { PRIVATE_FILE_MODE } from './atomic-write';
import { openRegularFileSync } from './regular-file';
import { ensurePrivateDirectory } from './secure-directory';

/** Options of {@link acquireFileLock} and {@link withFileLock}. */
export interface FileLockOptions {
  /**
   * How long to wait for the lock, in milliseconds, before rejecting with `StorageLockTimeoutError`.
   * `0` tries once; `Infinity` waits for ever. @default 10000
   */
  timeoutMs?: number;
  /**
   * The lock's lease, in milliseconds: a lock whose file has not been refreshed for this long is
   * considered abandoned and taken over. This matters only for holders on other hosts and for
   * holders that stopped making progress: a lock whose holder process is gone on this host is taken
   * over at once. @default 10000
   */
  leaseMs?: number;
  /** How often a holder refreshes its lock file so that it never looks abandoned. @default leaseMs / 4 */
  refreshIntervalMs?: number;
}

/** A held cross-process lock (see {@link acquireFileLock}). */
export interface FileLock {
  /** The absolute path of the lock file. */
  readonly lockPath: string;
  /** Whether taking this lock removed a lock left behind by a dead or stalled holder. */
  readonly recoveredStale: boolean;
  /**
   * Aborted (with a `StorageLockTimeoutError` as reason) if another process took the lock over
   * because this holder stopped refreshing it for longer than `leaseMs`.
   */
  readonly signal: AbortSignal;
  /** `true` until {@link FileLock.release} is called or the lock is lost. */
  readonly isHeld: boolean;
  /**
   * Checks, without I/O, that the lock is still held; call it before an irreversible step.
   *
   * @throws {@link StorageLockTimeoutError} if the lock was lost or released.
   */
  assertHeld(): void;
  /** Releases the lock (removes the lock file if it is still ours). Idempotent; never rejects. */
  release(): Promise<void>;
}

/** What a lock file holds: who took the lock, so that others can tell whether the holder is alive. */
interface LockRecord {
  pid: number;
  hostname: string;
  bootId: string | null;
  pidNamespace: string | null;
  owner: string;
  acquiredAt: number;
}

/** A lock file (or leftover) as seen through one open file descriptor: identity, age and content. */
interface ObservedLock {
  ino: bigint;
  mtimeNs: bigint;
  mtimeMs: number;
  record: LockRecord | null;
}

/** State shared by every copy of this module loaded in the process (ESM and CommonJS builds). */
interface ProcessLockState {
  /** Owner ids of the locks this process holds. */
  held: Set<string>;
  /** Per lock path, the tail of the queue of callers in this process. */
  tails: Map<string, Promise<void>>;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_STALE_MS = 10_000;
const MAX_POLL_MS = 50;
const LOCK_RECORD_MAX_BYTES = 4096;
const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV']);
const STATE_KEY = Symbol.for('globus-tokenstorage.file-lock.state');
/** Reused by the synchronous reads of lock records; nothing else runs while it is in use. */
const recordScratch = Buffer.allocUnsafe(LOCK_RECORD_MAX_BYTES + 1);

/**
 * Takes a cross-process lock: creates `lockPath` exclusively (mode `0600`, missing parent directories
 * `0700`), waiting while another holder has it. Callers in the same process queue in order without
 * polling the file system. While held, the lock file is refreshed every `refreshIntervalMs` so that
 * the holder may keep it for as long as it needs. The lock is not re-entrant: taking a lock the
 * caller already holds waits until the timeout.
 *
 * A lock whose holder died is recovered automatically: at once when the holder ran on this host
 * (its pid is gone), or after `leaseMs` without refresh otherwise. Call {@link FileLock.release}
 * when done, or use {@link withFileLock}.
 *
 * @param lockPath - The lock file, e.g. `tokens.json.lock` next to the file it protects.
 * @param options - See {@link FileLockOptions}.
 * @returns The held lock.
 * @throws {@link StorageLockTimeoutError} if the lock is still held by another after `timeoutMs`.
 * @throws {@link InvalidArgumentError} for a bad path or option.
 * @throws The system error (`code` `EFTYPE`, or `EISDIR`) if something that is not a regular file
 *   (a FIFO, a directory) stands at `lockPath`; it is never waited on or removed. Other system errors
 *   (`EACCES`) are passed on too.
 */
export async function acquireFileLock(lockPath: string, options: FileLockOptions = {}): Promise<FileLock> {
  if (typeof lockPath !== 'string' || lockPath === '' || lockPath.includes('\0')) {
    throw new InvalidArgumentError('lockPath must be a non-empty path');
  }
  const settings = checkOptions(options);
  const path = resolve(lockPath);
  const deadline = Date.now() + settings.timeoutMs;
  const leaveQueue = await enterProcessQueue(path, deadline, settings.timeoutMs);
  try {
    return await acquireOnDisk(path, deadline, settings, leaveQueue);
  } catch (error) {
    leaveQueue();
    throw error;
  }
}

/**
 * Runs `fn` while holding the cross-process lock `lockPath` (see {@link acquireFileLock}), then
 * releases it, also when `fn` throws.
 *
 * @example
 * ```ts
 * import { withFileLock } from '@globus-tokenstorage/core/node';
 *
 * const count = await withFileLock('/tmp/counter.json.lock', async () => {
 *   const next = Number(await readFile('/tmp/counter.json', 'utf8').catch(() => '0')) + 1;
 *   await writeFileAtomic('/tmp/counter.json', String(next));
 *   return next;
 * }, { timeoutMs: 5000 });
 * ```
 *
 * @param lockPath - The lock file.
 * @param fn - The critical section; receives the lock (to check `signal` or call `assertHeld()`).
 * @param options - See {@link FileLockOptions}.
 * @returns What `fn` returns.
 * @throws {@link StorageLockTimeoutError} if the lock cannot be taken within `timeoutMs`.
 * @throws {@link InvalidArgumentError} for a bad path or option.
 */
export async function withFileLock<T>(lockPath: string, fn: (lock: FileLock) => T | Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const lock = await acquireFileLock(lockPath, options);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}

/** Earlier names of options, refused naming the one to use. */
const RENAMED_OPTIONS = {
  staleMs: {
    use: 'leaseMs',
    because: 'how long a held lock lasts without renewal is a lease, and leases are named …LeaseMs in every package',
  },
};

interface LockSettings {
  timeoutMs: number;
  staleMs: number;
  refreshIntervalMs: number;
}

function checkOptions(options: FileLockOptions): LockSettings {
  assertKnownOptions(options, ['timeoutMs', 'leaseMs', 'refreshIntervalMs'], 'file lock', RENAMED_OPTIONS);
  const timeoutMs = checkedMilliseconds(options.timeoutMs ?? DEFAULT_TIMEOUT_MS, 'timeoutMs');
  const staleMs = checkedMilliseconds(options.leaseMs ?? DEFAULT_STALE_MS, 'leaseMs', 'duration');
  const refreshIntervalMs = checkedMilliseconds(options.refreshIntervalMs ?? Math.ceil(staleMs / 4), 'refreshIntervalMs', 'duration');
  if (options.refreshIntervalMs !== undefined && refreshIntervalMs >= staleMs)
    throw new InvalidArgumentError("'refreshIntervalMs' must be below 'leaseMs'");
  return { timeoutMs, staleMs, refreshIntervalMs };
}

function processState(): ProcessLockState {
  const scope = globalThis as unknown as Record<symbol, ProcessLockState | undefined>;
  return (scope[STATE_KEY] ??= { held: new Set(), tails: new Map() });
}

/**
 * Waits until earlier callers in this process have released `path`. Queueing in memory keeps a
 * process's own callers in order and off the file system; only one of them at a time competes with
 * other processes.
 *
 * @returns The function that lets the next caller in.
 */
async function enterProcessQueue(path: string, deadline: number, timeoutMs: number): Promise<() => void> {
  const { tails } = processState();
  const previous = tails.get(path);
  let leave!: () => void;
  const mine = new Promise<void>((settle) => (leave = settle));
  const tail = previous ? previous.then(() => mine) : mine;
  tails.set(path, tail);
  void tail.then(() => {
    if (tails.get(path) === tail) tails.delete(path);
  });
  if (previous && !(await settlesBefore(previous, deadline))) {
    leave();
    throw new StorageLockTimeoutError(
      `timed out after ${timeoutMs} ms waiting for the lock '${path}' (held by another caller in this process)`,
      {
        resource: path,
        timeoutMs,
      },
    );
  }
  return leave;
}

async function settlesBefore(promise: Promise<void>, deadline: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<boolean>((settle) => {
    const wait = () => {
      const remaining = deadline - Date.now();
      if (remaining === Infinity) return;
      // setTimeout cannot wait longer than MAX_MILLISECONDS: longer waits are done in steps.
      timer = remaining > MAX_MILLISECONDS ? setTimeout(wait, MAX_MILLISECONDS) : setTimeout(() => settle(false), Math.max(0, remaining));
    };
    wait();
  });
  try {
    return await Promise.race([promise.then(() => true), expired]);
  } finally {
    clearTimeout(timer);
  }
}

async function acquireOnDisk(path: string, deadline: number, settings: LockSettings, leaveQueue: () => void): Promise<FileLock> {
  const owner = newOwnerId();
  const content = Buffer.from(
    JSON.stringify({ pid: process.pid, ...machineIdentity(), owner, acquiredAt: Date.now() } satisfies LockRecord),
  );
  // Registered before the lock file exists, so that no caller in this process ever mistakes a lock
  // being taken here for one left by an earlier process with the same pid.
  const { held } = processState();
  held.add(owner);
  try {
    let recoveredStale = false;
    let pollMs = 1;
    for (;;) {
      if (await createExclusive(path, content, owner)) return new HeldFileLock(path, owner, content, recoveredStale, settings, leaveQueue);
      const observed = observe(path);
      if (observed === null) continue;
      if (isStale(observed, settings.staleMs)) {
        if (removeStale(path, observed)) {
          recoveredStale = true;
          sweepLeftovers(path, settings.staleMs);
        }
        continue;
      }
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw timeoutError(path, settings.timeoutMs, observed.record);
      // Jitter keeps competing processes from polling in lock-step.
      await delay(Math.min(remaining, pollMs * (0.5 + Math.random())));
      pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
    }
  } catch (error) {
    held.delete(owner);
    throw error;
  }
}

let ownerPrefix: string | undefined;
let ownerSequence = 0;

/**
 * A lock owner id no other acquisition uses: a random part drawn once per process and a sequence
 * number (drawing random bytes for every lock costs more than the rest of taking it on some machines).
 */
function newOwnerId(): string {
  ownerPrefix ??= randomBytes(8).toString('hex');
  ownerSequence += 1;
  return `${ownerPrefix}${ownerSequence.toString(16).padStart(8, '0')}`;
}

function timeoutError(path: string, timeoutMs: number, holder: LockRecord | null): StorageLockTimeoutError {
  const by = holder ? ` (held by process ${holder.pid} on ${JSON.stringify(holder.hostname)})` : '';
  return new StorageLockTimeoutError(`timed out after ${timeoutMs} ms waiting for the lock '${path}'${by}`, { resource: path, timeoutMs });
}

function delay(ms: number): Promise<void> {
  return new Promise((settle) => setTimeout(settle, ms));
}

/**
 * Creates the lock file with its full content in one step: the record is written to a private
 * temporary file which is then hard-linked to the lock path (link fails if the path exists). The
 * lock file therefore never exists half-written, so a holder killed at any instant leaves a lock
 * that names it. File systems without hard links fall back to an exclusive create.
 *
 * @returns `false` if the lock file already exists.
 */
async function createExclusive(path: string, content: Uint8Array, owner: string): Promise<boolean> {
  const temporary = `${path}.${owner}.tmp`;
  let fd: number;
  try {
    fd = openSync(temporary, 'wx', PRIVATE_FILE_MODE);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
    await ensurePrivateDirectory(dirname(path));
    fd = openSync(temporary, 'wx', PRIVATE_FILE_MODE);
  }
  try {
    try {
      fchmodSync(fd, PRIVATE_FILE_MODE);
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
    linkSync(temporary, path);
    return true;
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EEXIST') return false;
    if (code !== undefined && LINK_UNSUPPORTED.has(code)) return createExclusiveWithoutLink(path, content);
    throw error;
  } finally {
    unlinkQuietly(temporary);
  }
}

function createExclusiveWithoutLink(path: string, content: Uint8Array): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', PRIVATE_FILE_MODE);
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  return true;
}

/** Reads a lock file's identity, age and record through one descriptor, or `null` if it is gone. */
function observe(path: string): ObservedLock | null {
  let fd: number;
  let stats: BigIntStats;
  try {
    // Something else than a file at the lock path (a FIFO would block this read for ever) is refused.
    ({ fd, stats } = openRegularFileSync(path));
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return null;
    throw error;
  }
  try {
    const length = readSync(fd, recordScratch, 0, LOCK_RECORD_MAX_BYTES, 0);
    return {
      ino: stats.ino,
      mtimeNs: stats.mtimeNs,
      mtimeMs: Number(stats.mtimeNs / 1_000_000n),
      record: parseRecord(recordScratch.toString('utf8', 0, length)),
    };
  } finally {
    closeSync(fd);
  }
}

function parseRecord(text: string): LockRecord | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const record = value as Record<string, unknown>;
  if (!Number.isSafeInteger(record.pid) || (record.pid as number) <= 0) return null;
  if (typeof record.hostname !== 'string' || typeof record.owner !== 'string') return null;
  return {
    pid: record.pid as number,
    hostname: record.hostname,
    bootId: typeof record.bootId === 'string' ? record.bootId : null,
    pidNamespace: typeof record.pidNamespace === 'string' ? record.pidNamespace : null,
    owner: record.owner,
    acquiredAt: typeof record.acquiredAt === 'number' ? record.acquiredAt : 0,
  };
}

/**
 * Whether a lock may be taken over. On this host (same hostname, boot and pid namespace) a lock
 * whose process is gone is stale at once, which is what makes recovery after a crash immediate.
 * Otherwise, and for a live process that stopped refreshing its lock (hung, or an unrelated process
 * that reused the pid), the lock is stale once it has not been refreshed for `leaseMs`.
 */
function isStale(observed: ObservedLock, staleMs: number): boolean {
  const record = observed.record;
  if (record !== null && isThisMachine(record)) {
    if (record.pid === process.pid) return !processState().held.has(record.owner);
    if (!isProcessAlive(record.pid)) return true;
  }
  return Date.now() - observed.mtimeMs > staleMs;
}

let identityOfThisMachine: Pick<LockRecord, 'hostname' | 'bootId' | 'pidNamespace'> | undefined;

/**
 * The hostname alone does not tell machines apart (containers often share one, and a reboot reuses
 * pids), so the Linux boot id and pid namespace are recorded too where they can be read.
 */
function machineIdentity(): Pick<LockRecord, 'hostname' | 'bootId' | 'pidNamespace'> {
  identityOfThisMachine ??= {
    hostname: hostname(),
    bootId: readOptional(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()),
    pidNamespace: readOptional(() => readlinkSync('/proc/self/ns/pid')),
  };
  return identityOfThisMachine;
}

function readOptional(read: () => string): string | null {
  try {
    return read() || null;
  } catch {
    return null;
  }
}

function isThisMachine(record: LockRecord): boolean {
  const here = machineIdentity();
  const same = (theirs: string | null, ours: string | null) => theirs === null || ours === null || theirs === ours;
  return record.hostname === here.hostname && same(record.bootId, here.bootId) && same(record.pidNamespace, here.pidNamespace);
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
  // A killed process stays in the table as a zombie until its parent reaps it; it holds nothing.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    return state !== 'Z' && state !== 'X';
  } catch {
    return true;
  }
}

/**
 * Removes a stale lock without ever removing a live one: the lock file is first renamed to a
 * private name (atomic: only one contender gets it), then checked to be the very file judged stale
 * (same inode, modification time and owner). If another contender replaced it in between, the live
 * lock is linked back.
 *
 * @returns Whether the stale lock was removed by this call.
 */
function removeStale(path: string, stale: ObservedLock): boolean {
  const claim = `${path}.${randomBytes(8).toString('hex')}.stale`;
  try {
    renameSync(path, claim);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return false;
    throw error;
  }
  const moved = observe(claim);
  if (moved !== null && moved.ino === stale.ino && moved.mtimeNs === stale.mtimeNs && moved.record?.owner === stale.record?.owner) {
    unlinkQuietly(claim);
    return true;
  }
  restore(claim, path);
  return false;
}

/** Puts a live lock moved away by {@link removeStale} back in place. */
function restore(claim: string, path: string): void {
  try {
    linkSync(claim, path);
  } catch (error) {
    const code = errorCode(error);
    if (code !== undefined && LINK_UNSUPPORTED.has(code) && observe(path) === null) {
      renameSync(claim, path);
      return;
    }
    // EEXIST: someone took the lock in the instant it was away; the owner of the moved lock sees
    // that on its next refresh (its signal aborts).
  }
  unlinkQuietly(claim);
}

/**
 * Removes leftovers of holders killed while taking or breaking a lock (`<lock>.<id>.tmp`,
 * `<lock>.<id>.stale`) once their process is gone. Runs only after a stale lock was removed, so
 * normal operation never lists the directory.
 */
function sweepLeftovers(path: string, staleMs: number): void {
  const directory = dirname(path);
  const prefix = `${basename(path)}.`;
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !(name.endsWith('.tmp') || name.endsWith('.stale'))) continue;
    const leftover = join(directory, name);
    try {
      const observed = observe(leftover);
      if (observed !== null && isStale(observed, staleMs)) unlinkQuietly(leftover);
    } catch {
      // A leftover that cannot be read is left alone.
    }
  }
}

class HeldFileLock implements FileLock {
  private readonly timer: ReturnType<typeof setInterval>;
  private released = false;
  /** Why the lock was lost, once it was. */
  private lostReason: StorageLockTimeoutError | null = null;
  /** Made on first use of {@link HeldFileLock.signal}: most holders never look at it. */
  private controller: AbortController | null = null;

  constructor(
    readonly lockPath: string,
    private readonly owner: string,
    /** The lock file's content as written: only a file holding exactly this is still ours. */
    private readonly record: Uint8Array,
    readonly recoveredStale: boolean,
    settings: LockSettings,
    private readonly leaveQueue: () => void,
  ) {
    this.timer = setInterval(() => this.refresh(), settings.refreshIntervalMs);
    // A held lock must not keep the process alive on its own.
    this.timer.unref();
  }

  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.lostReason !== null) this.controller.abort(this.lostReason);
    }
    return this.controller.signal;
  }

  get isHeld(): boolean {
    return !this.released && this.lostReason === null;
  }

  assertHeld(): void {
    if (this.lostReason !== null) throw this.lostReason;
    if (this.released) throw this.lostError('was already released');
  }

  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    try {
      if (this.holdsOurRecord()) unlinkQuietly(this.lockPath);
    } catch {
      // Releasing must not fail; a lock file left behind names this (soon dead) process and is recovered.
    } finally {
      processState().held.delete(this.owner);
      this.leaveQueue();
    }
  }

  /** Heartbeat: touches the lock file if it is still ours. Runs from a timer, so it never throws. */
  private refresh(): void {
    if (!this.isHeld) return;
    let fd: number;
    try {
      ({ fd } = openRegularFileSync(this.lockPath));
    } catch (error) {
      if (errorCode(error) === 'ENOENT') this.lose('was removed by another process');
      else if (errorCode(error) === 'EFTYPE') this.lose('was replaced by something that is not a file');
      return;
    }
    try {
      if (!this.isOurRecord(fd)) {
        this.lose('was taken over by another process');
        return;
      }
      const now = new Date();
      futimesSync(fd, now, now);
    } catch {
      // A transient error: the next refresh tries again.
    } finally {
      closeSync(fd);
    }
  }

  /** Whether the lock file still holds the record this holder wrote (a taker writes its own owner id). */
  private holdsOurRecord(): boolean {
    let fd: number;
    try {
      ({ fd } = openRegularFileSync(this.lockPath));
    } catch (error) {
      if (errorCode(error) === 'ENOENT' || errorCode(error) === 'EFTYPE') return false;
      throw error;
    }
    try {
      return this.isOurRecord(fd);
    } finally {
      closeSync(fd);
    }
  }

  private isOurRecord(fd: number): boolean {
    const length = readSync(fd, recordScratch, 0, recordScratch.length, 0);
    return length === this.record.length && recordScratch.compare(this.record, 0, length, 0, length) === 0;
  }

  private lose(what: string): void {
    clearInterval(this.timer);
    processState().held.delete(this.owner);
    this.lostReason = this.lostError(what);
    this.controller?.abort(this.lostReason);
  }

  private lostError(what: string): StorageLockTimeoutError {
    return new StorageLockTimeoutError(`the lock '${this.lockPath}' ${what}`, { resource: this.lockPath, timeoutMs: 0 });
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Already gone, or not ours to remove.
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}
