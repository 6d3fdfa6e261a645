import { IdentityMismatchError, MissingIdentityError } from '../errors';
import type { TokenDataValidator, TokenValidationContext } from './token-data-validator';

/** Rejects stores without an identity, or for another identity than the one already stored. */
export class UnchangingIdentityIDValidator implements TokenDataValidator {
  /**
   * @param _data - The token data about to be stored.
   * @param context - The identities involved.
   * @throws {@link MissingIdentityError} if the data has no identity (the login lacked `openid`).
   * @throws {@link IdentityMismatchError} if it belongs to another identity than the stored one.
   */
  beforeStore(_data: unknown, context: TokenValidationContext): void {
    if (context.tokenDataIdentityId === null) {
      throw new MissingIdentityError(
        "Token grant response doesn't contain an id_token. This normally occurs if the auth flow didn't include 'openid' alongside other scopes.",
      );
    }
    if (context.priorIdentityId !== null && context.priorIdentityId !== context.tokenDataIdentityId) {
      throw new IdentityMismatchError('Detected a change in identity associated with the token data.', {
        storedId: context.priorIdentityId,
        newId: context.tokenDataIdentityId,
      });
    }
  }
}
