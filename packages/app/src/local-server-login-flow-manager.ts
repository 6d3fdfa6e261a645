import { randomBytes } from 'node:crypto';
import { InvalidArgumentError, type OAuthTokenResponse } from '@globus-tokenstorage/core';
import { assertKnownOptions } from '@globus-tokenstorage/core/backend';
import type { GlobusAuthorizationParameters } from './authorization-parameters';
import type { LoginFlowManager, LoginFlowOptions } from './login-flow-manager';
import { startFlowAndGetAuthorizeUrl } from './login-flow/authorize-url';
import { withinLoginDeadline } from './login-flow/login-deadline';
import { LocalServerEnvironmentError } from './login-flow/login-flow-errors';
import {
  checkedLoginFlowManagerOptions,
  isConfidentialClient,
  LOGIN_FLOW_MANAGER_OPTION_KEYS,
  type CheckedLoginFlowManagerOptions,
  type LoginFlowManagerOptions,
} from './login-flow/login-flow-manager-options';
import { startRedirectServer } from './login-flow/redirect-server';
import { assertGraphicalBrowserAvailable, openSystemBrowser } from './login-flow/system-browser';
import type { NativeAppAuthClient } from '@globus-tokenstorage/authorizers';

/** Options of {@link LocalServerLoginFlowManager}. */
export interface LocalServerLoginFlowManagerOptions extends LoginFlowManagerOptions {
  /**
   * Opens the authorize URL for the user. A function given here replaces the system browser and
   * its environment checks (SSH, text-only browser). A rejection fails the login with
   * `LocalServerEnvironmentError`.
   * @default the system browser: `BROWSER`, else `open` (macOS), `start` (Windows) or `xdg-open`
   */
  readonly openBrowser?: (url: string) => void | Promise<void>;
  /** Path of the redirect URI `http://127.0.0.1:{port}{redirectPath}`. @default "/callback" */
  readonly redirectPath?: string;
  /** Text of the landing page after a successful login. @default "You have logged in. You may close this tab and return to the application." */
  readonly successMessage?: string;
}

const DEFAULT_SUCCESS = 'You have logged in. You may close this tab and return to the application.';
const FAILURE = 'The login did not complete. You may close this tab and return to the application.';

/**
 * Logs a user in through the system browser, as Python's `LocalServerLoginFlowManager` (native
 * clients only): listens on a free port of `127.0.0.1`, opens the authorize URL with the redirect
 * URI `http://127.0.0.1:{port}/callback`, and takes the code from the one redirect of this login —
 * the right path and the right `state`; anything else gets 404 / 400 and the login keeps waiting.
 * The browser then shows a small landing page. The server is closed when the login ends, however it ends.
 *
 * Refuses in an SSH session and with a text-only `BROWSER` (use {@link CommandLineLoginFlowManager}).
 *
 * @example
 * ```ts
 * const manager = new LocalServerLoginFlowManager(new NativeAppAuthClient(CLIENT_ID), { requestRefreshTokens: true });
 * const response = await manager.runLoginFlow({ requiredScopes: ['openid', 'profile'] }, { signal: AbortSignal.timeout(600_000) });
 * ```
 */
export class LocalServerLoginFlowManager implements LoginFlowManager {
  /** The client whose flow this manager drives. */
  readonly loginClient: NativeAppAuthClient;
  readonly #options: CheckedLoginFlowManagerOptions;
  readonly #openBrowser: ((url: string) => void | Promise<void>) | undefined;
  readonly #redirectPath: string;
  readonly #successMessage: string;

