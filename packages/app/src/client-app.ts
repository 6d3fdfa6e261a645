import {
  ExpiredTokenError,
  InvalidArgumentError,
  MissingTokenError,
  NotExpiredValidator,
  type OAuthTokenResponse,
  type TokenDataValidatorWithHook,
  type TokenValidationError,
} from '@globus-tokenstorage/core';
import type { ConfidentialAppAuthClient } from '@globus-tokenstorage/authorizers';
import type { GlobusAuthorizationParameters } from './authorization-parameters';
import { GlobusApp, type GlobusAppOptions } from './globus-app';

/** What a `ClientApp` is made from: a confidential client's ID and secret. */
export interface ClientAppOptions extends GlobusAppOptions {
  /** The client secret. */
  clientSecret: string;
}

/**
 * An app that acts as itself (a service account): Python's `ClientApp`. Tokens come from the
 * client-credentials grant; when they expire, the app obtains new ones (inside the storage's
 * critical section, so processes of one app do it once). A login flow manager is refused.
 *
 * @example
 * ```ts
 * const app = new ClientApp('My Service', { clientId, clientSecret, scopeRequirements: { 'transfer.api.globus.org': TRANSFER_ALL } });
 * const header = await app.getAuthorizer('transfer.api.globus.org').getAuthorizationHeader();
 * ```
 */
export class ClientApp extends GlobusApp {
  /** `"ClientApp"`, also in minified bundles. */
  static override get name(): string {
    return 'ClientApp';
  }

  /**
   * Checks everything and does no I/O.
   *
   * @throws {@link InvalidArgumentError} without a client secret, with `loginFlowManager` or
   *   `loginRedirectUri` or `requestRefreshTokens`, and for any bad or unknown option.
   */
  constructor(appName: string, options: ClientAppOptions) {
    if (typeof options === 'object' && options !== null) {
      if (options.clientSecret === undefined) throw new InvalidArgumentError('ClientApp needs a clientSecret (client credentials)');
      for (const key of ['loginFlowManager', 'loginRedirectUri', 'requestRefreshTokens'] as const) {
        if (options.config?.[key] !== undefined)
          throw new InvalidArgumentError(`ClientApp does not take '${key}': it logs in with client credentials`);
      }
    }
    super(appName, options, 'ClientApp');
  }

  protected obtainTokens(parameters: GlobusAuthorizationParameters, signal: AbortSignal | undefined): Promise<OAuthTokenResponse> {
    const client = this.loginClient as ConfidentialAppAuthClient;
    return client.oauth2ClientCredentialsTokens(
      parameters.requiredScopes ?? this.requiredScopeStrings(),
      signal === undefined ? {} : { signal },
    );
  }

  protected leadingValidators(): TokenDataValidatorWithHook[] {
    return [new NotExpiredValidator()];
  }

  /** New client-credentials tokens replace missing or expired ones whatever the handler; other errors go to it. */
  protected override async handleValidationError(error: TokenValidationError): Promise<void> {
    if (ExpiredTokenError.isInstance(error) || MissingTokenError.isInstance(error)) return this.login({ force: true });
    return super.handleValidationError(error);
  }
}
