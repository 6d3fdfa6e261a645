import { TokenStorageError } from '@globus-tokenstorage/core';

export { TestDatabase, withDatabase } from '@globus-tokenstorage/postgres-server/test-database';

/** Awaits `action` and returns what it threw (fails the test if it did not throw a TokenStorageError). */
export async function caught(action: () => Promise<unknown>): Promise<TokenStorageError> {
  try {
    await action();
  } catch (error) {
    if (!TokenStorageError.isInstance(error)) throw new Error(`expected a TokenStorageError, got ${String(error)}`, { cause: error });
    return error;
  }
  throw new Error('expected the action to throw');
}
