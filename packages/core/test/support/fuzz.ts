import { TokenStorageError } from '@globus-tokenstorage/core';

/** Generated cases per property: at least 10 000 in CI; `pnpm fuzz` raises it. */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);

/**
 * Runs `action` and accepts its result or a `TokenStorageError` subclass; anything else (a raw
 * `TypeError`, `SyntaxError`, `RangeError`…) is rethrown so the property fails.
 */
export function resultOrTypedError<T>(action: () => T): T | TokenStorageError {
  try {
    return action();
  } catch (error) {
    if (TokenStorageError.isInstance(error)) return error;
    throw error;
  }
}
