import { InvalidArgumentError } from '@globus-tokenstorage/core';
import { INSPECT_CUSTOM, REDACTED } from '@globus-tokenstorage/core/backend';
import { base64Utf8 } from './encoding';
import type { GlobusAuthorizer } from './globus-authorizer';
import { describe } from './redaction';

/**
 * HTTP Basic authentication: `"Basic " + base64(utf8(username + ":" + password))`.
 *
 * Like the Python SDK (and Globus Auth), the username and password are used verbatim, **not**
 * form-urlencoded first as RFC 6749 §2.3.1 asks: a secret containing `+`, `%` or `:` produces the
 * same header as in Python.
 *
 * @example
 * ```ts
 * const authorizer = new BasicAuthorizer(CLIENT_ID, CLIENT_SECRET);
 * await authorizer.getAuthorizationHeader(); // "Basic …"
 * ```
 */
export class BasicAuthorizer implements GlobusAuthorizer {
  /** The user name (for a confidential client, its client ID). */
  readonly username: string;
  readonly #header: string;

  /**
   * @param username - The user name or client ID.
   * @param password - The password or client secret.
   * @throws {@link InvalidArgumentError} if either is not a string, or holds an unpaired UTF-16
   *   surrogate (which has no UTF-8 form).
   */
  constructor(username: string, password: string) {
    if (typeof username !== 'string') throw new InvalidArgumentError('username must be a string');
    if (typeof password !== 'string') throw new InvalidArgumentError('password must be a string');
    this.username = username;
    this.#header = basicAuthorizationHeader(username, password);
  }

  /** @returns The `Basic …` header value. */
  async getAuthorizationHeader(): Promise<string> {
    return this.#header;
  }

  /** @returns `false`: a password cannot be renewed. */
  async handleMissingAuthorization(): Promise<boolean> {
    return false;
  }

  /** A JSON view with the password redacted. */
  toJSON(): Record<string, unknown> {
    return { authorizer: 'BasicAuthorizer', username: this.username, password: REDACTED };
  }

  /** A one-line description with the password redacted. */
  toString(): string {
    return describe('BasicAuthorizer', { username: this.username, password: REDACTED });
  }

  /** What `util.inspect` shows: the redacted description. */
  [INSPECT_CUSTOM](): string {
    return this.toString();
  }
}

/** The Basic header value for verbatim credentials (shared with the confidential login client). */
export function basicAuthorizationHeader(username: string, password: string): string {
  return `Basic ${base64Utf8(`${username}:${password}`)}`;
}
