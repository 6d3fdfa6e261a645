import { AuthAPIError, TokenStorageError, type OAuthTokenResponse } from '@globus-tokenstorage/core';
import { abortable, safeErrorName } from '@globus-tokenstorage/core/backend';
import { RequestDeadline } from './request-deadline';

/**
 * Sends the token request of one renewal within `timeoutMs` and `signal`, and checks that a token
 * response came back. Our login clients' errors are already typed; anything else (from a custom
 * client) is wrapped without its message or the error itself, which may quote the refresh token or
 * client secret.
 *
 * @param what - Names the renewal in messages, e.g. `token refresh for transfer.api.globus.org`.
 * @param timeoutMs - How long the request may take (`Infinity`: no limit).
 * @param signal - Cancels the request, if given.
 * @param request - Sends the request, passing the signal it is given on to the login client.
 * @returns The token response.
 * @throws `AuthRequestTimeoutError`, `AuthRequestAbortedError`, or another `AuthAPIError`.
 */
export async function requestTokens(
  what: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  request: (signal: AbortSignal) => Promise<OAuthTokenResponse>,
): Promise<OAuthTokenResponse> {
  const deadline = new RequestDeadline(timeoutMs, [signal]);
  let response: OAuthTokenResponse;
  try {
    response = await abortable(request(deadline.signal), deadline.signal);
  } catch (error) {
    if (deadline.signal.aborted) throw deadline.error(what);
    throw TokenStorageError.isInstance(error)
      ? error
      : new AuthAPIError(`${what} failed: the auth client threw ${safeErrorName(error) ?? typeof error}`, { httpStatus: 0 });
  } finally {
    deadline.dispose();
  }
  if (
    typeof response !== 'object' ||
    response === null ||
    typeof response.byResourceServer !== 'object' ||
    response.byResourceServer === null
  ) {
    throw new AuthAPIError(`${what} failed: the auth client returned no token response`, { httpStatus: 0 });
  }
  return response;
}
