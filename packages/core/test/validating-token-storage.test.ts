import {
  ConsentParseError,
  ErrorCodes,
  ExpiredTokenError,
  HasRefreshTokensValidator,
  IdentityMismatchError,
  InvalidArgumentError,
  MissingIdentityError,
  MissingTokenError,
  NotExpiredValidator,
  OAuthTokenResponse,
  Scope,
  ScopeRequirementsValidator,
  TokenStorageData,
  TokenStorageError,
  UnchangingIdentityIDValidator,
  UnmetScopeRequirementsError,
  ValidatingTokenStorage,
  type Consent,
  type TokenDataValidatorWithHook,
} from '@globus-tokenstorage/core';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
import { behavior } from './support/fixtures';

const recorded = behavior.validating_token_storage;
const USER = '11111111-2222-4333-8444-555555555555';
const OTHER = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const TRANSFER = 'transfer.api.globus.org';
const TRANSFER_ALL = 'urn:globus:auth:scope:transfer.api.globus.org:all';
const DATA_ACCESS = 'https://auth.globus.org/scopes/ffffffff-ffff-4fff-8fff-ffffffffffff/data_access';

function token(overrides: Partial<ConstructorParameters<typeof TokenStorageData>[0]> = {}): TokenStorageData {
  return new TokenStorageData({
    resourceServer: TRANSFER,
    identityId: USER,
    scope: TRANSFER_ALL,
    accessToken: 'AT',
    refreshToken: 'RT',
    expiresAtSeconds: 2000000000,
    tokenType: 'Bearer',
    ...overrides,
  });
}

async function rejection(promise: Promise<unknown>): Promise<TokenStorageError> {
  try {
    await promise;
  } catch (error) {
    expect(TokenStorageError.isInstance(error)).toBe(true);
    return error as TokenStorageError;
  }
  throw new Error('expected a rejection');
}

function consent(id: number, scopeName: string, path: number[]): Consent {
  return {
    id,
    client: 'client-id',
    scope: `scope-id-${id}`,
    scope_name: scopeName,
    effective_identity: USER,
    dependency_path: path,
    created: '2026-01-01T00:00:00+00:00',
    updated: '2026-01-01T00:00:00+00:00',
    last_used: '2026-01-01T00:00:00+00:00',
    status: 'approved',
    allows_refresh: true,
    auto_approved: false,
    atomically_revocable: false,
  };
}

