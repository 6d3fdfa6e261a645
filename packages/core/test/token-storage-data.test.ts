import { inspect } from 'node:util';
import fc from 'fast-check';
import {
  InvalidArgumentError,
  InvalidTokenDataError,
  TokenStorageData,
  TokenStorageError,
  validateTokenEntry,
  type TokenStorageDataInit,
} from '@globus-tokenstorage/core';
import { behavior } from './support/fixtures';

const AT = 'AT-canary-7c1d0e';
const RT = 'RT-canary-93fa21';
const fields: TokenStorageDataInit = {
  resourceServer: 'transfer.api.globus.org',
  identityId: '11111111-2222-4333-8444-555555555555',
  scope: 'urn:globus:auth:scope:transfer.api.globus.org:all',
  accessToken: AT,
  refreshToken: RT,
  expiresAtSeconds: 2000086400,
  tokenType: 'Bearer',
};

function messageOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(InvalidTokenDataError.isInstance(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected an InvalidTokenDataError');
}

describe('TokenStorageData', () => {
  it('writes toDict keys in Python order, omitting null optionals', () => {
    expect(Object.keys(new TokenStorageData(fields).toDict())).toEqual(behavior.token_data_validation.to_dict_key_order);
    const partial = new TokenStorageData({ ...fields, identityId: null, refreshToken: null, tokenType: null });
    expect(Object.keys(partial.toDict())).toEqual(['resource_server', 'scope', 'access_token', 'expires_at_seconds']);
  });

  it('defaults omitted optional fields to null', () => {
    const data = new TokenStorageData({ resourceServer: 'rs', scope: 's', accessToken: 'a', expiresAtSeconds: 1 });
    expect([data.identityId, data.refreshToken, data.tokenType, data.extra]).toEqual([null, null, null, {}]);
    expect(data.hasRefreshToken).toBe(false);
  });

  it.each([
    ['resourceServer', 5, "'resourceServer' must be a string"],
    ['identityId', 7, "'identityId' must be a string or null"],
    ['scope', null, "'scope' must be a string"],
    ['accessToken', undefined, "'accessToken' must be a string"],
    ['refreshToken', {}, "'refreshToken' must be a string or null"],
    ['expiresAtSeconds', '5', "'expiresAtSeconds' must be an int"],
    ['expiresAtSeconds', 1.5, "'expiresAtSeconds' must be an int"],
    ['expiresAtSeconds', true, "'expiresAtSeconds' must be an int"],
    ['expiresAtSeconds', 2 ** 60, "'expiresAtSeconds' must be an int"],
    ['tokenType', false, "'tokenType' must be a string or null"],
  ])('rejects %s = %p with a Python-style message', (field, value, message) => {
    expect(messageOf(() => new TokenStorageData({ ...fields, [field]: value }))).toBe(message);
  });

  it('rejects a non-object, a bad extra, and extra keys that shadow fields', () => {
    expect(messageOf(() => new TokenStorageData(null as never))).toBe('TokenStorageData needs an object of fields');
    expect(messageOf(() => new TokenStorageData({ ...fields, extra: [] as never }))).toBe("'extra' must be a plain object");
    expect(messageOf(() => new TokenStorageData({ ...fields, extra: { access_token: 'x' } }))).toContain(
      "must not hold the token field 'access_token'",
    );
    expect(messageOf(() => new TokenStorageData({ ...fields, extra: { when: new Date() } }))).toContain('JSON values');
    expect(messageOf(() => new TokenStorageData({ ...fields, extra: { n: Number.NaN } }))).toContain('finite numbers');
    expect(messageOf(() => new TokenStorageData({ ...fields, extra: { f: () => 1 } }))).toContain('not function');
  });

  it('refuses an extra nested deeper than 100 levels without overflowing the stack', () => {
    let deep: unknown = 'leaf';
    for (let level = 0; level < 100_000; level += 1) deep = [deep];
    expect(messageOf(() => new TokenStorageData({ ...fields, extra: { deep } }))).toContain('nests deeper than 100 levels');
  });

  it('is immutable, with a deeply frozen copy of extra', () => {
    const extra = { nested: { list: [1, 2] } };
    const data = new TokenStorageData({ ...fields, extra });
    extra.nested.list.push(3);
    expect(data.extra).toEqual({ nested: { list: [1, 2] } });
    expect(Object.isFrozen(data)).toBe(true);
    expect(() => ((data.extra.nested as { list: number[] }).list as number[]).push(4)).toThrow(TypeError);
    expect(() => Object.assign(data, { accessToken: 'x' })).toThrow(TypeError);
  });

  it('with() returns a changed copy and validates the change', () => {
    const data = new TokenStorageData(fields);
    const refreshed = data.with({ accessToken: 'AT-new', expiresAtSeconds: 3 });
    expect([refreshed.accessToken, refreshed.expiresAtSeconds, refreshed.refreshToken]).toEqual(['AT-new', 3, RT]);
    expect(data.accessToken).toBe(AT);
    expect(() => data.with({ scope: 1 as never })).toThrow(InvalidTokenDataError);
  });

  it('isExpired compares expiresAtSeconds (minus a margin) with an injectable clock', () => {
    const data = new TokenStorageData({ ...fields, expiresAtSeconds: 1000 });
    expect(data.isExpired({ now: () => 1000 })).toBe(false);
    expect(data.isExpired({ now: () => 1000.5 })).toBe(true);
    expect(data.isExpired({ now: () => 950, marginSeconds: 60 })).toBe(true);
    expect(data.isExpired({ now: () => 939, marginSeconds: 60 })).toBe(false);
  });

  it.each([
    ['a margin that is not a number', { marginSeconds: 'x' }],
    ['a NaN margin', { marginSeconds: NaN }],
    ['a now that is not a function', { now: 'x' }],
    ['a now that returns no number', { now: () => 'soon' }],
    ['an unknown option', { margin: 60 }],
    ['options that are not an object', null],
  ])('isExpired refuses %s with InvalidArgumentError rather than calling an expired token valid', (_kind, options) => {
    const expired = new TokenStorageData({ ...fields, expiresAtSeconds: 1 });
    expect(() => expired.isExpired(options as never)).toThrow(InvalidArgumentError);
  });

  it('redacts both tokens in toJSON, toString and util.inspect, and secret-looking extra keys', () => {
    const data = new TokenStorageData({ ...fields, extra: { id_token: 'ID-canary-55', note: 'visible' } });
    for (const text of [JSON.stringify(data), String(data), `${data}`, inspect(data), inspect({ wrapped: [data] }, { depth: 5 })]) {
      expect(text).not.toContain(AT);
      expect(text).not.toContain(RT);
      expect(text).not.toContain('ID-canary-55');
      expect(text).toContain('[redacted]');
    }
    expect(JSON.stringify(data)).toContain('visible');
    expect(data.toDict().access_token).toBe(AT);
  });

  describe('fromDict', () => {
    it('reads 2.0 entries and 1.0 / legacy dicts (nulls present, other key order)', () => {
      const v2 = TokenStorageData.fromDict({
        resource_server: 'rs',
        identity_id: 'id',
        scope: 's',
        access_token: 'a',
        refresh_token: 'r',
        expires_at_seconds: 5,
        token_type: 'Bearer',
      });
      const legacy = TokenStorageData.fromDict({
        scope: 's',
        access_token: 'a',
        refresh_token: null,
        token_type: null,
        expires_at_seconds: 5,
        resource_server: 'rs',
      });
      expect([v2.identityId, v2.refreshToken]).toEqual(['id', 'r']);
      expect([legacy.identityId, legacy.refreshToken, legacy.tokenType]).toEqual([null, null, null]);
      expect(Object.keys(legacy.toDict())).toEqual(['resource_server', 'scope', 'access_token', 'expires_at_seconds']);
    });

    it('keeps unknown keys in extra and writes them back after the known ones', () => {
      const edge = behavior.json_edge_cases.extra_on_read;
      const data = TokenStorageData.fromDict({ ...edge.to_dict, ...edge.extra });
      expect(data.extra).toEqual(edge.extra);
      expect(JSON.stringify(data.toDict())).toBe(JSON.stringify(edge.to_dict_include_extra));
    });

    it('keeps an unknown __proto__ key as data', () => {
      const data = TokenStorageData.fromDict(
        JSON.parse('{"resource_server":"rs","scope":"s","access_token":"a","expires_at_seconds":1,"__proto__":{"x":1}}'),
      );
      expect(Object.keys(data.extra)).toEqual(['__proto__']);
      expect(JSON.stringify(data.toDict())).toContain('"__proto__":{"x":1}');
    });

    it.each([
      ['expires_str', { resource_server: 'rs', scope: 's', access_token: 'a', expires_at_seconds: '5' }],
      ['scope_none', { resource_server: 'rs', scope: null, access_token: 'a', expires_at_seconds: 5 }],
      ['identity_int', { resource_server: 'rs', identity_id: 5, scope: 's', access_token: 'a', expires_at_seconds: 5 }],
      ['from_dict_missing_scope', { resource_server: 'rs', access_token: 'a', expires_at_seconds: 5 }],
    ])('gives the Python message for %s', (name, dict) => {
      expect(messageOf(() => TokenStorageData.fromDict(dict))).toBe(behavior.token_data_validation[name].error.message);
    });

    it.each([
      ['entry_missing_access_token', { resource_server: 'rs', scope: 's', expires_at_seconds: 5 }],
      ['entry_expires_float', { resource_server: 'rs', scope: 's', access_token: 'a', expires_at_seconds: 1.5 }],
    ])('gives the Python message for %s', (name, dict) => {
      expect(messageOf(() => TokenStorageData.fromDict(dict))).toBe(behavior.json_edge_cases[name].error.message);
    });

    it('rejects booleans as expiry (Python accepts True as 1; we do not)', () => {
      expect(behavior.token_data_validation.expires_bool_true_accepted.ok).toBe(true);
      expect(
        messageOf(() => TokenStorageData.fromDict({ resource_server: 'rs', scope: 's', access_token: 'a', expires_at_seconds: true })),
      ).toBe("'expires_at_seconds' must be an int");
    });

    it.each([[null], [[]], ['text'], [5], [undefined], [new Map()]])('rejects the non-object %p', (value) => {
      expect(messageOf(() => TokenStorageData.fromDict(value))).toMatch(/^token data must be a JSON object, got /);
    });

    it('accepts exactly the entries that the token entry schema accepts with a safe-integer expiry', () => {
      const fieldValue = fc.oneof(
        fc.string({ maxLength: 3 }),
        fc.constantFrom(null, undefined, true, 0, -0, 1.5, 2 ** 53, -(2 ** 53) + 1, Number.NaN, Number.POSITIVE_INFINITY, [], {}, '5'),
        fc.integer(),
      );
      const keys = ['resource_server', 'identity_id', 'scope', 'access_token', 'refresh_token', 'expires_at_seconds', 'token_type'];
      const valid: Record<string, unknown> = {
        resource_server: 'rs',
        identity_id: 'id',
        scope: 's',
        access_token: 'a',
        refresh_token: 'r',
        expires_at_seconds: 1,
        token_type: 'Bearer',
      };
      // A valid entry with some fields left out and up to two changed.
      const entry = fc
        .tuple(
          fc.oneof(fc.constant(keys), fc.subarray(keys)),
          fc.array(fc.tuple(fc.constantFrom(...keys), fieldValue), { maxLength: 2 }),
          fc.string(),
        )
        .map(
          ([kept, changes, other]): Record<string, unknown> => ({
            ...Object.fromEntries(kept.map((key) => [key, valid[key]])),
            ...Object.fromEntries(changes),
            other,
          }),
        );
      fc.assert(
        fc.property(entry, (dict) => {
          const schemaAccepts = validateTokenEntry(dict).valid && Number.isSafeInteger(dict.expires_at_seconds);
          let accepted = true;
          try {
            TokenStorageData.fromDict(dict);
          } catch (error) {
            if (!InvalidTokenDataError.isInstance(error)) throw error;
            expect(error.message).toMatch(new RegExp(`^'(${keys.join('|')})' must be an? (string|string or null|int)$`));
            accepted = false;
          }
          expect(accepted).toBe(schemaAccepts);
        }),
        { numRuns: 5000 },
      );
    });

    it('throws only InvalidTokenDataError for any JSON value', () => {
      const entry = fc.record(
        {
          resource_server: fc.oneof(fc.string(), fc.jsonValue()),
          identity_id: fc.oneof(fc.string(), fc.constant(null), fc.jsonValue()),
          scope: fc.oneof(fc.string(), fc.jsonValue()),
          access_token: fc.oneof(fc.string(), fc.jsonValue()),
          refresh_token: fc.oneof(fc.string(), fc.constant(null), fc.jsonValue()),
          expires_at_seconds: fc.oneof(fc.integer(), fc.double(), fc.jsonValue()),
          token_type: fc.oneof(fc.string(), fc.constant(null)),
        },
        { requiredKeys: [] },
      );
      fc.assert(
        fc.property(fc.oneof(fc.jsonValue(), entry, fc.dictionary(fc.string(), fc.jsonValue())), (value) => {
          try {
            const data = TokenStorageData.fromDict(value);
            expect(TokenStorageData.fromDict(data.toDict()).toDict()).toEqual(data.toDict());
          } catch (error) {
            if (!InvalidTokenDataError.isInstance(error)) throw error;
            expect(TokenStorageError.isInstance(error)).toBe(true);
          }
        }),
        { numRuns: 3000 },
      );
    });
  });
});
