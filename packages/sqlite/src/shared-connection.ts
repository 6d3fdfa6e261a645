import { StorageClosedError } from '@globus-tokenstorage/core';

/** How a {@link SharedConnection} opens and closes its connection. */
export interface ConnectionLifecycle<C> {
  /**
   * Opens the connection.
   *
   * @param assertWanted - Throws `StorageClosedError` once every user has released the connection
   *   (an open that waits for locks stops then).
   */
  open(assertWanted: () => void): Promise<C>;
  /** Closes it, once the last user has released it. */
  close(connection: C): void;
}

/** The shared connections in use, by what identifies them (file and connection options). */
const registry = new Map<string, SharedConnection<unknown>>();

/**
 * One database connection shared by every storage of this process on the same file with the same
 * connection options: a server that keeps one storage per user keeps one connection, not thousands.
 * Reference counted: each storage acquires it once and releases it on `close()`; the last release
 * closes it. Statements are synchronous, so the storages' calls never interleave inside one.
 */
export class SharedConnection<C> {
  private users = 0;
  private connection: C | null = null;
  private opening: Promise<C> | null = null;

  private constructor(
    private readonly key: string,
    private readonly lifecycle: ConnectionLifecycle<C>,
  ) {}

  /**
   * Takes a reference to the shared connection named `key`, made (not yet opened) if there is none.
   *
   * @param key - Identifies the file and every option that changes the connection.
   * @param lifecycle - How to open and close it, used if it is made here.
   * @returns The shared connection; call {@link SharedConnection.release} once done with it.
   */
  static acquire<C>(key: string, lifecycle: ConnectionLifecycle<C>): SharedConnection<C> {
    let shared = registry.get(key) as SharedConnection<C> | undefined;
    if (shared === undefined) {
      shared = new SharedConnection(key, lifecycle);
      registry.set(key, shared as SharedConnection<unknown>);
    }
    shared.users += 1;
    return shared;
  }

  /**
   * @returns The open connection, opened by the first caller (callers meanwhile share that open;
   *   a failed open is tried again by the next call).
   */
  get(): Promise<C> {
    if (this.connection !== null) return Promise.resolve(this.connection);
    this.opening ??= this.lifecycle
      .open(() => {
        if (this.users === 0) throw new StorageClosedError('the token database was closed while it was being opened');
      })
      .then(
        (connection) => {
          this.opening = null;
          this.connection = connection;
          return connection;
        },
        (error: unknown) => {
          this.opening = null;
          throw error;
        },
      );
    return this.opening;
  }

  /** Gives back one reference; the last closes the connection (after an open in progress ends). */
  async release(): Promise<void> {
    this.users -= 1;
    if (this.users > 0) return;
    if (registry.get(this.key) === this) registry.delete(this.key);
    const pending = this.opening;
    if (pending) await pending.catch(() => undefined);
    const connection = this.connection;
    this.connection = null;
    if (connection !== null) this.lifecycle.close(connection);
  }
}
