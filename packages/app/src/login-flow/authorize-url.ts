import { InvalidArgumentError } from '@globus-tokenstorage/core';
import { assertKnownOptions } from '@globus-tokenstorage/core/backend';
import type { AuthorizeUrlOptions } from '@globus-tokenstorage/authorizers';
import type { GlobusAuthorizationParameters } from '../authorization-parameters';
import { isConfidentialClient, type CheckedLoginFlowManagerOptions, type LoginClient } from './login-flow-manager-options';

const PARAMETER_KEYS = [
  'requiredScopes',
  'sessionMessage',
  'sessionRequiredIdentities',
  'sessionRequiredSingleDomain',
  'sessionRequiredPolicies',
  'sessionRequiredMfa',
  'prompt',
];

/** What one login needs besides the parameters: where Auth sends the user back, and the `state`. */
export interface FlowTarget {
  /** The redirect URI; `undefined` lets a native client use Globus's "copy this code" page. */
  readonly redirectUri: string | undefined;
  /** The `state` sent, and expected back with the code. */
  readonly state: string;
}

/**
 * Starts the client's authorization-code flow and builds the authorize URL, as Python's
 * `LoginFlowManager._get_authorize_url`: the required scopes, refresh tokens on request, the named
 * grant (native clients), and the session parameters (`session_required_identities`,
 * `session_required_single_domain`, `session_required_policies`, `session_required_mfa`,
 * `session_message`, `prompt`).
 *
 * @param client - The login client; its flow is replaced.
 * @param parameters - What this login asks for.
 * @param options - The manager's checked options.
 * @param target - Redirect URI and state.
 * @returns The URL to send the user to.
 * @throws {@link InvalidArgumentError} for parameters without scopes or of the wrong shape, or a
 *   confidential client without a redirect URI.
 */
export function startFlowAndGetAuthorizeUrl(
  client: LoginClient,
  parameters: GlobusAuthorizationParameters,
  options: CheckedLoginFlowManagerOptions,
  target: FlowTarget,
): string {
  assertKnownOptions(parameters, PARAMETER_KEYS, 'GlobusAuthorizationParameters');
  const scopes = parameters.requiredScopes;
  if (!Array.isArray(scopes) || scopes.length === 0 || scopes.some((scope) => typeof scope !== 'string' || scope.trim() === '')) {
    throw new InvalidArgumentError('a login needs requiredScopes: a non-empty list of scope strings');
  }
  if (isConfidentialClient(client)) {
    if (target.redirectUri === undefined) {
      throw new InvalidArgumentError('a confidential client needs a redirectUri (one registered with the client) to log a user in');
    }
    client.oauth2StartFlow({
      requestedScopes: scopes,
      redirectUri: target.redirectUri,
      state: target.state,
      refreshTokens: options.requestRefreshTokens,
    });
  } else {
    client.oauth2StartFlow({
      requestedScopes: scopes,
      state: target.state,
      refreshTokens: options.requestRefreshTokens,
      ...(target.redirectUri === undefined ? {} : { redirectUri: target.redirectUri }),
      ...(options.nativePrefillNamedGrant === undefined ? {} : { prefillNamedGrant: options.nativePrefillNamedGrant }),
    });
  }
  return client.oauth2GetAuthorizeUrl(sessionParameters(parameters));
}

/** The session parameters of `parameters`, as `oauth2GetAuthorizeUrl` takes them (undefined ones left out). */
function sessionParameters(parameters: GlobusAuthorizationParameters): AuthorizeUrlOptions {
  const session: AuthorizeUrlOptions = {};
  if (parameters.sessionRequiredIdentities !== undefined) session.sessionRequiredIdentities = parameters.sessionRequiredIdentities;
  if (parameters.sessionRequiredSingleDomain !== undefined) session.sessionRequiredSingleDomain = parameters.sessionRequiredSingleDomain;
  if (parameters.sessionRequiredPolicies !== undefined) session.sessionRequiredPolicies = parameters.sessionRequiredPolicies;
  if (parameters.sessionRequiredMfa !== undefined) session.sessionRequiredMfa = parameters.sessionRequiredMfa;
  if (parameters.sessionMessage !== undefined) session.sessionMessage = parameters.sessionMessage;
  if (parameters.prompt !== undefined) session.prompt = parameters.prompt;
  return session;
}
