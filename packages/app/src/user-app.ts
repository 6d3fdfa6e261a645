import {
  HasRefreshTokensValidator,
  NotExpiredValidator,
  UnchangingIdentityIDValidator,
  type OAuthTokenResponse,
  type TokenDataValidatorWithHook,
} from '@globus-tokenstorage/core';
import type { GlobusAuthorizationParameters } from './authorization-parameters';
import { GlobusApp, type GlobusAppOptions } from './globus-app';
import type { LoginFlowManager } from './login-flow-manager';
import { resolveLoginFlowManager } from './resolve-login-flow-manager';

/**
 * An app a person logs in to: Python's `UserApp`. Tokens are kept (by default in Python's file for
 * the app), validated on every read (scopes, unchanging identity, and refresh tokens present or
 * access tokens not expired), and when they fail, the user logs in again through the login flow
 * manager. Processes of one app refresh once, and log in once.
 *
 * @example
 * ```ts
 * await using app = new UserApp('My App', {
 *   clientId: '61338d24-54d5-408f-a10d-66c06b59f6d2',
 *   scopeRequirements: { 'transfer.api.globus.org': 'urn:globus:auth:scope:transfer.api.globus.org:all' },
 *   config: { requestRefreshTokens: true },
 * });
 * const response = await app.authorizedFetch('transfer.api.globus.org', 'https://transfer.api.globus.org/v0.10/task_list');
 * ```
 */
export class UserApp extends GlobusApp {
  /** `"UserApp"`, also in minified bundles. */
  static override get name(): string {
    return 'UserApp';
  }

  /** The login flow manager the configuration names. */
  readonly loginFlowManager: LoginFlowManager;

  /**
   * Checks everything and does no I/O.
   *
   * @param appName - Names the token directory (Python's slug rules). @default "Unnamed Globus App"
   * @param options - `clientId`, `clientSecret`, `scopeRequirements`, `config`.
   * @throws {@link InvalidArgumentError} for a bad or unknown argument or option, an app name
   *   Python refuses, or an impossible login flow configuration.
   */
  constructor(appName: string, options: GlobusAppOptions) {
    super(appName, options, 'UserApp');
    this.loginFlowManager = resolveLoginFlowManager(this.appName, this.loginClient, this.config);
    this.addScopeRequirements({ [this.authResourceServer]: 'openid' });
  }

  protected obtainTokens(parameters: GlobusAuthorizationParameters, signal: AbortSignal | undefined): Promise<OAuthTokenResponse> {
    return this.loginFlowManager.runLoginFlow(parameters, signal === undefined ? {} : { signal });
  }

  protected leadingValidators(): TokenDataValidatorWithHook[] {
    const lifetime = this.config.requestRefreshTokens === true ? new HasRefreshTokensValidator() : new NotExpiredValidator();
    return [lifetime, new UnchangingIdentityIDValidator()];
  }
}
