import { AsyncLocalStorage } from 'node:async_hooks';
import type { PoolClient } from 'pg';
import { StorageLockTimeoutError } from '@globus-tokenstorage/core';
import { TIMED_OUT, within } from './connect-within';
import type { PostgresPool } from './postgres-connection';

/**
 * Cross-process critical sections on PostgreSQL session-level advisory locks.
 *
 * All sections of one pool are held on one connection taken from that pool (the "lock session")
 * while any section is held or wanted, and given back when none is. The database releases a
 * session's locks when the session ends, so a holder that is killed, or whose connection is cut,
 * frees its sections at once, on any host. Waiting is `pg_try_advisory_lock` with a short backoff,
 * so that waiters block neither the lock session nor other connections of the pool.
 *
 * PostgreSQL lets a session take a lock it already holds, so calls of this process that want the
 * same section queue here first, and only the first of them asks the database.
 *
 * The wait for the lock session's connection counts against the section's deadline too: a pool
 * busy with other work (or a pool of one connection behind a wrapper) cannot make a call wait for
 * ever. While `fn` runs, storage calls inside it know (see {@link isInsideSection}) that the pool is
 * short of one connection, and bound their own waits for one.
 */

/** One call's part in a section. */
export interface SectionRequest {
  /** The advisory lock key (a signed 64-bit integer as text). */
  lockKey: string;
  /** How long to wait for the section, in milliseconds. */
  timeoutMs: number;
  /** How long one query of the lock session may take (the client-side deadline), in milliseconds; `undefined` for the pool's own. */
  queryTimeoutMs: number | undefined;
  /** Names the section in the timeout error (called only then). */
  resource(): string;
  /** Aborted when the storage is closed: the wait for the section stops. */
  closeSignal: AbortSignal;
  /** Types an error of pg. */
  toError(error: unknown): unknown;
}

interface Session {
  client: PoolClient;
  /** The last query sent: the next waits for it (a pg client runs one query at a time). */
  tail: Promise<unknown>;
  broken: boolean;
  released: boolean;
  /** Our listener for the connection's 'error' and 'end' events. */
  onLost: () => void;
}

/** Longest pause between two tries of a taken section, in milliseconds. */
const MAX_PAUSE_MS = 100;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The pools whose lock session holds a section that the running code is inside of. */
const entered = new AsyncLocalStorage<ReadonlySet<PostgresPool>>();

/**
 * Whether the running code is inside `fn` of a section held through `pool`: one of the pool's
 * connections is then the lock session, and waiting for the pool could wait for ever.
 */
export function isInsideSection(pool: PostgresPool): boolean {
  return entered.getStore()?.has(pool) === true;
}

/** The sections of one pool (shared by every storage on that pool in this process). */
export class SectionLocks {
  private static readonly byPool = new WeakMap<PostgresPool, SectionLocks>();

  /** Calls waiting in this process, per lock key; a key present in the map is held here. */
  private readonly local = new Map<string, Array<() => void>>();
  private session: Session | null = null;
  private connecting: Promise<Session> | null = null;
  /** Calls that hold or want a section through the lock session. */
  private users = 0;

  private constructor(private readonly pool: PostgresPool) {}

  /** The sections of `pool`. */
  static of(pool: PostgresPool): SectionLocks {
    let locks = SectionLocks.byPool.get(pool);
    if (!locks) {
      locks = new SectionLocks(pool);
      SectionLocks.byPool.set(pool, locks);
    }
    return locks;
  }

  /**
   * Runs `fn` while holding the section of `request.lockKey`.
   *
   * @throws {@link StorageLockTimeoutError} if the section stays taken longer than `request.timeoutMs`;
   *   a typed error when the database cannot be used; whatever `fn` throws.
   */
  async run<T>(request: SectionRequest, fn: () => Promise<T>): Promise<T> {
    const deadline = performance.now() + request.timeoutMs;
    const leaveLocal = await this.enterLocally(request, deadline);
    this.users += 1;
    try {
      const session = await this.lock(request, deadline);
      try {
        return await entered.run(new Set([...(entered.getStore() ?? []), this.pool]), fn);
      } finally {
        await this.unlock(session, request);
      }
    } finally {
      this.users -= 1;
      leaveLocal();
      if (this.users === 0 && this.session) this.end(this.session, false);
    }
  }

