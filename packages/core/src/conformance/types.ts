import type { TokenStorageLike } from '../storage/token-storage-like';

/** The assertions the suite uses; jest's and vitest's `expect` both provide them. */
export interface ConformanceMatchers {
  toBe(expected: unknown): void;
  toEqual(expected: unknown): void;
  not: { toBe(expected: unknown): void; toEqual(expected: unknown): void };
}

/** A test function (`it`/`test`) with the optional `skip` variant used to show gated groups. */
export interface ConformanceTestFunction {
  (name: string, fn: () => Promise<void>, timeoutMs?: number): void;
  skip?: (name: string, fn: () => void) => void;
}

/**
 * The test runner's functions, passed in so the suite imports no runner: pass jest's or vitest's
 * `{ describe, it, expect }`.
 */
export interface ConformanceTestApi {
  describe: (name: string, fn: () => void) => void;
  it: ConformanceTestFunction;
  expect: (actual: unknown) => ConformanceMatchers;
}

/** Abilities a backend may lack; each gates a group, which then shows as a skipped test. */
export interface ConformanceCapabilities {
  /** The storage has `listNamespaces()` (a `TokenStorage` that implements `readNamespaces`). @default false */
  listNamespaces?: boolean;
  /**
   * After `close()`, every call rejects with `StorageClosedError`; calls started before it settle
   * before it resolves (the groups "closing" and "closing with calls in flight"); every
   * `TokenStorage` subclass has it from the base class. @default false
   */
  closeRejectsCalls?: boolean;
  /**
   * The storage has `runExclusive(key, fn)`, a critical section across handles (a `TokenStorage`
   * that implements `runInSection`). @default false
   */
  runExclusive?: boolean;
}

/** How the suite makes storages of the backend under test. */
export interface ConformanceOptions<S extends TokenStorageLike = TokenStorageLike> {
  /**
   * Makes a storage on a fresh, empty backing store (a new temporary file, a new database…).
   * Called at least once per case.
   */
  create(options: { namespace: string }): S | Promise<S>;
  /**
   * Opens another storage on the same backing store as `storage` (a second handle, as another
   * process would). Without it the persistence, namespace and concurrency groups are skipped.
   */
  reopen?(storage: S, options: { namespace: string }): S | Promise<S>;
  /** Runs after each case, once every storage the case made is closed (e.g. removes temp files). */
  cleanup?(): void | Promise<void>;
  /** What the backend supports beyond the required contract. */
  capabilities?: ConformanceCapabilities;
  /** Renders a value as a log would (pass Node's `util.inspect`), to check redaction. */
  inspect?: (value: unknown) => string;
  /** Time limit of each case, in milliseconds. @default 20000 */
  timeoutMs?: number;
}
