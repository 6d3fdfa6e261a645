import { randomBytes } from 'node:crypto';
import type { Readable, Writable } from 'node:stream';
import { InvalidArgumentError, type OAuthTokenResponse } from '@globus-tokenstorage/core';
import { assertKnownOptions } from '@globus-tokenstorage/core/backend';
import type { GlobusAuthorizationParameters } from './authorization-parameters';
import type { LoginFlowManager, LoginFlowOptions } from './login-flow-manager';
import { checkedAuthorizationCode } from './login-flow/authorization-code';
import { startFlowAndGetAuthorizeUrl } from './login-flow/authorize-url';
import { withinLoginDeadline } from './login-flow/login-deadline';
import { CommandLineLoginFlowEOFError } from './login-flow/login-flow-errors';
import {
  checkedLoginFlowManagerOptions,
  LOGIN_FLOW_MANAGER_OPTION_KEYS,
  type CheckedLoginFlowManagerOptions,
  type LoginClient,
  type LoginFlowManagerOptions,
} from './login-flow/login-flow-manager-options';
import { readLine } from './login-flow/read-line';

/** Options of {@link CommandLineLoginFlowManager}. */
export interface CommandLineLoginFlowManagerOptions extends LoginFlowManagerOptions {
  /**
   * Where Auth sends the user after login. A native client's default page shows the code to copy;
   * a confidential client needs one of its registered redirect URIs.
   * @default `<auth base URL>/v2/web/auth-code` for a native client; required for a confidential one
   */
  readonly redirectUri?: string;
  /** Where the code is read from. @default process.stdin */
  readonly input?: Readable;
  /** Where the URL and the prompt are written. @default process.stdout */
  readonly output?: Writable;
}

const LOGIN_PROMPT = 'Please authenticate with Globus here:';
const CODE_PROMPT = 'Enter the resulting Authorization Code here: ';

/**
 * Logs a user in on the command line, as Python's `CommandLineLoginFlowManager`: prints the
 * authorize URL between dashed lines, asks for the authorization code the login shows, reads one
 * line, and exchanges the code for tokens.
 *
 * @example
 * ```ts
 * const client = new NativeAppAuthClient(CLIENT_ID);
 * const manager = new CommandLineLoginFlowManager(client, { requestRefreshTokens: true });
 * const response = await manager.runLoginFlow({ requiredScopes: ['openid', 'urn:globus:auth:scope:transfer.api.globus.org:all'] });
 * await storage.storeTokenResponse(response);
 * ```
 */
export class CommandLineLoginFlowManager implements LoginFlowManager {
  /** The client whose flow this manager drives. */
  readonly loginClient: LoginClient;
  readonly #options: CheckedLoginFlowManagerOptions;
  readonly #redirectUri: string | undefined;
  readonly #input: Readable | undefined;
  readonly #output: Writable | undefined;

  /**
   * @param loginClient - A `NativeAppAuthClient`, or a `ConfidentialAppAuthClient` with `redirectUri`.
   * @param options - See {@link CommandLineLoginFlowManagerOptions}.
   * @throws {@link InvalidArgumentError} for another client, a bad or unknown option.
   */
  constructor(loginClient: LoginClient, options: CommandLineLoginFlowManagerOptions = {}) {
    assertKnownOptions(options, [...LOGIN_FLOW_MANAGER_OPTION_KEYS, 'redirectUri', 'input', 'output'], 'CommandLineLoginFlowManager');
    this.#options = checkedLoginFlowManagerOptions(loginClient, options, 'CommandLineLoginFlowManager');
    if (options.redirectUri !== undefined && (typeof options.redirectUri !== 'string' || !URL.canParse(options.redirectUri))) {
      throw new InvalidArgumentError("CommandLineLoginFlowManager: 'redirectUri' must be an absolute URL");
    }
    if (options.input !== undefined && typeof options.input?.on !== 'function')
      throw new InvalidArgumentError("CommandLineLoginFlowManager: 'input' must be a readable stream");
    if (options.output !== undefined && typeof options.output?.write !== 'function')
      throw new InvalidArgumentError("CommandLineLoginFlowManager: 'output' must be a writable stream");
    this.loginClient = loginClient;
    this.#redirectUri = options.redirectUri;
    this.#input = options.input;
    this.#output = options.output;
  }

  /**
   * Prints the authorize URL, reads the code the user enters, and exchanges it.
   *
   * @param parameters - Scopes and session requirements of this login (`requiredScopes` is required).
   * @param options - `signal` cancels the login.
   * @returns The token response of the code exchange.
   * @throws {@link CommandLineLoginFlowEOFError} when the input ends before a code;
   *   {@link InvalidAuthorizationCodeError} for an entry that cannot be a code;
   *   {@link LoginFlowTimeoutError} after `timeoutMs`; {@link LoginFlowAbortedError} when `signal`
   *   aborts while waiting; {@link InvalidArgumentError} for bad parameters; `AuthAPIError` (and its
   *   subclasses) when Auth refuses the code or cannot be reached.
   */
  async runLoginFlow(parameters: GlobusAuthorizationParameters, options: LoginFlowOptions = {}): Promise<OAuthTokenResponse> {
    assertKnownOptions(options, ['signal'], 'runLoginFlow');
    const state = randomBytes(24).toString('base64url');
    const url = startFlowAndGetAuthorizeUrl(this.loginClient, parameters, this.#options, { redirectUri: this.#redirectUri, state });
    const input = this.#input ?? process.stdin;
    const output = this.#output ?? process.stdout;
    const dashes = '-'.repeat(LOGIN_PROMPT.length);
    output.write(`${LOGIN_PROMPT}\n${dashes}\n${url}\n${dashes}\n\n${CODE_PROMPT}`);
    const line = await withinLoginDeadline((signal) => readLine(input, signal), {
      timeoutMs: this.#options.timeoutMs,
      signal: options.signal,
      what: 'the authorization code',
    }).catch((error: unknown) => {
      output.write('\n'); // what is printed next starts on its own line, not after the prompt
      throw error;
    });
    if (line === null) {
      output.write('\n');
      throw new CommandLineLoginFlowEOFError('the input ended (EOF) where an authorization code was expected');
    }
    const code = checkedAuthorizationCode(line);
    return this.loginClient.oauth2ExchangeCodeForTokens(code, options.signal === undefined ? {} : { signal: options.signal });
  }
}
