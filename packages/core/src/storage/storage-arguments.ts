import { InvalidArgumentError } from '../errors';
import { TokenStorageData } from '../tokens/token-storage-data';

/**
 * Checks a resource server (or other mapping key) argument.
 *
 * @param resourceServer - The argument.
 * @returns It, typed.
 * @throws {@link InvalidArgumentError} if it is not a non-empty string.
 */
export function checkResourceServer(resourceServer: unknown): string {
  if (typeof resourceServer !== 'string' || resourceServer === '') {
    throw new InvalidArgumentError('resourceServer must be a non-empty string');
  }
  return resourceServer;
}

/**
 * Checks the argument of `storeTokenDataByResourceServer`.
 *
 * @param data - The argument.
 * @returns Its entries.
 * @throws {@link InvalidArgumentError} if it is not an object of `TokenStorageData` under non-empty keys.
 */
export function checkTokenDataMapping(data: unknown): Array<[string, TokenStorageData]> {
  if (typeof data !== 'object' || data === null || Array.isArray(data) || data instanceof Map) {
    throw new InvalidArgumentError('token data must be an object mapping resource servers to TokenStorageData');
  }
  const entries = Object.entries(data);
  for (const [key, value] of entries) {
    if (key === '') throw new InvalidArgumentError('token data keys (resource servers) must be non-empty');
    if (!TokenStorageData.isInstance(value)) {
      throw new InvalidArgumentError(
        `the token data for '${key}' must be a TokenStorageData (use TokenStorageData.fromDict for plain objects)`,
      );
    }
  }
  return entries as Array<[string, TokenStorageData]>;
}
