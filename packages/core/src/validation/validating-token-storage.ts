import { assertKnownOptions } from '../arguments/assert-known-options';
import { IdentityMismatchError, InvalidArgumentError, MissingTokenError } from '../errors';
import { checkResourceServer, checkTokenDataMapping } from '../storage/storage-arguments';
import type { TokenStorageLike } from '../storage/token-storage-like';
import { checkTokenResponse, extractIdentityId, tokenDataFromResponse } from '../storage/token-response-data';
import type { IDTokenDecoderLike } from '../tokens/id-token-decoder';
import type { OAuthTokenResponse } from '../tokens/oauth-token-response';
import type { TokenStorageData } from '../tokens/token-storage-data';
import type { TokenDataValidatorWithHook, TokenValidationContext } from './token-data-validator';

/** Options of {@link ValidatingTokenStorage}. */
export interface ValidatingTokenStorageOptions {
  /** The validators to run, in order; each has `beforeStore`, `afterRetrieve` or both. @default [] */
  validators?: Iterable<TokenDataValidatorWithHook>;
}

/**
 * Wraps a storage and runs validators before each store and after each read, tracking the identity
 * the tokens belong to. `getTokenData` throws {@link MissingTokenError} instead of returning `null`.
 *
 * The identity is read from the inner storage before the first operation (not in the constructor,
 * which does no I/O). Once known it never changes; install `UnchangingIdentityIDValidator` to reject
 * tokens of another identity.
 *
 * @example
 * ```ts
 * const storage = new ValidatingTokenStorage(new JSONTokenStorage('tokens.json'), {
 *   validators: [new HasRefreshTokensValidator(), new UnchangingIdentityIDValidator()],
 * });
 * const transfer = await storage.getTokenData('transfer.api.globus.org'); // never null
 * ```
 */
export class ValidatingTokenStorage<S extends TokenStorageLike = TokenStorageLike> implements TokenStorageLike {
  /** `"ValidatingTokenStorage"`, also in minified bundles: messages, `toString()` and `util.inspect` show it. */
  static get name(): string {
    return 'ValidatingTokenStorage';
  }

  /** The inner storage. */
  readonly storage: S;
  /** The inner storage's namespace. */
  readonly namespace: string;
  /** The validators, run in order; may be changed at any time. */
  validators: TokenDataValidatorWithHook[];
  /**
   * The inner storage's cross-process critical section (see `TokenStorageLike.runExclusive`),
   * present only when the inner storage has one (so typed as the inner storage's). Runs without validation.
   */
  declare readonly runExclusive: S['runExclusive'];
  private knownIdentityId: string | null = null;
  private initialised: Promise<void> | null = null;

  /**
   * @param storage - Any storage.
   * @param options - See {@link ValidatingTokenStorageOptions}.
   * @throws {@link InvalidArgumentError} if `storage` is not a storage, `validators` is not a list,
   *   a validator has neither `beforeStore` nor `afterRetrieve`, one of them is not a function, or
   *   for an unknown option.
   */
  constructor(storage: S, options: ValidatingTokenStorageOptions = {}) {
    if (typeof storage !== 'object' || storage === null || typeof storage.getTokenDataByResourceServer !== 'function') {
      throw new InvalidArgumentError('ValidatingTokenStorage needs a token storage');
    }
    assertKnownOptions(options, ['validators'], 'ValidatingTokenStorage');
    const given: unknown = options.validators ?? [];
    if (typeof given !== 'object' || given === null || typeof (given as Iterable<unknown>)[Symbol.iterator] !== 'function') {
      throw new InvalidArgumentError("ValidatingTokenStorage: 'validators' must be a list of validators");
    }
    const validators = [...(given as Iterable<TokenDataValidatorWithHook>)];
    checkValidators(validators);
    this.storage = storage;
    this.namespace = storage.namespace;
    this.validators = validators;
    const inner = storage.runExclusive;
    if (typeof inner === 'function')
      this.runExclusive = <T>(key: string, fn: () => Promise<T>) => inner.call(storage, key, fn) as Promise<T>;
  }

  /** The identity the stored tokens belong to, or `null` while unknown (or before the first operation). */
  get identityId(): string | null {
    return this.knownIdentityId;
  }

  /**
   * Runs every `beforeStore`, then stores.
   *
   * @throws A `TokenValidationError` from a validator (nothing is stored), or
   *   {@link IdentityMismatchError} if the data mixes identities.
   * @throws {@link InvalidArgumentError} if `validators` was changed to hold something that is not a validator.
   */
  async storeTokenDataByResourceServer(data: Readonly<Record<string, TokenStorageData>>): Promise<void> {
    checkTokenDataMapping(data);
    await this.initialise();
    const validators = checkValidators(this.validators);
    const context = this.makeContext(data);
    for (const validator of validators) await validator.beforeStore?.(data, context);
    await this.storage.storeTokenDataByResourceServer(data);
  }

  /**
   * Reads every entry, then runs every `afterRetrieve` on all of them.
   *
   * @throws A `TokenValidationError` from a validator.
   * @throws {@link InvalidArgumentError} if `validators` was changed to hold something that is not a validator.
   */
  async getTokenDataByResourceServer(): Promise<Record<string, TokenStorageData>> {
    const validators = checkValidators(this.validators);
    await this.initialise();
    const data = await this.storage.getTokenDataByResourceServer();
    const context = this.makeContext(data);
    for (const validator of validators) await validator.afterRetrieve?.(data, context);
    return data;
  }

