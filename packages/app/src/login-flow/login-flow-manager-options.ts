import { InvalidArgumentError } from '@globus-tokenstorage/core';
import { checkedMilliseconds } from '@globus-tokenstorage/core/backend';
import type { ConfidentialAppAuthClient, NativeAppAuthClient } from '@globus-tokenstorage/authorizers';

/** The login clients a login flow manager drives. */
export type LoginClient = NativeAppAuthClient | ConfidentialAppAuthClient;

/** Options both login flow managers take (Python's `LoginFlowManager` arguments). */
export interface LoginFlowManagerOptions {
  /** Ask for refresh tokens (`access_type=offline`). @default false */
  readonly requestRefreshTokens?: boolean;
  /**
   * Name of the grant shown on the consent page and in the user's consents (`prefill_named_grant`),
   * for native clients only; an app passes `"{appName} on {hostname}"`. @default none
   */
  readonly nativePrefillNamedGrant?: string;
  /**
   * How long to wait for the user to finish logging in, in milliseconds; then the login fails with
   * `LoginFlowTimeoutError`. `Infinity` waits for ever. @default 3600000 (one hour, as Python's local server)
   */
  readonly timeoutMs?: number;
}

/** The option keys of {@link LoginFlowManagerOptions}, for `assertKnownOptions`. */
export const LOGIN_FLOW_MANAGER_OPTION_KEYS = ['requestRefreshTokens', 'nativePrefillNamedGrant', 'timeoutMs'] as const;

/** One hour: Python's `LocalServerLoginFlowManager` waits as long. */
export const DEFAULT_LOGIN_TIMEOUT_MS = 3_600_000;

/** {@link LoginFlowManagerOptions} after checking, with defaults applied. */
export interface CheckedLoginFlowManagerOptions {
  readonly requestRefreshTokens: boolean;
  readonly nativePrefillNamedGrant: string | undefined;
  readonly timeoutMs: number;
}

/**
 * Checks the login client and the options both managers share.
 *
 * @param client - The login client given to the manager.
 * @param options - The manager's options.
 * @param owner - The manager's class name, for messages.
 * @returns The options with their defaults.
 * @throws {@link InvalidArgumentError} for a client without the login-flow methods or a bad option.
 */
export function checkedLoginFlowManagerOptions(
  client: unknown,
  options: LoginFlowManagerOptions,
  owner: string,
): CheckedLoginFlowManagerOptions {
  const methods = ['oauth2StartFlow', 'oauth2GetAuthorizeUrl', 'oauth2ExchangeCodeForTokens'] as const;
  if (
    typeof client !== 'object' ||
    client === null ||
    methods.some((method) => typeof (client as Record<string, unknown>)[method] !== 'function')
  ) {
    throw new InvalidArgumentError(`${owner}: the login client must be a NativeAppAuthClient or a ConfidentialAppAuthClient`);
  }
  const requestRefreshTokens = options.requestRefreshTokens ?? false;
  if (typeof requestRefreshTokens !== 'boolean') throw new InvalidArgumentError(`${owner}: 'requestRefreshTokens' must be a boolean`);
  const prefill = options.nativePrefillNamedGrant;
  if (prefill !== undefined && (typeof prefill !== 'string' || prefill === '')) {
    throw new InvalidArgumentError(`${owner}: 'nativePrefillNamedGrant' must be a non-empty string`);
  }
  const timeoutMs = checkedMilliseconds(options.timeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS, 'timeoutMs');
  return { requestRefreshTokens, nativePrefillNamedGrant: prefill, timeoutMs };
}

/**
 * Whether the client is a confidential one (it has a secret; no PKCE, no named grant), told apart
 * by its methods so that two installed copies of the authorizers package both work.
 */
export function isConfidentialClient(client: LoginClient): client is ConfidentialAppAuthClient {
  return typeof (client as Partial<ConfidentialAppAuthClient>).oauth2ClientCredentialsTokens === 'function';
}
