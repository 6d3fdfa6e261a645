import type { TokenStorageLike } from '../storage/token-storage-like';
import type { ConformanceCapabilities, ConformanceOptions, ConformanceTestApi } from './types';

/** The storages one case made; all are closed when the case ends. */
export class ConformanceSession<S extends TokenStorageLike> {
  private readonly storages: S[] = [];

  constructor(private readonly options: ConformanceOptions<S>) {}

  /** A storage on a fresh backing store. */
  async create(namespace = 'DEFAULT'): Promise<S> {
    return this.track(await this.options.create({ namespace }));
  }

  /** Another storage on the same backing store as `storage`. */
  async reopen(storage: S, namespace = storage.namespace): Promise<S> {
    if (!this.options.reopen) throw new Error('reopen is not available');
    return this.track(await this.options.reopen(storage, { namespace }));
  }

  /** Closes every storage of the case, then runs the backend's cleanup. */
  async dispose(): Promise<void> {
    for (const storage of this.storages) await storage.close?.().catch(() => undefined);
    await this.options.cleanup?.();
  }

  private track(storage: S): S {
    this.storages.push(storage);
    return storage;
  }
}

/** What a group needs that a backend may not have. */
export type GroupRequirement = 'reopen' | keyof ConformanceCapabilities;

/**
 * Registers one group of cases. When the backend lacks a requirement the group registers a single
 * skipped test that names the reason, so the gap shows in the report instead of vanishing.
 */
export function defineGroup<S extends TokenStorageLike>(
  t: ConformanceTestApi,
  options: ConformanceOptions<S>,
  name: string,
  requirements: readonly GroupRequirement[],
  body: (test: (caseName: string, fn: (session: ConformanceSession<S>) => Promise<void>) => void) => void,
): void {
  const missing = requirements.filter((requirement) =>
    requirement === 'reopen' ? typeof options.reopen !== 'function' : options.capabilities?.[requirement] !== true,
  );
  t.describe(name, () => {
    if (missing.length > 0) {
      const label = `${name}: skipped, the backend lacks ${missing.join(' and ')}`;
      if (t.it.skip) t.it.skip(label, () => undefined);
      else t.it(`${label} [skipped]`, async () => undefined);
      return;
    }
    body((caseName, fn) => {
      t.it(
        caseName,
        async () => {
          const session = new ConformanceSession(options);
          try {
            await fn(session);
          } finally {
            await session.dispose();
          }
        },
        options.timeoutMs ?? 20000,
      );
    });
  });
}
