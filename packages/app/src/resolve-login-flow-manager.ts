import { hostname } from 'node:os';
import { InvalidArgumentError } from '@globus-tokenstorage/core';
import { ConfidentialAppAuthClient, type NativeAppAuthClient } from '@globus-tokenstorage/authorizers';
import { CommandLineLoginFlowManager } from './command-line-login-flow-manager';
import type { GlobusAppConfig } from './globus-app-config';
import { LocalServerLoginFlowManager } from './local-server-login-flow-manager';
import type { LoginFlowManager } from './login-flow-manager';

/**
 * The login flow manager a `UserApp`'s configuration names, as Python's `GlobusAppConfig`
 * resolves it: `'command-line'` by default, `'local-server'` (native clients only), an instance,
 * or a provider. The grant is named `"{appName} on {hostname}"`.
 *
 * @throws {@link InvalidArgumentError} for another value, `'local-server'` with a confidential
 *   client or with `loginRedirectUri`, a confidential client's command line without
 *   `loginRedirectUri`, or a provider that returns no manager.
 */
export function resolveLoginFlowManager(
  appName: string,
  loginClient: NativeAppAuthClient | ConfidentialAppAuthClient,
  config: Readonly<GlobusAppConfig>,
): LoginFlowManager {
  const choice = config.loginFlowManager ?? 'command-line';
  const requestRefreshTokens = config.requestRefreshTokens ?? false;
  const confidential = loginClient instanceof ConfidentialAppAuthClient;
  const common = { requestRefreshTokens, ...(confidential ? {} : { nativePrefillNamedGrant: `${appName} on ${hostname()}` }) };
  const redirectUri = config.loginRedirectUri;
  if (redirectUri !== undefined && (typeof redirectUri !== 'string' || !URL.canParse(redirectUri))) {
    throw new InvalidArgumentError("'loginRedirectUri' must be an absolute URL");
  }
  if (choice === 'command-line') {
    if (confidential && redirectUri === undefined) {
      throw new InvalidArgumentError(
        "a UserApp with a client secret needs 'loginRedirectUri' (one of the client's registered redirect URIs)",
      );
    }
    return new CommandLineLoginFlowManager(loginClient, { ...common, ...(redirectUri === undefined ? {} : { redirectUri }) });
  }
  if (choice === 'local-server') {
    if (redirectUri !== undefined)
      throw new InvalidArgumentError("'loginRedirectUri' cannot be used with the 'local-server' login flow (it chooses its own)");
    if (confidential) throw new InvalidArgumentError("the 'local-server' login flow needs a native client (no client secret)");
    return new LocalServerLoginFlowManager(loginClient, common);
  }
  const manager: unknown = typeof choice === 'function' ? choice({ appName, loginClient, config }) : choice;
  if (typeof manager !== 'object' || manager === null || typeof (manager as LoginFlowManager).runLoginFlow !== 'function') {
    throw new InvalidArgumentError(
      "'loginFlowManager' must be 'command-line', 'local-server', a LoginFlowManager or a function returning one",
    );
  }
  return manager as LoginFlowManager;
}
