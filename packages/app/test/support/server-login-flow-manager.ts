// A LoginFlowManager for tests: the real local auth server's login and consent pages (driven by its
// `login()` through the control endpoint), then the real code exchange. It records every login's
// parameters, so tests can check what a login asked for.
import type { OAuthTokenResponse } from '@globus-tokenstorage/core';
import type { ConfidentialAppAuthClient, NativeAppAuthClient } from '@globus-tokenstorage/authorizers';
import type { GlobusAuthorizationParameters, LoginFlowManager } from '@globus-tokenstorage/app';

/** Where the local auth server's control endpoint is, and who logs in. */
export interface ServerLoginOptions {
  controlUrl: string;
  username: string;
  requestRefreshTokens: boolean;
}

/** Logs in through the local auth server's real pages. */
export class ServerLoginFlowManager implements LoginFlowManager {
  /** The parameters of every login run, in order. */
  readonly logins: GlobusAuthorizationParameters[] = [];

  constructor(
    private readonly client: NativeAppAuthClient | ConfidentialAppAuthClient,
    private readonly options: ServerLoginOptions,
  ) {}

  async runLoginFlow(parameters: GlobusAuthorizationParameters): Promise<OAuthTokenResponse> {
    this.logins.push(parameters);
    const client = this.client as NativeAppAuthClient;
    client.oauth2StartFlow({ requestedScopes: [...(parameters.requiredScopes ?? [])], refreshTokens: this.options.requestRefreshTokens });
    const authorizeUrl = client.oauth2GetAuthorizeUrl({
      ...(parameters.sessionMessage === undefined ? {} : { sessionMessage: parameters.sessionMessage }),
      ...(parameters.sessionRequiredMfa === undefined ? {} : { sessionRequiredMfa: parameters.sessionRequiredMfa }),
      ...(parameters.prompt === undefined ? {} : { prompt: parameters.prompt }),
    });
    const response = await fetch(`${this.options.controlUrl}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ authorizeUrl, username: this.options.username }),
    });
    const answer = (await response.json()) as { code?: string; error?: string };
    if (!response.ok || answer.code === undefined) throw new Error(`login failed: ${answer.error ?? response.status}`);
    return client.oauth2ExchangeCodeForTokens(answer.code);
  }
}
