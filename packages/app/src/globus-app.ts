import {
  AuthAPIError,
  IdentityMismatchError,
  InvalidArgumentError,
  type Scope,
  ScopeRequirementsValidator,
  hasRunExclusive,
  StorageClosedError,
  TokenValidationError,
  ValidatingTokenStorage,
  type ConsentClient,
  type OAuthTokenResponse,
  type TokenDataValidatorWithHook,
  type TokenStorageLike,
} from '@globus-tokenstorage/core';
import { assertKnownOptions, checkedMilliseconds } from '@globus-tokenstorage/core/backend';
import { authorizedFetch, ConfidentialAppAuthClient, NativeAppAuthClient, StorageBackedAuthorizer } from '@globus-tokenstorage/authorizers';
import { AppAuthorizer, type InnerAuthorizerSlot } from './app-authorizer';
import type { GlobusAuthorizationParameters } from './authorization-parameters';
import { slugifyAppName } from './default-token-path';
import { authBaseUrlOf, resolveEnvironment } from './environment';
import { authorizationParametersOfGare } from './gare';
import { GLOBUS_APP_CONFIG_KEYS, type GlobusAppConfig, type TokenValidationErrorHandler } from './globus-app-config';
import { GlobusSdkManager, type GlobusSdkManagerOptions } from './globus-sdk-manager';
import { runLoginExclusively } from './login-section';
import { RecoveringTokenStorage } from './recovering-token-storage';
import { mergeScopeRequirements, parseScopeRequirements, type ScopeRequirementsInput } from './scope-requirements';
import { checkTokenStorageChoice, openTokenStorage } from './token-storage-config';

/** What `UserApp` and `ClientApp` are made from (besides the app name). */
export interface GlobusAppOptions {
  /** The app's client ID (registered at Globus Auth). */
  clientId: string;
  /** The client secret of a confidential client. @default none (a native app) */
  clientSecret?: string;
  /** The scopes the app needs, by resource server. */
  scopeRequirements: ScopeRequirementsInput;
  /** See {@link GlobusAppConfig}. @default `{}` */
  config?: GlobusAppConfig;
}

/** Options of {@link GlobusApp.login}. */
export interface LoginOptions {
  /** Extra requirements of this login (e.g. from a 403's Globus Auth requirements); implies a login. @default none */
  authParams?: GlobusAuthorizationParameters;
  /** Log in even if the stored tokens are valid. @default false */
  force?: boolean;
  /** Cancels the wait for another process's login and the login flow. @default none */
  signal?: AbortSignal;
}

/** Options of {@link GlobusApp.logout}. */
export interface LogoutOptions {
  /** Revoke and remove every token of the namespace, not only those of the app's scope requirements. @default false */
  sweep?: boolean;
}

/** The storage of an app, once open. */
interface OpenStorage {
  inner: TokenStorageLike;
  validating: ValidatingTokenStorage;
  /** What the authorizers read: `validating`, recovering from validation errors. */
  recovering: RecoveringTokenStorage;
  owned: boolean;
}

const DEFAULT_LOGIN_WAIT_TIMEOUT_MS = 15 * 60 * 1000;
const DEFAULT_AUTH_RESOURCE_SERVER = 'auth.globus.org';

/**
 * What `UserApp` and `ClientApp` share: Python's `GlobusApp`. Keeps the app's tokens in a storage
 * (Python's file by default), validates them on every read, logs in when they are missing or no
 * longer valid, and hands out authorizers that renew them once across processes.
 */
export abstract class GlobusApp implements AsyncDisposable {
  /** The app's name (its slug names the token directory). */
  readonly appName: string;
  /** The app's client ID. */
  readonly clientId: string;
  /** The Globus environment. */
  readonly environment: string;
  /** The namespace of the app's tokens. */
  readonly namespace: string;
  /** The auth server's base URL. */
  readonly authBaseUrl: string;
  /** The login client (native, or confidential with a secret). */
  readonly loginClient: NativeAppAuthClient | ConfidentialAppAuthClient;
  /** The configuration as given. */
  readonly config: Readonly<GlobusAppConfig>;
  /** Resource server of the auth server's own tokens. */
  protected readonly authResourceServer: string;
  #scopeRequirements: Record<string, Scope[]>;
  #storage: Promise<OpenStorage> | null = null;
  /** The inner authorizer of each resource server, emptied after each login and logout. */
  readonly #slots = new Map<string, InnerAuthorizerSlot>();
  readonly #appAuthorizers = new Map<string, AppAuthorizer>();
  #login: Promise<void> | null = null;
  #closed = false;
  readonly #loginWaitTimeoutMs: number;
  readonly #handler: TokenValidationErrorHandler<GlobusApp> | null;

