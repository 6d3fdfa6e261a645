// A runner-neutral test API for core's conformance suite inside the page: `describe` and `it` only
// record cases under their full names, `runCase` runs one by name, so jest can register the same
// names on its side and ask the page to run each (see support/conformance-in-page.ts).
import type { ConformanceMatchers, ConformanceTestApi } from '@globus-tokenstorage/core/conformance';

/** The result of one case, as sent back to jest. */
export interface CaseResult {
  status: 'passed' | 'failed' | 'unknown';
  message?: string;
}

/** Joins a case's describe path and name the way both sides do. */
export const caseName = (path: readonly string[], name: string): string => [...path, name].join(' > ');

/** Collects the cases that a suite registers and runs them by name. */
export function createCollectingHarness(): {
  api: ConformanceTestApi;
  runCase: (name: string) => Promise<CaseResult>;
  names: () => string[];
} {
  const cases = new Map<string, () => Promise<void>>();
  const path: string[] = [];
  const it = Object.assign(
    (name: string, fn: () => Promise<void>) => {
      cases.set(caseName(path, name), fn);
    },
    { skip: () => undefined },
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
    expect,
  };
  const runCase = async (name: string): Promise<CaseResult> => {
    const fn = cases.get(name);
    if (!fn) return { status: 'unknown', message: `the page registered no case named ${JSON.stringify(name)}` };
    try {
      await fn();
      return { status: 'passed' };
    } catch (error) {
      return {
        status: 'failed',
        message: error instanceof Error ? `${error.name}: ${error.message}\n${error.stack ?? ''}` : String(error),
      };
    }
  };
  return { api, runCase, names: () => [...cases.keys()] };
}

function expect(actual: unknown): ConformanceMatchers {
  const check = (pass: boolean, description: string, expected: unknown) => {
    if (!pass) throw new Error(`expected ${show(actual)} ${description} ${show(expected)}`);
  };
  return {
    toBe: (expected) => check(Object.is(actual, expected), 'to be', expected),
    toEqual: (expected) => check(deepEqual(actual, expected), 'to equal', expected),
    not: {
      toBe: (expected) => check(!Object.is(actual, expected), 'not to be', expected),
      toEqual: (expected) => check(!deepEqual(actual, expected), 'not to equal', expected),
    },
  };
}

/** jest's `toEqual` for the values the suite compares: primitives, arrays and plain objects (undefined properties ignored). */
function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keys = (value: object) => Object.keys(value).filter((key) => (value as Record<string, unknown>)[key] !== undefined);
  const aKeys = keys(a);
  const bKeys = keys(b);
  if (aKeys.length !== bKeys.length) return false;
  return aKeys.every((key) => Object.hasOwn(b, key) && deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
