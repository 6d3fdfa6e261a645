import { InvalidArgumentError } from '@globus-tokenstorage/core';
import { INSPECT_CUSTOM, REDACTED } from '@globus-tokenstorage/core/backend';
import type { GlobusAuthorizer } from './globus-authorizer';
import { describe } from './redaction';

/**
 * Sends one fixed `Authorization` header value and never renews it.
 *
 * @example
 * ```ts
 * const authorizer = new StaticGlobusAuthorizer('Bearer my-service-token');
 * await authorizedFetch(authorizer, 'https://example.org/api');
 * ```
 */
export class StaticGlobusAuthorizer implements GlobusAuthorizer {
  readonly #headerValue: string;

  /**
   * @param headerValue - The whole header value, scheme included.
   * @throws {@link InvalidArgumentError} if it is not a non-empty string.
   */
  constructor(headerValue: string) {
    if (typeof headerValue !== 'string' || headerValue === '') throw new InvalidArgumentError('headerValue must be a non-empty string');
    this.#headerValue = headerValue;
  }

  /** @returns The fixed header value. */
  async getAuthorizationHeader(): Promise<string> {
    return this.#headerValue;
  }

  /** @returns `false`: a fixed credential cannot be renewed. */
  async handleMissingAuthorization(): Promise<boolean> {
    return false;
  }

  /** A JSON view with the header redacted. */
  toJSON(): Record<string, unknown> {
    return { authorizer: 'StaticGlobusAuthorizer', headerValue: REDACTED };
  }

  /** A one-line description with the header redacted. */
  toString(): string {
    return describe('StaticGlobusAuthorizer', { headerValue: REDACTED });
  }

  /** What `util.inspect` shows: the redacted description. */
  [INSPECT_CUSTOM](): string {
    return this.toString();
  }
}
