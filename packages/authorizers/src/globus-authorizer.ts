/**
 * Something that produces the `Authorization` header of HTTP requests to Globus services (or any
 * OAuth2-protected API), and may renew its credentials when a request is rejected.
 */
export interface GlobusAuthorizer {
  /**
   * The value of the `Authorization` header for the next request.
   *
   * @returns The header value (e.g. `"Bearer …"`), or `null` to send no `Authorization` header.
   * @throws A `TokenStorageError` subclass (usually `AuthAPIError`) if fresh credentials were needed
   *   and could not be obtained.
   */
  getAuthorizationHeader(): Promise<string | null>;

  /**
   * Called when a request sent with this authorizer's header came back `401 Unauthorized`.
   *
   * @param rejectedAuthorization - The header value that was rejected, if known: an authorizer that
   *   already holds a newer credential then answers `true` without renewing again.
   * @returns `true` if the request is worth retrying with a new `getAuthorizationHeader()`.
   * @throws A `TokenStorageError` subclass if a renewal was attempted and failed.
   */
  handleMissingAuthorization(rejectedAuthorization?: string | null): Promise<boolean>;
}
