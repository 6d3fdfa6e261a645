import { MissingTokenError } from '../errors';
import type { TokenStorageData } from '../tokens/token-storage-data';
import type { TokenDataValidator } from './token-data-validator';

/** Rejects reads of token data without a refresh token with {@link MissingTokenError}. */
export class HasRefreshTokensValidator implements TokenDataValidator {
  /**
   * @param data - The token data read.
   * @throws {@link MissingTokenError} (`No refresh_token for <rs>`) for the first token without one.
   */
  afterRetrieve(data: Readonly<Record<string, TokenStorageData>>): void {
    for (const token of Object.values(data)) {
      if (token.refreshToken === null) {
        throw new MissingTokenError(`No refresh_token for ${token.resourceServer}`, { resourceServer: token.resourceServer });
      }
    }
  }
}
