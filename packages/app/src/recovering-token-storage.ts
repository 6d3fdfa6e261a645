import {
  TokenValidationError,
  type OAuthTokenResponse,
  type TokenStorageData,
  type TokenStorageLike,
  type ValidatingTokenStorage,
} from '@globus-tokenstorage/core';

/**
 * The storage an app's `StorageBackedAuthorizer`s read: the app's validating storage, except that a
 * read whose tokens fail validation first runs the app's recovery (by default a login) and then
 * reads once more. So the authorizer's hot path stays the bare one, and a login happens where the
 * authorizer would otherwise fail.
 */
export class RecoveringTokenStorage implements TokenStorageLike {
  readonly namespace: string;
  readonly runExclusive?: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
  readonly #validating: ValidatingTokenStorage;
  readonly #recover: (error: TokenValidationError) => Promise<void>;

  /**
   * @param validating - The app's validating storage.
   * @param recover - Runs the app's `tokenValidationErrorHandler` (or rethrows).
   */
  constructor(validating: ValidatingTokenStorage, recover: (error: TokenValidationError) => Promise<void>) {
    this.namespace = validating.namespace;
    this.#validating = validating;
    this.#recover = recover;
    if (validating.runExclusive !== undefined) this.runExclusive = validating.runExclusive;
  }

  /** Reads through the validators; on a validation error, recovers and reads once more. */
  async getTokenData(resourceServer: string): Promise<TokenStorageData> {
    try {
      return await this.#validating.getTokenData(resourceServer);
    } catch (error) {
      if (!TokenValidationError.isInstance(error)) throw error;
      await this.#recover(error);
      return this.#validating.getTokenData(resourceServer);
    }
  }

  getTokenDataByResourceServer(): Promise<Record<string, TokenStorageData>> {
    return this.#validating.getTokenDataByResourceServer();
  }

  storeTokenDataByResourceServer(data: Readonly<Record<string, TokenStorageData>>): Promise<void> {
    return this.#validating.storeTokenDataByResourceServer(data);
  }

  storeTokenResponse(response: OAuthTokenResponse): Promise<void> {
    return this.#validating.storeTokenResponse(response);
  }

  removeTokenData(resourceServer: string): Promise<boolean> {
    return this.#validating.removeTokenData(resourceServer);
  }
}
