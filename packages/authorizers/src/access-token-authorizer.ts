import { InvalidArgumentError } from '@globus-tokenstorage/core';
import { INSPECT_CUSTOM, REDACTED } from '@globus-tokenstorage/core/backend';
import type { GlobusAuthorizer } from './globus-authorizer';
import { describe } from './redaction';

/**
 * Sends `Bearer <accessToken>` with a token obtained elsewhere. It cannot renew the token, so a
 * `401` is returned to the caller (no retry).
 *
 * @example
 * ```ts
 * const authorizer = new AccessTokenAuthorizer(tokenData.accessToken);
 * const response = await authorizedFetch(authorizer, 'https://transfer.api.globus.org/v0.10/endpoint_search');
 * ```
 */
export class AccessTokenAuthorizer implements GlobusAuthorizer {
  readonly #accessToken: string;
  readonly #header: string;

  /**
   * @param accessToken - The access token.
   * @throws {@link InvalidArgumentError} if it is not a non-empty string.
   */
  constructor(accessToken: string) {
    if (typeof accessToken !== 'string' || accessToken === '') throw new InvalidArgumentError('accessToken must be a non-empty string');
    this.#accessToken = accessToken;
    this.#header = `Bearer ${accessToken}`;
  }

  /** The access token (a secret: do not log it). */
  get accessToken(): string {
    return this.#accessToken;
  }

  /** @returns `Bearer <accessToken>`. */
  async getAuthorizationHeader(): Promise<string> {
    return this.#header;
  }

  /** @returns `false`: this authorizer cannot get another token. */
  async handleMissingAuthorization(): Promise<boolean> {
    return false;
  }

  /** A JSON view with the token redacted. */
  toJSON(): Record<string, unknown> {
    return { authorizer: 'AccessTokenAuthorizer', accessToken: REDACTED };
  }

  /** A one-line description with the token redacted. */
  toString(): string {
    return describe('AccessTokenAuthorizer', { accessToken: REDACTED });
  }

  /** What `util.inspect` shows: the redacted description. */
  [INSPECT_CUSTOM](): string {
    return this.toString();
  }
}
