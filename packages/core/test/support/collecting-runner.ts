import type { ConformanceTestApi } from '@globus-tokenstorage/core/conformance';

/** Outcome of one conformance case run by {@link runCollected}. */
export interface CaseOutcome {
  name: string;
  passed: boolean;
  skipped: boolean;
  error?: unknown;
}

/**
 * A tiny runner that records the suite's cases instead of registering them with jest, so a test can
 * run the whole suite against a storage and look at which cases failed.
 */
export function collectingRunner(): { api: ConformanceTestApi; run: () => Promise<CaseOutcome[]> } {
  const cases: Array<{ name: string; fn: () => Promise<void> | void; skipped: boolean }> = [];
  const path: string[] = [];
  const it = Object.assign(
    (name: string, fn: () => Promise<void>) => {
      cases.push({ name: [...path, name].join(' > '), fn, skipped: false });
    },
    {
      skip: (name: string, fn: () => void) => {
        cases.push({ name: [...path, name].join(' > '), fn, skipped: true });
      },
    },
  );
  const api: ConformanceTestApi = {
    describe: (name, fn) => {
      path.push(name);
      try {
        fn();
      } finally {
        path.pop();
      }
    },
    it,
    expect: expect as unknown as ConformanceTestApi['expect'],
  };
  const run = async () => {
    const outcomes: CaseOutcome[] = [];
    for (const item of cases) {
      if (item.skipped) {
        outcomes.push({ name: item.name, passed: false, skipped: true });
        continue;
      }
      try {
        await item.fn();
        outcomes.push({ name: item.name, passed: true, skipped: false });
      } catch (error) {
        outcomes.push({ name: item.name, passed: false, skipped: false, error });
      }
    }
    return outcomes;
  };
  return { api, run };
}