describe('ValidatingTokenStorage', () => {
  it('learns the identity from the inner storage before the first operation, not in the constructor', async () => {
    const inner = new MemoryTokenStorage();
    const storage = new ValidatingTokenStorage(inner);
    expect(storage.identityId).toBe(recorded.initial_identity_id_empty_storage);
    await inner.storeTokenDataByResourceServer({ [TRANSFER]: token({ identityId: OTHER }) });
    expect(storage.identityId).toBeNull();
    await storage.getTokenDataByResourceServer();
    expect(storage.identityId).toBe(OTHER);
    expect(storage.identityId).toBe(recorded.identity_id_from_inner_at_init);
    expect(storage.namespace).toBe('DEFAULT');
  });

  it('latches the identity of the first store', async () => {
    const storage = new ValidatingTokenStorage(new MemoryTokenStorage());
    await storage.storeTokenDataByResourceServer({ [TRANSFER]: token() });
    expect(storage.identityId).toBe(recorded.identity_id_after_store);
  });

  it('getTokenData throws MissingTokenError instead of returning null', async () => {
    const error = await rejection(new ValidatingTokenStorage(new MemoryTokenStorage()).getTokenData('nope'));
    expect(error).toBeInstanceOf(MissingTokenError);
    expect(error.message).toBe(recorded.get_missing.error.message);
    expect((error as MissingTokenError).resourceServer).toBe('nope');
  });

  it('runs NotExpiredValidator after reads, with no margin by default, on an injectable clock', async () => {
    const inner = new MemoryTokenStorage();
    await inner.storeTokenDataByResourceServer({ [TRANSFER]: token({ expiresAtSeconds: 1 }) });
    const storage = new ValidatingTokenStorage(inner, { validators: [new NotExpiredValidator({ now: () => 2 })] });
    const error = await rejection(storage.getTokenData(TRANSFER));
    expect(recorded.get_expired.error.type).toBe('ExpiredTokenError');
    expect(error).toBeInstanceOf(ExpiredTokenError);
    expect(error.message).toBe(`Token for ${TRANSFER} expired at 1970-01-01T00:00:01.000Z`);
    expect([(error as ExpiredTokenError).resourceServer, (error as ExpiredTokenError).expiresAtSeconds]).toEqual([TRANSFER, 1]);
    storage.validators = [new NotExpiredValidator({ now: () => 1 })];
    await expect(storage.getTokenData(TRANSFER)).resolves.toMatchObject({ resourceServer: TRANSFER, expiresAtSeconds: 1 });
    storage.validators = [new NotExpiredValidator({ now: () => 0, marginSeconds: 60 })];
    expect((await rejection(storage.getTokenData(TRANSFER))).message).toContain('within the 60 s margin');
    expect(() => new NotExpiredValidator({ marginSeconds: -1 })).toThrow(InvalidArgumentError);
  });

  it('runs HasRefreshTokensValidator on single and bulk reads', async () => {
    const inner = new MemoryTokenStorage();
    await inner.storeTokenDataByResourceServer({ [TRANSFER]: token({ refreshToken: null }) });
    const storage = new ValidatingTokenStorage(inner, { validators: [new HasRefreshTokensValidator()] });
    expect((await rejection(storage.getTokenData(TRANSFER))).message).toBe(recorded.get_no_refresh.error.message);
    const bulk = await rejection(storage.getTokenDataByResourceServer());
    expect(bulk.message).toBe(recorded.get_by_rs_no_refresh.error.message);
    expect((bulk as MissingTokenError).resourceServer).toBe(TRANSFER);
  });

  it('runs UnchangingIdentityIDValidator before stores', async () => {
    const storage = new ValidatingTokenStorage(new MemoryTokenStorage(), { validators: [new UnchangingIdentityIDValidator()] });
    const missing = await rejection(storage.storeTokenDataByResourceServer({ [TRANSFER]: token({ identityId: null }) }));
    expect(missing).toBeInstanceOf(MissingIdentityError);
    expect(missing.message).toBe(recorded.unchanging_missing_identity.error.message);
    await storage.storeTokenDataByResourceServer({ [TRANSFER]: token() });
    expect(storage.identityId).toBe(recorded.unchanging_first_store_ok.result);
    const mismatch = await rejection(
      storage.storeTokenDataByResourceServer({ [TRANSFER]: token({ identityId: OTHER, accessToken: 'AT2' }) }),
    );
    expect(mismatch).toBeInstanceOf(IdentityMismatchError);
    expect(mismatch.message).toBe(recorded.unchanging_mismatch.error.message);
    expect([(mismatch as IdentityMismatchError).storedId, (mismatch as IdentityMismatchError).newId]).toEqual([
      recorded.unchanging_mismatch.error.stored_id,
      recorded.unchanging_mismatch.error.new_id,
    ]);
    expect(storage.identityId).toBe(recorded.identity_id_after_mismatch);
    expect((await storage.getTokenData(TRANSFER)).accessToken).toBe('AT');
  });

  it('rejects a store that mixes identities with IdentityMismatchError (Python: ValueError)', async () => {
    const storage = new ValidatingTokenStorage(new MemoryTokenStorage());
    const error = await rejection(storage.storeTokenDataByResourceServer({ a: token(), b: token({ identityId: OTHER }) }));
    expect(recorded.mixed_identities_in_one_store.error.type).toBe('ValueError');
    expect(error.code).toBe(ErrorCodes.IDENTITY_MISMATCH);
    expect(error.message).toContain(USER);
  });

  it('a failed validator stores nothing; removeTokenData is not validated', async () => {
    const inner = new MemoryTokenStorage();
    const refuse: TokenDataValidatorWithHook = {
      beforeStore: () => {
        throw new MissingIdentityError('refused');
      },
    };
    const storage = new ValidatingTokenStorage(inner, { validators: [refuse] });
    await rejection(storage.storeTokenDataByResourceServer({ [TRANSFER]: token() }));
    expect(await inner.getTokenDataByResourceServer()).toEqual({});
    await inner.storeTokenDataByResourceServer({ [TRANSFER]: token() });
    expect(await storage.removeTokenData(TRANSFER)).toBe(true);
  });

  it('storeTokenResponse keeps the known identity for refresh responses', async () => {
    const storage = new ValidatingTokenStorage(new MemoryTokenStorage(), { validators: [new UnchangingIdentityIDValidator()] });
    await storage.storeTokenDataByResourceServer({ [TRANSFER]: token() });
    const refresh = OAuthTokenResponse.fromJSON(
      { access_token: 'AT-new', resource_server: TRANSFER, scope: TRANSFER_ALL, expires_in: 60, other_tokens: [] },
      { grantType: 'refresh_token', now: () => 100 },
    );
    await storage.storeTokenResponse(refresh);
    const stored = await storage.getTokenData(TRANSFER);
    expect([stored.identityId, stored.accessToken, stored.refreshToken, stored.expiresAtSeconds]).toEqual([USER, 'AT-new', 'RT', 160]);
    const login = OAuthTokenResponse.fromJSON({ access_token: 'x', resource_server: TRANSFER, scope: TRANSFER_ALL, other_tokens: [] });
    expect(await rejection(storage.storeTokenResponse(login))).toBeInstanceOf(MissingIdentityError);
  });

  it('closes the inner storage and lists its namespaces', async () => {
    const inner = new MemoryTokenStorage();
    const storage = new ValidatingTokenStorage(inner);
    await storage.storeTokenDataByResourceServer({ [TRANSFER]: token() });
    expect(await storage.listNamespaces()).toEqual(['DEFAULT']);
    await storage.close();
    expect((await rejection(inner.getTokenDataByResourceServer())).code).toBe(ErrorCodes.STORAGE_CLOSED);
  });

  it('reports a corrupt inner storage on the first call, and retries on the next', async () => {
    let fail = true;
    const inner = new MemoryTokenStorage();
    const flaky = Object.assign(Object.create(inner) as MemoryTokenStorage, {
      getTokenDataByResourceServer: async () => {
        if (fail) throw new InvalidArgumentError('broken');
        return inner.getTokenDataByResourceServer();
      },
    });
    const storage = new ValidatingTokenStorage(flaky);
    await rejection(storage.getTokenDataByResourceServer());
    fail = false;
    await expect(storage.getTokenDataByResourceServer()).resolves.toEqual({});
  });

  it('rejects bad arguments', async () => {
    expect(() => new ValidatingTokenStorage(null as never)).toThrow(InvalidArgumentError);
    expect(() => new ValidatingTokenStorage(new MemoryTokenStorage(), { validators: [null as never] })).toThrow(InvalidArgumentError);
    const storage = new ValidatingTokenStorage(new MemoryTokenStorage());
    expect((await rejection(storage.getTokenData(''))).code).toBe(ErrorCodes.INVALID_ARGUMENT);
    expect((await rejection(storage.storeTokenDataByResourceServer({ rs: {} as never }))).code).toBe(ErrorCodes.INVALID_ARGUMENT);
    expect((await rejection(storage.storeTokenResponse({} as never))).code).toBe(ErrorCodes.INVALID_ARGUMENT);
  });

  it('refuses validators without methods, or whose methods are not functions, as its TSDoc promises', () => {
    const inner = new MemoryTokenStorage();
    const refused = (validators: unknown) => () => new ValidatingTokenStorage(inner, { validators: validators as never });
    expect(refused([{}])).toThrow(
      new InvalidArgumentError('ValidatingTokenStorage: validator 0 has neither a beforeStore nor an afterRetrieve method'),
    );
    expect(refused([new NotExpiredValidator(), { beforeStore: 1 }])).toThrow(
      new InvalidArgumentError("ValidatingTokenStorage: validator 1: 'beforeStore' must be a function"),
    );
    expect(refused([{ beforeStore: () => undefined, afterRetrieve: 'no' }])).toThrow(InvalidArgumentError);
    expect(refused(new NotExpiredValidator())).toThrow(
      new InvalidArgumentError("ValidatingTokenStorage: 'validators' must be a list of validators"),
    );
    expect(refused([{ afterRetrieve: async () => undefined }])).not.toThrow();
    expect(refused(new Set([new HasRefreshTokensValidator()]))).not.toThrow();
    // The types refuse a validator without a method too (`pnpm typecheck` fails if they accept it again).
    // @ts-expect-error a validator with neither beforeStore nor afterRetrieve
    expect(() => new ValidatingTokenStorage(inner, { validators: [{}] })).toThrow(InvalidArgumentError);
    // @ts-expect-error the same, pushed onto the public array
    new ValidatingTokenStorage(inner).validators.push({});
  });

  it('a bad validator pushed onto the public array later is refused with InvalidArgumentError, not a TypeError, and nothing is stored', async () => {
    const inner = new MemoryTokenStorage();
    const storage = new ValidatingTokenStorage(inner);
    storage.validators.push({ beforeStore: 1 } as never);
    const error = await rejection(storage.storeTokenDataByResourceServer({ [TRANSFER]: token() }));
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect(error.message).toBe("ValidatingTokenStorage: validator 0: 'beforeStore' must be a function");
    expect(await inner.getTokenDataByResourceServer()).toEqual({});
    expect((await rejection(storage.getTokenData(TRANSFER))).code).toBe(ErrorCodes.INVALID_ARGUMENT);
    expect((await rejection(storage.getTokenDataByResourceServer())).code).toBe(ErrorCodes.INVALID_ARGUMENT);
  });
});