  /**
   * Reads one entry, then runs every `afterRetrieve` on it.
   *
   * @param resourceServer - The key the entry was stored under.
   * @returns The entry (never `null`).
   * @throws {@link MissingTokenError} (`No token data for <rs>`) when there is none; a
   *   `TokenValidationError` from a validator.
   * @throws {@link InvalidArgumentError} if `validators` was changed to hold something that is not a validator.
   */
  async getTokenData(resourceServer: string): Promise<TokenStorageData> {
    checkResourceServer(resourceServer);
    const validators = checkValidators(this.validators);
    await this.initialise();
    const token = await this.storage.getTokenData(resourceServer);
    if (token === null) throw new MissingTokenError(`No token data for ${resourceServer}`, { resourceServer });
    const data = { [token.resourceServer]: token };
    const context = this.makeContext(data);
    for (const validator of validators) await validator.afterRetrieve?.(data, context);
    return token;
  }

  /** Removes an entry, without validation. */
  async removeTokenData(resourceServer: string): Promise<boolean> {
    return this.storage.removeTokenData(resourceServer);
  }

  /**
   * Stores a token response through the validators. A refresh response keeps the known identity
   * (it carries no id_token); others take it from the verified id_token, using the inner storage's
   * `idTokenDecoder` when it has one.
   *
   * @throws `IdentityExtractionError` if the id_token fails verification; a `TokenValidationError`.
   */
  async storeTokenResponse(response: OAuthTokenResponse): Promise<void> {
    checkTokenResponse(response);
    await this.initialise();
    const isRefresh = response.grantType === 'refresh_token';
    const decoder = (this.storage as { idTokenDecoder?: IDTokenDecoderLike | null }).idTokenDecoder ?? null;
    const identityId = isRefresh && this.knownIdentityId !== null ? this.knownIdentityId : await extractIdentityId(response, decoder);
    const previous = isRefresh ? await this.storage.getTokenDataByResourceServer() : {};
    await this.storeTokenDataByResourceServer(tokenDataFromResponse(response, identityId, previous));
  }

  /** Closes the inner storage. */
  async close(): Promise<void> {
    await this.storage.close?.();
  }

  /** Lists the inner storage's namespaces, if it can. */
  async listNamespaces(): Promise<string[]> {
    if (typeof this.storage.listNamespaces !== 'function') {
      throw new InvalidArgumentError('the inner storage cannot list namespaces');
    }
    return this.storage.listNamespaces();
  }

  private initialise(): Promise<void> {
    this.initialised ??= this.storage.getTokenDataByResourceServer().then(
      (data) => {
        this.knownIdentityId ??= identityOf(data);
      },
      (error: unknown) => {
        this.initialised = null;
        throw error;
      },
    );
    return this.initialised;
  }

  /** Python semantics: the first non-null identity seen is latched, before any validator runs. */
  private makeContext(data: Readonly<Record<string, TokenStorageData>>): TokenValidationContext {
    const context = { priorIdentityId: this.knownIdentityId, tokenDataIdentityId: identityOf(data) };
    this.knownIdentityId ??= context.tokenDataIdentityId;
    return context;
  }
}

/**
 * Checks validators: the constructor's, and the public array again before each use, since callers
 * may change it.
 *
 * @returns A copy of the list, so that a change during an operation does not affect it.
 * @throws {@link InvalidArgumentError} naming the position of the first bad validator.
 */
function checkValidators(validators: unknown): TokenDataValidatorWithHook[] {
  if (!Array.isArray(validators)) throw new InvalidArgumentError("ValidatingTokenStorage: 'validators' must be an array");
  validators.forEach((validator: unknown, index) => {
    const where = `ValidatingTokenStorage: validator ${index}`;
    if (typeof validator !== 'object' || validator === null) throw new InvalidArgumentError(`${where} must be an object`);
    const { beforeStore, afterRetrieve } = validator as Record<string, unknown>;
    if (beforeStore === undefined && afterRetrieve === undefined) {
      throw new InvalidArgumentError(`${where} has neither a beforeStore nor an afterRetrieve method`);
    }
    for (const [name, method] of [
      ['beforeStore', beforeStore],
      ['afterRetrieve', afterRetrieve],
    ] as const) {
      if (method !== undefined && typeof method !== 'function') throw new InvalidArgumentError(`${where}: '${name}' must be a function`);
    }
  });
  return [...(validators as TokenDataValidatorWithHook[])];
}

/**
 * The one identity of a set of token data, or `null` if none has one.
 *
 * @throws {@link IdentityMismatchError} if they belong to different identities.
 */
function identityOf(data: Readonly<Record<string, TokenStorageData>>): string | null {
  const identities = [
    ...new Set(
      Object.values(data)
        .map((token) => token.identityId)
        .filter((id): id is string => id !== null),
    ),
  ];
  if (identities.length > 1) {
    throw new IdentityMismatchError(`token data by resource server holds tokens of different identities: ${identities.join(', ')}`, {
      storedId: identities[0] ?? null,
      newId: identities[1] ?? null,
    });
  }
  return identities[0] ?? null;
}
