import { homedir, hostname } from 'node:os';
import {
  CommandLineLoginFlowManager,
  defaultTokenFilePath,
  LocalServerLoginFlowManager,
  UserApp,
  type LoginFlowManager,
  type LoginFlowManagerContext,
} from '@globus-tokenstorage/app';
import type { NativeAppAuthClient } from '@globus-tokenstorage/authorizers';
import type { TokenStorageLike } from '@globus-tokenstorage/core';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import type { CommandContext } from './command';
import { CliError, ExitCodes } from './cli-error';

/** Python's default app name: a `UserApp` made without one shares this token directory. */
export const DEFAULT_APP_NAME = 'Unnamed Globus App';
/** What `login` asks for without `--scope`: enough to say who logged in. */
export const DEFAULT_SCOPES = 'openid profile email';
const OIDC_SCOPES = new Set(['openid', 'profile', 'email', 'offline_access']);

/** The options `login`, `logout` and `whoami` share (they name the app and its token file). */
export const APP_OPTIONS = {
  'client-id': { type: 'string', description: "the app's client ID (required)" },
  'app-name': {
    type: 'string',
    description: `the app's name; its slug names the token directory (default "${DEFAULT_APP_NAME}", as Python's UserApp)`,
  },
  'auth-base-url': {
    type: 'string',
    description:
      'base URL of Globus Auth or a server of the same shape (default from GLOBUS_SDK_ENVIRONMENT, else https://auth.globus.org)',
  },
  'auth-resource-server': { type: 'string', description: "resource server of the auth server's own tokens (default auth.globus.org)" },
} as const;

/** A `UserApp` for a command, and the token file it keeps its tokens in. */
export interface AppSession {
  app: UserApp;
  /** The app's storage; available once the app opened it (after `loginRequired()` or `login()`). */
  storage: () => TokenStorageLike;
  /** The app's token file (Python's default path). */
  tokenFile: () => string;
  /** The auth server's own resource server. */
  authResourceServer: string;
}

/** How a command uses the app. */
export interface AppSessionOptions {
  /** Scope strings the app requires. */
  scopes: readonly string[];
  /** `command-line` or `local-server`; `null` for commands that never log in. */
  flow: 'command-line' | 'local-server' | null;
  requestRefreshTokens?: boolean;
}

/**
 * Makes the `UserApp` the command line names, on Python's default JSON token file. A command that
 * never logs in gets no login flow and no re-login on invalid tokens.
 *
 * @throws {@link CliError} (usage) without `--client-id`, or for a scope without a resource server.
 */
export function openAppSession(context: CommandContext, options: AppSessionOptions): AppSession {
  const clientId = stringOption(context, 'client-id');
  if (clientId === undefined)
    throw new CliError('--client-id is required: the client ID of the app whose tokens these are', ExitCodes.USAGE);
  const appName = stringOption(context, 'app-name') ?? DEFAULT_APP_NAME;
  const authBaseUrl = stringOption(context, 'auth-base-url');
  const authResourceServer = stringOption(context, 'auth-resource-server') ?? 'auth.globus.org';
  let storage: { store: JSONTokenStorage; path: string } | null = null;
  const opened = () => {
    if (storage === null) throw new Error('the token storage is not open yet');
    return storage;
  };
  const loginFlowManager =
    options.flow === null ? neverLogsIn : flowManager(options.flow, appName, options.requestRefreshTokens ?? false, context.json);
  const app = new UserApp(appName, {
    clientId,
    scopeRequirements: scopeRequirementsOf(options.scopes, authResourceServer),
    config: {
      authResourceServer,
      ...(authBaseUrl === undefined ? {} : { authBaseUrl }),
      requestRefreshTokens: options.requestRefreshTokens ?? false,
      loginFlowManager,
      ...(options.flow === null ? { tokenValidationErrorHandler: null } : {}),
      tokenStorage: ({ clientId: id, appName: name, environment, namespace }) => {
        const path = defaultTokenFilePath(
          { clientId: id, appName: name, environment, extension: 'json' },
          { platform: process.platform, homedir: homedir(), env: process.env },
        );
        const store = new JSONTokenStorage(path, { namespace });
        storage = { store, path };
        return store;
      },
    },
  });
  return { app, storage: () => opened().store, tokenFile: () => opened().path, authResourceServer };
}

/**
 * The app's scope requirements from scope strings: `urn:globus:auth:scope:RS:NAME` and
 * `https://auth.globus.org/scopes/RS/NAME` belong to RS, the OpenID Connect scopes to the auth
 * server, and `RS=SCOPE` names its resource server.
 *
 * @throws {@link CliError} (usage) for a scope whose resource server cannot be told.
 */
export function scopeRequirementsOf(scopes: readonly string[], authResourceServer: string): Record<string, string[]> {
  const requirements: Record<string, string[]> = {};
  for (const scope of scopes) {
    const [resourceServer, value] = resourceServerOf(scope, authResourceServer);
    (requirements[resourceServer] ??= []).push(value);
  }
  return requirements;
}

function resourceServerOf(scope: string, authResourceServer: string): [string, string] {
  const explicit = /^([^=\s]+)=(\S+)$/.exec(scope);
  if (explicit) return [explicit[1] as string, explicit[2] as string];
  if (OIDC_SCOPES.has(scope)) return [authResourceServer, scope];
  const urn = /^urn:globus:auth:scope:([^:\s]+):\S+$/.exec(scope);
  if (urn) return [urn[1] as string, scope];
  const url = /^https:\/\/auth\.globus\.org\/scopes\/([^/\s]+)\/\S+$/.exec(scope);
  if (url) return [url[1] as string, scope];
  throw new CliError(`cannot tell the resource server of the scope '${scope}': write it as RESOURCE_SERVER=${scope}`, ExitCodes.USAGE);
}

/** The login flow manager of `--flow`; with `--json` its prompts go to stderr, keeping stdout JSON. */
function flowManager(flow: 'command-line' | 'local-server', appName: string, requestRefreshTokens: boolean, json: boolean) {
  return ({ loginClient }: LoginFlowManagerContext): LoginFlowManager => {
    const options = { requestRefreshTokens, nativePrefillNamedGrant: `${appName} on ${hostname()}` };
    // The CLI never has a client secret: its app is always a native one.
    const client = loginClient as NativeAppAuthClient;
    if (flow === 'local-server') return new LocalServerLoginFlowManager(client, options);
    return new CommandLineLoginFlowManager(client, { ...options, output: json ? process.stderr : process.stdout });
  };
}

/** The flow of commands that must never log in (`logout`, `whoami`). */
const neverLogsIn: LoginFlowManager = {
  runLoginFlow: () => Promise.reject(new CliError('not logged in: run globus-tokens login', ExitCodes.NOT_FOUND)),
};

function stringOption(context: CommandContext, name: string): string | undefined {
  const value = context.values[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.trim() === '') throw new CliError(`--${name} needs a value`, ExitCodes.USAGE);
  return value;
}