describe('ScopeRequirementsValidator', () => {
  const dependent = `${TRANSFER_ALL}[${DATA_ACCESS}]`;

  function setup(consents: Consent[], requirements: Record<string, Array<string | Scope>> = { [TRANSFER]: [dependent] }) {
    const calls: string[] = [];
    const client = {
      getConsents: async (identityId: string) => {
        calls.push(identityId);
        return { consents };
      },
    };
    const validator = new ScopeRequirementsValidator(requirements, client);
    const inner = new MemoryTokenStorage();
    return { calls, validator, inner, storage: new ValidatingTokenStorage(inner, { validators: [validator] }) };
  }

  it('checks dependent scopes against the consents after reads, and caches them while met', async () => {
    const { calls, inner, storage } = setup([consent(1, TRANSFER_ALL, [1]), consent(2, DATA_ACCESS, [1, 2])]);
    await inner.storeTokenDataByResourceServer({ [TRANSFER]: token() });
    expect((await storage.getTokenData(TRANSFER)).toDict()).toEqual({
      ...recorded.scope_dependent_met.result,
      access_token: 'AT',
      refresh_token: 'RT',
    });
    await storage.getTokenData(TRANSFER);
    expect(calls).toEqual([USER]);
    expect(recorded.consents_requests).toHaveLength(1);
  });

  it('checks only top-level scopes before a store', async () => {
    const { calls, storage } = setup([consent(1, TRANSFER_ALL, [1])]);
    await storage.storeTokenDataByResourceServer({ [TRANSFER]: token() });
    expect(recorded.scope_dependent_unmet_before_store_only_root.result).toBe('stored');
    expect(calls).toEqual([]);
    const error = await rejection(storage.getTokenData(TRANSFER));
    expect(error).toBeInstanceOf(UnmetScopeRequirementsError);
    expect(error.message).toBe(recorded.scope_dependent_unmet_after_retrieve.error.message);
    expect(Object.keys((error as UnmetScopeRequirementsError).scopeRequirements)).toEqual([TRANSFER]);
    expect(String((error as UnmetScopeRequirementsError).scopeRequirements[TRANSFER]?.[0])).toBe(
      recorded.scope_dependent_unmet_after_retrieve.error.scope_requirements[TRANSFER][0],
    );
  });

  it('rejects a store whose token lacks a required top-level scope', async () => {
    const { storage } = setup([], { [TRANSFER]: ['urn:other:scope'] });
    const error = await rejection(storage.storeTokenDataByResourceServer({ [TRANSFER]: token() }));
    expect(error.message).toBe(recorded.scope_root_unmet_before_store.error.message);
  });

  it('skips dependent checks when no identity is known, and ignores the optional flag', async () => {
    const { calls, inner, storage } = setup([]);
    await inner.storeTokenDataByResourceServer({ [TRANSFER]: token({ identityId: null }) });
    expect((await storage.getTokenData(TRANSFER)).identityId).toBeNull();
    expect(calls).toEqual([]);
    const optional = setup([], { [TRANSFER]: [`*${TRANSFER_ALL}`] });
    await optional.storage.storeTokenDataByResourceServer({ [TRANSFER]: token() });
    expect(await optional.inner.getTokenData(TRANSFER)).not.toBeNull();
    const missing = setup([], { [TRANSFER]: ['*urn:other:scope'] });
    expect(await rejection(missing.storage.storeTokenDataByResourceServer({ [TRANSFER]: token() }))).toBeInstanceOf(
      UnmetScopeRequirementsError,
    );
    expect(await missing.inner.getTokenData(TRANSFER)).toBeNull();
  });

  it('ignores resource servers without requirements and accepts Scope objects and bare consent arrays', async () => {
    const asked: string[] = [];
    const bare = (consents: Consent[]) => ({
      getConsents: async (identityId: string) => {
        asked.push(identityId);
        return consents;
      },
    });
    const context = { priorIdentityId: null, tokenDataIdentityId: USER };
    const unrelated = new ScopeRequirementsValidator({ other: [Scope.parse('x')] }, bare([]));
    await expect(unrelated.beforeStore({ [TRANSFER]: token() }, context)).resolves.toBeUndefined();
    await expect(unrelated.afterRetrieve({ [TRANSFER]: token() }, context)).resolves.toBeUndefined();
    expect(asked).toEqual([]);
    const met = new ScopeRequirementsValidator(
      { [TRANSFER]: [Scope.parse(dependent)] },
      bare([consent(1, TRANSFER_ALL, [1]), consent(2, DATA_ACCESS, [1, 2])]),
    );
    await expect(met.afterRetrieve({ [TRANSFER]: token() }, context)).resolves.toBeUndefined();
    expect(asked).toEqual([USER]);
    const unmet = new ScopeRequirementsValidator({ [TRANSFER]: [Scope.parse(dependent)] }, bare([consent(1, TRANSFER_ALL, [1])]));
    await expect(unmet.afterRetrieve({ [TRANSFER]: token() }, context)).rejects.toBeInstanceOf(UnmetScopeRequirementsError);
  });

  it('reports malformed consents with ConsentParseError', async () => {
    const broken = { ...consent(1, TRANSFER_ALL, [1]) } as Partial<Consent>;
    delete broken.status;
    const { inner, storage } = setup([broken as Consent]);
    await inner.storeTokenDataByResourceServer({ [TRANSFER]: token() });
    const error = await rejection(storage.getTokenData(TRANSFER));
    expect(error).toBeInstanceOf(ConsentParseError);
    expect(error.message).toBe("Failed to load Consent object. Missing required key: 'status'.");
    const orphan = setup([consent(2, DATA_ACCESS, [1, 2])]);
    await orphan.inner.storeTokenDataByResourceServer({ [TRANSFER]: token() });
    expect((await rejection(orphan.storage.getTokenData(TRANSFER))).message).toBe('Failed to compute forest edges. Missing parent node: 1');
  });

  it('rejects bad arguments', () => {
    expect(() => new ScopeRequirementsValidator(null as never, { getConsents: async () => [] })).toThrow(InvalidArgumentError);
    expect(() => new ScopeRequirementsValidator({}, {} as never)).toThrow(InvalidArgumentError);
    expect(() => new ScopeRequirementsValidator({ rs: 'a' as never }, { getConsents: async () => [] })).toThrow(InvalidArgumentError);
  });
});

describe('ValidatingTokenStorage.runExclusive', () => {
  it("is the inner storage's critical section when it has one, and absent otherwise", async () => {
    const inner = new MemoryTokenStorage();
    const storage = new ValidatingTokenStorage(inner);
    expect(await storage.runExclusive?.('key', async () => 'inside')).toBe('inside');
    const order: string[] = [];
    await Promise.all([
      storage.runExclusive?.('key', async () => {
        order.push('wrapped in');
        await new Promise((resolve) => setTimeout(resolve, 20));
        order.push('wrapped out');
      }),
      inner.runExclusive('key', async () => void order.push('inner')),
    ]);
    expect(order).toEqual(['wrapped in', 'wrapped out', 'inner']);
    const plain = { namespace: 'x', getTokenDataByResourceServer: async () => ({}) };
    expect(new ValidatingTokenStorage(plain as never).runExclusive).toBeUndefined();
  });
});
