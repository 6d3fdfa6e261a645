import { TokenStorageError } from '@globus-tokenstorage/core';

/**
 * Awaits `action` and returns the `TokenStorageError` it rejected with; fails the test if it
 * resolved or rejected with anything else.
 */
export async function caught(action: () => Promise<unknown>): Promise<TokenStorageError> {
  try {
    await action();
  } catch (error) {
    if (!TokenStorageError.isInstance(error)) throw new Error(`expected a TokenStorageError, got ${String(error)}`, { cause: error });
    return error;
  }
  throw new Error('expected the action to throw');
}

/** Runs `action` and returns what it threw, whatever it is; fails the test if it returned. */
export function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the action to throw');
}