  /** Waits until no other call of this process holds or wants the key; returns the way out. */
  private async enterLocally(request: SectionRequest, deadline: number): Promise<() => void> {
    const leave = () => {
      const next = this.local.get(request.lockKey)?.shift();
      if (next) next();
      else this.local.delete(request.lockKey);
    };
    const queue = this.local.get(request.lockKey);
    if (!queue) {
      this.local.set(request.lockKey, []);
      return leave;
    }
    const remaining = deadline - performance.now();
    let wake: () => void = () => undefined;
    const woken = new Promise<boolean>((resolve) => {
      wake = () => resolve(true);
      queue.push(wake);
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      if (remaining !== Infinity) timer = setTimeout(() => resolve(false), Math.max(0, remaining));
    });
    const entered = await Promise.race([woken, timedOut]);
    clearTimeout(timer);
    if (!entered) {
      const at = queue.indexOf(wake);
      // Not in the queue any more: it was woken at the same moment, so it holds the key and passes it on.
      if (at >= 0) queue.splice(at, 1);
      else leave();
      throw timeout(request);
    }
    return leave;
  }

  /** Takes the advisory lock on the lock session, trying again until the deadline. */
  private async lock(request: SectionRequest, deadline: number): Promise<Session> {
    for (let pause = 2; ; pause = Math.min(pause * 2, MAX_PAUSE_MS)) {
      request.closeSignal.throwIfAborted();
      const session = await within(this.openSession(request), deadline - performance.now());
      if (session === TIMED_OUT) throw timeout(request, true);
      let locked: boolean;
      try {
        const rows = await ask<{ locked: boolean }>(session, 'SELECT pg_try_advisory_lock($1::bigint) AS locked', request);
        locked = rows[0]?.locked === true;
      } catch (error) {
        this.end(session, true);
        throw request.toError(error);
      }
      if (locked) return session;
      const remaining = deadline - performance.now();
      if (remaining <= 0) throw timeout(request);
      // Jitter, so that waiters of several processes do not ask in step.
      await sleep(Math.min(pause * (0.5 + Math.random()), remaining));
    }
  }

  private async unlock(session: Session, request: SectionRequest): Promise<void> {
    // A broken session's locks died with its connection.
    if (session.broken || session.released) return;
    try {
      const rows = await ask<{ unlocked: boolean }>(session, 'SELECT pg_advisory_unlock($1::bigint) AS unlocked', request);
      // Not held after all: the session is not what we think it is, so it is not reused.
      if (rows[0]?.unlocked !== true) this.end(session, true);
    } catch {
      this.end(session, true);
    }
  }

  private openSession(request: SectionRequest): Promise<Session> {
    if (this.session && !this.session.broken) return Promise.resolve(this.session);
    this.connecting ??= this.pool.connect().then(
      (client) => {
        this.connecting = null;
        // A cut connection (server restart, pg_terminate_backend, network) releases its locks in
        // the database; the holders' unlock is then skipped, and the next call opens a new session.
        const session: Session = { client, tail: Promise.resolve(), broken: false, released: false, onLost: () => this.end(session, true) };
        client.on('error', session.onLost);
        client.on('end', session.onLost);
        this.session = session;
        // Everyone who wanted it gave up waiting: back to the pool.
        if (this.users === 0) this.end(session, false);
        return session;
      },
      (error: unknown) => {
        this.connecting = null;
        throw request.toError(error);
      },
    );
    return this.connecting;
  }

  /** Gives the session's connection back to the pool, or closes it if it may be broken. */
  private end(session: Session, broken: boolean): void {
    if (broken) session.broken = true;
    if (this.session === session && (broken || this.users === 0)) this.session = null;
    if (session.released || (!broken && this.users > 0)) return;
    session.released = true;
    session.client.off('end', session.onLost);
    session.client.off('error', session.onLost);
    // A broken connection is closed by the pool; errors it still raises while closing are expected.
    if (session.broken) session.client.on('error', () => undefined);
    session.client.release(session.broken ? new Error('lock session lost') : undefined);
  }
}

/** Runs one query on the lock session after the ones already sent. */
function ask<Row extends Record<string, unknown>>(session: Session, sql: string, request: SectionRequest): Promise<Row[]> {
  const statement = {
    text: sql,
    values: [request.lockKey],
    ...(request.queryTimeoutMs === undefined ? {} : { query_timeout: request.queryTimeoutMs }),
  };
  const result = session.tail.then(() => session.client.query<Row>(statement));
  session.tail = result.catch(() => undefined);
  return result.then(({ rows }) => rows);
}

/** @param poolExhausted - Whether the pool gave no connection for the lock session (rather than the lock staying taken). */
function timeout(request: SectionRequest, poolExhausted = false): StorageLockTimeoutError {
  const resource = request.resource();
  const message = poolExhausted
    ? `the section ${resource} was not entered within ${request.timeoutMs} ms: the pool gave no connection for its lock session`
    : `the section ${resource} stayed taken for ${request.timeoutMs} ms`;
  return new StorageLockTimeoutError(message, { resource, timeoutMs: request.timeoutMs });
}
