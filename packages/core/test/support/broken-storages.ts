import { inspect } from 'node:util';
import { InvalidArgumentError, type TokenStorageData } from '@globus-tokenstorage/core';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';

/** Drops every second write: the conformance suite must notice lost updates. */
export class LosingWritesStorage extends MemoryTokenStorage {
  private writes = 0;

  protected override async writeEntries(entries: ReadonlyArray<readonly [string, TokenStorageData]>): Promise<void> {
    this.writes += 1;
    if (this.writes % 2 === 0) return;
    await super.writeEntries(entries);
  }
}

/**
 * Puts the stored tokens into its argument errors: the conformance suite must notice the leak. (It
 * replaces the public method, as the base class checks arguments before any hook runs.)
 */
export class LeakyStorage extends MemoryTokenStorage {
  override async getTokenData(resourceServer: string): Promise<TokenStorageData | null> {
    if (typeof resourceServer !== 'string' || resourceServer === '') {
      const known = await this.getTokenDataByResourceServer();
      const dump = Object.values(known).map((token) => inspect(token.toDict()));
      throw new InvalidArgumentError(`unknown resource server ${String(resourceServer)}; known entries: ${dump.join(', ')}`);
    }
    return super.getTokenData(resourceServer);
  }
}

/** Shows its entries to util.inspect and JSON.stringify, as a naive storage would. */
export class TransparentStorage extends MemoryTokenStorage {
  private readonly mirror: Record<string, unknown> = {};

  protected override async writeEntries(entries: ReadonlyArray<readonly [string, TokenStorageData]>): Promise<void> {
    await super.writeEntries(entries);
    for (const [key, value] of entries) this.mirror[key] = value.toDict();
  }

  override toJSON(): Record<string, unknown> {
    return { ...this.mirror };
  }
}

/** Returns the stored record itself, so callers can change the store through what they read. */
export class SharingStorage extends MemoryTokenStorage {
  private readonly live: Record<string, TokenStorageData> = {};

  protected override async writeEntries(entries: ReadonlyArray<readonly [string, TokenStorageData]>): Promise<void> {
    await super.writeEntries(entries);
    for (const [key, value] of entries) this.live[key] = value;
  }

  protected override async readEntries(): Promise<Record<string, TokenStorageData>> {
    await super.readEntries();
    return this.live;
  }
}

/** Claims a critical section but lets every caller in at once. */
export class NonExclusiveStorage extends MemoryTokenStorage {
  protected override async runInSection<T>(_key: string, fn: () => Promise<T>): Promise<T> {
    return fn();
  }
}

/** Takes a moment to write, and lets close() resolve without waiting for the writes it accepted. */
export class HastyCloseStorage extends MemoryTokenStorage {
  protected override async writeEntries(entries: ReadonlyArray<readonly [string, TokenStorageData]>): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 10));
    await super.writeEntries(entries);
  }

  override async close(): Promise<void> {
    void super.close();
  }
}

/** Leaves the calls it accepted pending for ever once close() was called. */
export class AbandoningStorage extends MemoryTokenStorage {
  private isClosing = false;

  protected override async writeEntries(entries: ReadonlyArray<readonly [string, TokenStorageData]>): Promise<void> {
    const startedOpen = !this.isClosing;
    await new Promise((resolve) => setTimeout(resolve, 10));
    if (startedOpen && this.isClosing) await new Promise(() => undefined);
    await super.writeEntries(entries);
  }

  override async close(): Promise<void> {
    this.isClosing = true;
    void super.close();
  }
}

/** Resolves the writes in flight when close() is called without making them. */
export class DroppingOnCloseStorage extends MemoryTokenStorage {
  private isClosing = false;

  protected override async writeEntries(entries: ReadonlyArray<readonly [string, TokenStorageData]>): Promise<void> {
    const startedOpen = !this.isClosing;
    await new Promise((resolve) => setTimeout(resolve, 10));
    if (startedOpen && this.isClosing) return;
    await super.writeEntries(entries);
  }

  override async close(): Promise<void> {
    this.isClosing = true;
    await super.close();
  }
}
