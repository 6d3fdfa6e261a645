import { TokenStorageError } from '../errors';
import { safeErrorName } from '../errors/safe-error-name';
import { TokenStorageData, type TokenStorageDataInit } from '../tokens/token-storage-data';
import type { ConformanceTestApi } from './types';

let counter = 0;

/** A token value that is unique to one case, so a leak of it can be searched for. */
export function canary(kind: 'AT' | 'RT'): string {
  counter += 1;
  return `CANARY-${kind}-${Date.now().toString(36)}-${counter}-${Math.random().toString(36).slice(2, 10)}`;
}

/** Token data for `resourceServer` with canary tokens; fields may be overridden. */
export function sampleTokenData(resourceServer: string, overrides: Partial<TokenStorageDataInit> = {}): TokenStorageData {
  return new TokenStorageData({
    resourceServer,
    identityId: '11111111-2222-4333-8444-555555555555',
    scope: `urn:globus:auth:scope:${resourceServer}:all`,
    accessToken: canary('AT'),
    refreshToken: canary('RT'),
    expiresAtSeconds: 2000000000,
    tokenType: 'Bearer',
    ...overrides,
  });
}

/** The on-disk form as text, so that key order is compared too. */
export function dictText(data: TokenStorageData | null | undefined): string | null {
  return data ? JSON.stringify(data.toDict()) : null;
}

/**
 * Awaits `action` and checks it fails with a `TokenStorageError` of the given code. A failure names
 * the call and what it did instead (resolved, another code, or an error that is not a
 * `TokenStorageError`), so a backend author sees what to fix.
 *
 * @param label - Names the call in the failure, e.g. `removeTokenData('')`.
 * @returns The error, for further checks.
 */
export async function expectStorageError(
  t: ConformanceTestApi,
  label: string,
  action: () => Promise<unknown>,
  code: string,
): Promise<TokenStorageError> {
  let caught: unknown;
  let outcome: string;
  try {
    await action();
    outcome = 'resolved without an error';
  } catch (error) {
    caught = error;
    outcome = TokenStorageError.isInstance(error)
      ? `rejected with code ${error.code}`
      : `rejected with ${safeErrorName(error) ?? typeof error}, which is not a TokenStorageError (use the error classes of @globus-tokenstorage/core)`;
  }
  t.expect(`${label}: ${outcome}`).toBe(`${label}: rejected with code ${code}`);
  return caught as TokenStorageError;
}

/** Everything a log line could show of an error: message, stack, and the same for each cause. */
export function errorText(error: unknown, inspect?: (value: unknown) => string): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 10; depth += 1) {
    if (current instanceof Error) parts.push(current.message, current.stack ?? '');
    else parts.push(String(current));
    try {
      parts.push(JSON.stringify(current) ?? '');
    } catch {
      // Circular structures cannot be stringified; inspect below still shows them.
    }
    current = (current as { cause?: unknown }).cause;
  }
  if (inspect) parts.push(inspect(error));
  return parts.join('\n');
}