  /**
   * Checks everything without I/O: the storage is opened at first use.
   *
   * @throws {@link InvalidArgumentError} for a bad name (Python's refusals), client ID, scope
   *   requirement or option, and for an unknown option.
   */
  protected constructor(appName: string, options: GlobusAppOptions, ownerName: string) {
    if (typeof appName !== 'string') throw new InvalidArgumentError(`${ownerName}: appName must be a string`);
    slugifyAppName(appName);
    assertKnownOptions(options, ['clientId', 'clientSecret', 'scopeRequirements', 'config'], ownerName);
    const config = options.config ?? {};
    assertKnownOptions(config, GLOBUS_APP_CONFIG_KEYS, `${ownerName} config`);
    if (typeof options.clientId !== 'string' || options.clientId === '')
      throw new InvalidArgumentError(`${ownerName}: clientId must be a non-empty string`);
    if (options.clientSecret !== undefined && (typeof options.clientSecret !== 'string' || options.clientSecret === '')) {
      throw new InvalidArgumentError(`${ownerName}: clientSecret must be a non-empty string`);
    }
    checkTokenStorageChoice(config);
    for (const key of ['requestRefreshTokens', 'autoRedriveGares'] as const) {
      if (config[key] !== undefined && typeof config[key] !== 'boolean') throw new InvalidArgumentError(`'${key}' must be a boolean`);
    }
    const handler = config.tokenValidationErrorHandler === undefined ? defaultValidationErrorHandler : config.tokenValidationErrorHandler;
    if (handler !== null && typeof handler !== 'function')
      throw new InvalidArgumentError("'tokenValidationErrorHandler' must be a function or null");
    const namespace = config.namespace ?? (typeof config.tokenStorage === 'object' ? config.tokenStorage.namespace : 'DEFAULT');
    if (typeof namespace !== 'string' || namespace === '') throw new InvalidArgumentError("'namespace' must be a non-empty string");
    const authResourceServer = config.authResourceServer ?? DEFAULT_AUTH_RESOURCE_SERVER;
    if (typeof authResourceServer !== 'string' || authResourceServer === '')
      throw new InvalidArgumentError("'authResourceServer' must be a non-empty string");
    const wait = checkedMilliseconds(config.loginWaitTimeoutMs ?? DEFAULT_LOGIN_WAIT_TIMEOUT_MS, 'loginWaitTimeoutMs');

    this.appName = appName;
    this.clientId = options.clientId;
    this.config = Object.freeze({ ...config });
    this.environment = resolveEnvironment(config.environment, process.env);
    this.namespace = namespace;
    this.authBaseUrl = config.authBaseUrl ?? authBaseUrlOf(this.environment);
    this.authResourceServer = authResourceServer;
    this.#loginWaitTimeoutMs = wait;
    this.#handler = handler as TokenValidationErrorHandler<GlobusApp> | null;
    const clientOptions = {
      baseUrl: this.authBaseUrl,
      ...(config.idTokenDecoder === undefined ? {} : { idTokenDecoder: config.idTokenDecoder }),
    };
    this.loginClient =
      options.clientSecret === undefined
        ? new NativeAppAuthClient(options.clientId, clientOptions)
        : new ConfidentialAppAuthClient(options.clientId, options.clientSecret, clientOptions);
    this.#scopeRequirements = parseScopeRequirements(options.scopeRequirements);
  }

