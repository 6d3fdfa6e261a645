import type { OAuthTokenResponse } from '@globus-tokenstorage/core';
import type { GlobusAuthorizationParameters } from './authorization-parameters';

/** Options of one {@link LoginFlowManager.runLoginFlow} call. */
export interface LoginFlowOptions {
  /** Cancels the login; the call then rejects with the manager's typed abort error. @default none */
  readonly signal?: AbortSignal;
}

/**
 * Drives one interactive login: sends the user to the authorize URL, obtains the authorization code
 * and exchanges it for tokens. `UserApp` calls it whenever a login is needed.
 */
export interface LoginFlowManager {
  /**
   * Runs one login with the given parameters.
   * @returns the token response of the code exchange.
   */
  runLoginFlow(parameters: GlobusAuthorizationParameters, options?: LoginFlowOptions): Promise<OAuthTokenResponse>;
}