  /**
   * @param loginClient - A `NativeAppAuthClient`.
   * @param options - See {@link LocalServerLoginFlowManagerOptions}.
   * @throws {@link InvalidArgumentError} for a confidential client (its redirect URIs are
   *   registered, a random local port cannot be), a bad or unknown option.
   */
  constructor(loginClient: NativeAppAuthClient, options: LocalServerLoginFlowManagerOptions = {}) {
    assertKnownOptions(
      options,
      [...LOGIN_FLOW_MANAGER_OPTION_KEYS, 'openBrowser', 'redirectPath', 'successMessage'],
      'LocalServerLoginFlowManager',
    );
    this.#options = checkedLoginFlowManagerOptions(loginClient, options, 'LocalServerLoginFlowManager');
    if (isConfidentialClient(loginClient)) {
      throw new InvalidArgumentError(
        'LocalServerLoginFlowManager works with native clients only; a confidential client logs users in with CommandLineLoginFlowManager and a registered redirectUri',
      );
    }
    if (options.openBrowser !== undefined && typeof options.openBrowser !== 'function')
      throw new InvalidArgumentError("LocalServerLoginFlowManager: 'openBrowser' must be a function");
    const redirectPath = options.redirectPath ?? '/callback';
    if (typeof redirectPath !== 'string' || !/^\/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*$/.test(redirectPath)) {
      throw new InvalidArgumentError("LocalServerLoginFlowManager: 'redirectPath' must be a URL path starting with '/'");
    }
    const successMessage = options.successMessage ?? DEFAULT_SUCCESS;
    if (typeof successMessage !== 'string')
      throw new InvalidArgumentError("LocalServerLoginFlowManager: 'successMessage' must be a string");
    this.loginClient = loginClient;
    this.#openBrowser = options.openBrowser;
    this.#redirectPath = redirectPath;
    this.#successMessage = successMessage;
  }

  /**
   * Runs one login in the browser and exchanges the code it brings back.
   *
   * @param parameters - Scopes and session requirements of this login (`requiredScopes` is required).
   * @param options - `signal` cancels the login.
   * @returns The token response of the code exchange.
   * @throws {@link LocalServerEnvironmentError} in an SSH session, with a text-only browser, or
   *   when no browser starts; `LoginCallbackError` (from core) when the server redirects with an
   *   `error` (`reason`: e.g. `access_denied`; `description`); {@link LoginFlowTimeoutError} after
   *   `timeoutMs`; {@link LoginFlowAbortedError} when `signal` aborts; {@link InvalidArgumentError}
   *   for bad parameters; `AuthAPIError` (and its subclasses) when Auth refuses the code.
   */
  async runLoginFlow(parameters: GlobusAuthorizationParameters, options: LoginFlowOptions = {}): Promise<OAuthTokenResponse> {
    assertKnownOptions(options, ['signal'], 'runLoginFlow');
    if (this.#openBrowser === undefined) assertGraphicalBrowserAvailable(process.env);
    const server = await startRedirectServer(this.#redirectPath, { success: this.#successMessage, failure: FAILURE });
    let code: string;
    try {
      const state = randomBytes(24).toString('base64url');
      const url = startFlowAndGetAuthorizeUrl(this.loginClient, parameters, this.#options, { redirectUri: server.redirectUri, state });
      code = await withinLoginDeadline(
        (signal) =>
          new Promise<string>((resolve, reject) => {
            server.waitForCode(state, signal).then(resolve, reject);
            this.#open(url, reject).catch(reject);
          }),
        { timeoutMs: this.#options.timeoutMs, signal: options.signal, what: 'the browser login' },
      );
    } finally {
      await server.close();
    }
    return this.loginClient.oauth2ExchangeCodeForTokens(code, options.signal === undefined ? {} : { signal: options.signal });
  }

  /**
   * Opens the URL.
   *
   * @param onFailure - Called if the system browser's opener exits with an error later on.
   * @returns Once the browser was asked to open it.
   * @throws {@link LocalServerEnvironmentError} when the browser cannot be started or `openBrowser` fails.
   */
  async #open(url: string, onFailure: (error: LocalServerEnvironmentError) => void): Promise<void> {
    if (this.#openBrowser === undefined) return openSystemBrowser(url, process.env, onFailure);
    try {
      await this.#openBrowser(url);
    } catch (error) {
      throw new LocalServerEnvironmentError('openBrowser failed to open the login page; log in with the command-line flow instead', {
        cause: error,
      });
    }
  }
}