  /** A copy of the scope requirements, by resource server. */
  get scopeRequirements(): Record<string, Scope[]> {
    return Object.fromEntries(Object.entries(this.#scopeRequirements).map(([resourceServer, scopes]) => [resourceServer, [...scopes]]));
  }

  /**
   * Adds scope requirements (merged with those of the same resource server). Tokens stored before
   * no longer meet them, so the next use logs in again.
   *
   * @throws {@link InvalidArgumentError} or `ScopeParseError` for bad requirements.
   */
  addScopeRequirements(requirements: ScopeRequirementsInput): void {
    this.#assertOpen();
    this.#scopeRequirements = mergeScopeRequirements(this.#scopeRequirements, parseScopeRequirements(requirements));
    this.#forgetInnerAuthorizers();
    void this.#storage?.then(
      (opened) => this.#installValidators(opened.validating),
      () => undefined,
    );
  }

  /**
   * Whether a login is needed: a token of a required resource server is missing or fails validation.
   *
   * @throws Storage errors (a `TokenStorageError` subclass), not validation errors.
   */
  async loginRequired(): Promise<boolean> {
    const { validating } = await this.#open();
    for (const resourceServer of Object.keys(this.#scopeRequirements)) {
      try {
        await validating.getTokenData(resourceServer);
      } catch (error) {
        if (TokenValidationError.isInstance(error)) return true;
        throw error;
      }
    }
    return false;
  }

  /**
   * Logs in when `authParams` or `force` is given or {@link GlobusApp.loginRequired} says so. While
   * another process of the app (same storage) logs in, waits for it and adopts its tokens.
   *
   * @throws {@link LoginWaitTimeoutError} when another process's login lasts longer than `loginWaitTimeoutMs`.
   * @throws The login flow's errors; validation errors of the new tokens (e.g. `IdentityMismatchError`).
   */
  async login(options: LoginOptions = {}): Promise<void> {
    assertKnownOptions(options, ['authParams', 'force', 'signal'], 'login');
    const { authParams, force = false, signal } = options;
    if (authParams !== undefined && (typeof authParams !== 'object' || authParams === null))
      throw new InvalidArgumentError("'authParams' must be an object");
    if (typeof force !== 'boolean') throw new InvalidArgumentError("'force' must be a boolean");
    if (authParams === undefined && !force && !(await this.loginRequired())) return;
    // Logins of one process share one run, unless they carry their own requirements.
    if (authParams === undefined && this.#login !== null) return this.#login;
    const run = this.#loginOnce(authParams, force, signal);
    if (authParams === undefined) {
      this.#login = run;
      const settle = () => {
        if (this.#login === run) this.#login = null;
      };
      run.then(settle, settle);
    }
    return run;
  }

  /**
   * Revokes the app's tokens at the auth server, then removes them from storage.
   *
   * @throws {@link AuthAPIError} when a revocation fails (the tokens then stay stored).
   */
  async logout(options: LogoutOptions = {}): Promise<void> {
    assertKnownOptions(options, ['sweep'], 'logout');
    const { inner } = await this.#open();
    this.#forgetInnerAuthorizers();
    const stored = await inner.getTokenDataByResourceServer();
    const targets =
      options.sweep === true ? Object.keys(stored) : Object.keys(this.#scopeRequirements).filter((rs) => Object.hasOwn(stored, rs));
    for (const resourceServer of targets) {
      const token = stored[resourceServer];
      if (token === undefined) continue;
      await this.loginClient.oauth2RevokeToken(token.accessToken);
      if (token.refreshToken !== null) await this.loginClient.oauth2RevokeToken(token.refreshToken);
      await inner.removeTokenData(resourceServer);
    }
  }

  /**
   * The authorizer of a resource server (one per resource server, made once).
   *
   * @throws {@link InvalidArgumentError} for an empty resource server.
   */
  getAuthorizer(resourceServer: string): AppAuthorizer {
    // `close()` empties the map, so a closed app always takes the checks below.
    const made = this.#appAuthorizers.get(resourceServer);
    if (made !== undefined) return made;
    this.#assertOpen();
    if (typeof resourceServer !== 'string' || resourceServer === '')
      throw new InvalidArgumentError('resourceServer must be a non-empty string');
    const slot: InnerAuthorizerSlot = { inner: null };
    this.#slots.set(resourceServer, slot);
    const authorizer = new AppAuthorizer(resourceServer, slot, {
      fill: (target) => this.#fillSlot(resourceServer, target),
      recover: (error) => this.handleValidationError(error),
    });
    this.#appAuthorizers.set(resourceServer, authorizer);
    return authorizer;
  }

  /**
   * `fetch` with the resource server's token: one renewal-and-retry on a `401` (as `authorizedFetch`),
   * and with `autoRedriveGares`, on a `403` whose JSON body carries Globus Auth requirements, a
   * login with those requirements and one retry. A body that cannot be sent again (a stream) is not retried.
   *
   * @returns The response.
   * @throws The authorizer's errors; the login's errors.
   */
  async authorizedFetch(resourceServer: string, input: string | URL, init?: RequestInit): Promise<Response> {
    const authorizer = this.getAuthorizer(resourceServer);
    const response = await authorizedFetch(authorizer, input, init);
    if (response.status !== 403 || this.config.autoRedriveGares !== true || !isReplayable(init?.body)) return response;
    let body: unknown;
    try {
      body = await response.clone().json();
    } catch {
      return response;
    }
    const authParams = authorizationParametersOfGare(body);
    if (authParams === null) return response;
    await response.body?.cancel();
    await this.login({ authParams });
    return authorizedFetch(authorizer, input, init);
  }

  /**
   * A `manager` for the service methods of the official `@globus/sdk` (v6): its synchronous
   * `tokens.getByResourceServer` answers from a snapshot this app keeps fresh, and its
   * `refreshToken` renews through the app (one refresh across processes; a login when needed).
   * Logs in first if needed.
   *
   * @param options - See {@link GlobusSdkManagerOptions}.
   * @returns The manager, with every required resource server's token loaded.
   */
  async globusSdkManager(options: GlobusSdkManagerOptions = {}): Promise<GlobusSdkManager> {
    this.#assertOpen();
    const manager = new GlobusSdkManager((rs) => this.getAuthorizer(rs), options);
    await manager.load(Object.keys(this.#scopeRequirements));
    return manager;
  }

  /** Closes the storage if the app made it (never one it was given). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#appAuthorizers.clear();
    const opening = this.#storage;
    if (opening === null) return;
    const opened = await opening.catch(() => null);
    if (opened?.owned === true) await opened.inner.close?.();
  }

  /** `await using app = new UserApp(…)` closes it. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** Obtains new tokens: the login flow (`UserApp`) or the client-credentials grant (`ClientApp`). */
  protected abstract obtainTokens(parameters: GlobusAuthorizationParameters, signal: AbortSignal | undefined): Promise<OAuthTokenResponse>;

  /** The validators that precede the scope check (identity, refresh tokens or expiry). */
  protected abstract leadingValidators(): TokenDataValidatorWithHook[];

  /**
   * Runs the `tokenValidationErrorHandler` for an error met while the app needed tokens.
   *
   * @throws The error itself when the handler is `null`; what the handler throws.
   */
  protected async handleValidationError(error: TokenValidationError): Promise<void> {
    if (this.#handler === null) throw error;
    await this.#handler(this, error);
  }

  /** Every scope the app requires, as one list (login requests all of them). */
  protected requiredScopeStrings(extra: readonly string[] = []): string[] {
    const all = Object.values(this.#scopeRequirements).flat();
    return [...new Set([...all.map((scope) => scope.toString()), ...extra])];
  }

  async #loginOnce(authParams: GlobusAuthorizationParameters | undefined, force: boolean, signal: AbortSignal | undefined): Promise<void> {
    const { inner, validating } = await this.#open();
    const before = await fingerprint(inner);
    const parameters: GlobusAuthorizationParameters = {
      ...authParams,
      requiredScopes: this.requiredScopeStrings(authParams?.requiredScopes ?? []),
    };
    await runLoginExclusively(
      inner,
      `${this.namespace}/#login`,
      async () => {
        // Another process may have logged in while this one waited: adopt its tokens.
        if (authParams === undefined && (!force || (await fingerprint(inner)) !== before) && !(await this.loginRequired())) return;
        await validating.storeTokenResponse(await this.obtainTokens(parameters, signal));
      },
      { timeoutMs: this.#loginWaitTimeoutMs, ...(signal === undefined ? {} : { signal }) },
    );
    this.#forgetInnerAuthorizers();
  }

  async #fillSlot(resourceServer: string, slot: InnerAuthorizerSlot): Promise<StorageBackedAuthorizer> {
    if (slot.inner !== null) return slot.inner;
    const { recovering } = await this.#open();
    // Without refresh tokens a token is used until it expires, as Python does; the validators then ask for a login.
    const marginSeconds = this.config.requestRefreshTokens === true ? StorageBackedAuthorizer.DEFAULT_MARGIN_SECONDS : 0;
    if (!hasRunExclusive(recovering)) {
      throw new InvalidArgumentError(
        'the app renews tokens through StorageBackedAuthorizer, which needs a token storage with runExclusive (a cross-process critical section), such as JSONTokenStorage, SQLiteTokenStorage or MemoryTokenStorage',
      );
    }
    slot.inner ??= new StorageBackedAuthorizer(recovering, resourceServer, this.loginClient, { marginSeconds });
    return slot.inner;
  }

  #forgetInnerAuthorizers(): void {
    for (const slot of this.#slots.values()) slot.inner = null;
  }

  #open(): Promise<OpenStorage> {
    this.#assertOpen();
    this.#storage ??= this.#openStorage();
    return this.#storage;
  }

  async #openStorage(): Promise<OpenStorage> {
    const context = { clientId: this.clientId, appName: this.appName, environment: this.environment, namespace: this.namespace };
    try {
      const { storage, owned } = await openTokenStorage(this.config, context);
      const validating = new ValidatingTokenStorage(storage);
      this.#installValidators(validating);
      const recovering = new RecoveringTokenStorage(validating, (error) => this.handleValidationError(error));
      return { inner: storage, validating, recovering, owned };
    } catch (error) {
      this.#storage = null;
      throw error;
    }
  }

  #installValidators(validating: ValidatingTokenStorage): void {
    const requirements = Object.fromEntries(Object.entries(this.#scopeRequirements));
    validating.validators = [...this.leadingValidators(), new ScopeRequirementsValidator(requirements, this.#consentClient())];
  }

  /** Fetches consents for dependent-scope checks: the confidential client's own call, else with the auth server token. */
  #consentClient(): ConsentClient {
    const client = this.loginClient;
    if (client instanceof ConfidentialAppAuthClient) return { getConsents: (identityId) => client.getConsents(identityId) };
    return {
      getConsents: async (identityId) => {
        const authorizer = this.getAuthorizer(this.authResourceServer);
        const url = `${this.authBaseUrl}/v2/api/identities/${encodeURIComponent(identityId)}/consents?all=False`;
        const response = await authorizedFetch(authorizer, url);
        if (!response.ok)
          throw new AuthAPIError(`listing the consents of ${identityId} failed: HTTP ${response.status}`, { httpStatus: response.status });
        return (await response.json()) as { consents: [] };
      },
    };
  }

  #assertOpen(): void {
    if (this.#closed) throw new StorageClosedError(`the app '${this.appName}' is closed`);
  }
}

/** Python's default: log in again, except when the tokens belong to another identity. */
async function defaultValidationErrorHandler(app: GlobusApp, error: TokenValidationError): Promise<void> {
  if (IdentityMismatchError.isInstance(error)) throw error;
  await app.login({ force: true });
}

/** Identifies the stored tokens of a namespace (compared in memory only; never shown). */
async function fingerprint(storage: TokenStorageLike): Promise<string> {
  const data = await storage.getTokenDataByResourceServer();
  return Object.entries(data)
    .map(([resourceServer, token]) => `${resourceServer} ${token.accessToken} ${token.expiresAtSeconds}`)
    .sort()
    .join('\n');
}

/** Bodies `fetch` can send again. */
function isReplayable(body: BodyInit | null | undefined): boolean {
  if (body === undefined || body === null || typeof body === 'string' || ArrayBuffer.isView(body)) return true;
  const tag = Object.prototype.toString.call(body);
  return ['[object URLSearchParams]', '[object ArrayBuffer]', '[object Blob]', '[object FormData]'].includes(tag);
}
