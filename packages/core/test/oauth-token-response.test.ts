import { inspect } from 'node:util';
import { IdentityExtractionError, InvalidArgumentError, InvalidTokenDataError, OAuthTokenResponse } from '@globus-tokenstorage/core';
import { behavior } from './support/fixtures';

const NOW = 2_000_000_000;
const codeExchangeBody = {
  access_token: 'AT-auth-DEFAULT-0001',
  refresh_token: 'RT-auth-DEFAULT-0001',
  expires_in: 172800,
  resource_server: 'auth.globus.org',
  scope: 'openid profile email',
  token_type: 'Bearer',
  id_token: 'header.payload.signature',
  state: '_default',
  other_tokens: [
    {
      access_token: 'AT-transfer-DEFAULT-0001',
      refresh_token: 'RT-transfer-DEFAULT-0001',
      expires_in: 86400,
      resource_server: 'transfer.api.globus.org',
      scope: 'urn:globus:auth:scope:transfer.api.globus.org:all',
      token_type: 'Bearer',
    },
  ],
};

function invalid(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    expect(InvalidTokenDataError.isInstance(error) || InvalidArgumentError.isInstance(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected a typed error');
}

describe('OAuthTokenResponse', () => {
  const response = OAuthTokenResponse.fromJSON(codeExchangeBody, { now: () => NOW, grantType: 'authorization_code' });

  it('indexes tokens by resource server exactly like the Python SDK (keys, order, expiry)', () => {
    const plain = Object.fromEntries(Object.entries(response.byResourceServer).map(([key, dict]) => [key, { ...dict }]));
    expect(plain).toEqual(behavior.native_flow_default.by_resource_server);
    for (const [key, dict] of Object.entries(response.byResourceServer)) {
      expect(Object.keys(dict)).toEqual(Object.keys(behavior.native_flow_default.by_resource_server[key]));
    }
    expect(Object.isFrozen(response.byResourceServer)).toBe(true);
  });

  it('shows no token when its token dicts are logged, while their keys and a spread copy stay as in Python', () => {
    const transfer = response.byResourceServer['transfer.api.globus.org']!;
    for (const text of [
      JSON.stringify(response.byResourceServer),
      JSON.stringify(transfer),
      inspect(response.byResourceServer, { depth: 5 }),
      inspect(transfer),
    ]) {
      expect(text).not.toContain(transfer.access_token);
      expect(text).not.toContain(transfer.refresh_token);
      expect(text).toContain('[redacted]');
      expect(text).toContain('transfer.api.globus.org');
    }
    expect(Object.keys(transfer)).toEqual([
      'scope',
      'access_token',
      'refresh_token',
      'token_type',
      'expires_at_seconds',
      'resource_server',
    ]);
    expect(JSON.stringify({ ...transfer })).toContain(transfer.access_token);
  });

  it('looks tokens up by scopes like the Python SDK', () => {
    expect(response.byScopes.get('urn:globus:auth:scope:transfer.api.globus.org:all')).toEqual(
      behavior.native_flow_default.by_scopes_transfer,
    );
    expect(response.byScopes.get('openid profile')).toEqual(behavior.native_flow_default.by_scopes_openid_profile);
    expect(response.byScopes.get('  email\topenid ')).toEqual(behavior.native_flow_default.by_scopes_openid_profile);
    const mixed = 'openid urn:globus:auth:scope:transfer.api.globus.org:all';
    expect(invalid(() => response.byScopes.get(mixed))).toBe(`Scope specifier "${mixed}" did not match exactly one token`);
    expect(invalid(() => response.byScopes.get('unknown'))).toContain('did not match exactly one token');
    expect(invalid(() => response.byScopes.get(''))).toContain('did not match exactly one token');
    expect(response.byScopes.has('openid email')).toBe(true);
    expect(response.byScopes.has(mixed)).toBe(false);
    expect([...response.byScopes.keys()]).toHaveLength(4);
  });

  it('keeps the id_token and grant type', () => {
    expect(response.idToken).toBe('header.payload.signature');
    expect(response.grantType).toBe('authorization_code');
    expect(OAuthTokenResponse.fromJSON({ ...codeExchangeBody, id_token: undefined }).idToken).toBeNull();
    expect(OAuthTokenResponse.fromJSON(codeExchangeBody).grantType).toBe('unknown');
  });

  it('accepts a response without other_tokens (Python raises KeyError)', () => {
    expect(behavior.token_response_without_other_tokens.error.type).toBe('KeyError');
    const { other_tokens: _ignored, ...single } = codeExchangeBody;
    expect(Object.keys(OAuthTokenResponse.fromJSON(single).byResourceServer)).toEqual(['auth.globus.org']);
  });

  it('needs defaultResourceServer for standard OAuth2 responses without resource_server', () => {
    const standard = { access_token: 'a', token_type: 'Bearer', expires_in: 60, scope: 'openid api:read', refresh_token: 'r' };
    expect(invalid(() => OAuthTokenResponse.fromJSON(standard))).toContain('defaultResourceServer');
    const named = OAuthTokenResponse.fromJSON(standard, { defaultResourceServer: 'api.example.org', now: () => 10 });
    expect(named.byResourceServer['api.example.org']).toEqual({
      scope: 'openid api:read',
      access_token: 'a',
      refresh_token: 'r',
      token_type: 'Bearer',
      expires_at_seconds: 70,
      resource_server: 'api.example.org',
    });
  });

  it('truncates expires_at_seconds, treats a missing expires_in as 0, and lets a later duplicate win', () => {
    const body = {
      access_token: 'first',
      scope: 's',
      resource_server: 'rs',
      other_tokens: [{ access_token: 'second', scope: 's2', resource_server: 'rs', expires_in: 10.9 }],
    };
    const parsed = OAuthTokenResponse.fromJSON(body, { now: () => 100.7 });
    expect(parsed.byResourceServer.rs).toMatchObject({
      access_token: 'second',
      expires_at_seconds: 111,
      refresh_token: null,
      token_type: null,
    });
    expect(
      OAuthTokenResponse.fromJSON({ access_token: 'a', scope: 's', resource_server: 'x' }, { now: () => 5.5 }).byResourceServer.x
        ?.expires_at_seconds,
    ).toBe(5);
  });

  it('reads dependent-token responses, which are arrays', () => {
    const parsed = OAuthTokenResponse.fromJSON([
      { access_token: 'a', scope: 's', resource_server: 'one', expires_in: 1 },
      { access_token: 'b', scope: 't', resource_server: 'two', expires_in: 1 },
    ]);
    expect(parsed.grantType).toBe('dependent_token');
    expect(Object.keys(parsed.byResourceServer)).toEqual(['one', 'two']);
    expect(parsed.idToken).toBeNull();
  });

  it.each([
    [null, 'the token response must be a JSON object'],
    ['text', 'the token response must be a JSON object'],
    [{ access_token: 5, scope: 's', resource_server: 'r' }, "'access_token' of the token response must be a string"],
    [{ access_token: 'a', resource_server: 'r' }, "'scope' of the token response must be a string"],
    [
      { access_token: 'a', scope: 's', resource_server: 'r', refresh_token: 3 },
      "'refresh_token' of the token response must be a string or null",
    ],
    [{ access_token: 'a', scope: 's', resource_server: 'r', expires_in: '60' }, "'expires_in' of the token response must be a number"],
    [{ access_token: 'a', scope: 's', resource_server: 'r', expires_in: 1e300 }, "'expires_in' of the token response is out of range"],
    [{ access_token: 'a', scope: 's', resource_server: 'r', other_tokens: {} }, "'other_tokens' must be an array"],
    [{ access_token: 'a', scope: 's', resource_server: 'r', other_tokens: [7] }, 'other_tokens[0] must be a JSON object'],
    [{ access_token: 'a', scope: 's', resource_server: 'r', id_token: 1 }, "'id_token' must be a string"],
    [[{ access_token: 'a', scope: 's' }], "token 0 of the response has no 'resource_server'"],
  ])('rejects %p with a typed error', (body, message) => {
    expect(invalid(() => OAuthTokenResponse.fromJSON(body))).toContain(message);
  });

  it('rejects bad options', () => {
    expect(invalid(() => OAuthTokenResponse.fromJSON(codeExchangeBody, { grantType: 'password' as never }))).toContain(
      "unknown grantType 'password'",
    );
    expect(invalid(() => OAuthTokenResponse.fromJSON(codeExchangeBody, { defaultResourceServer: '' }))).toContain('defaultResourceServer');
    expect(invalid(() => OAuthTokenResponse.fromJSON(codeExchangeBody, { now: 5 as never }))).toContain("'now' must be a function");
  });

  it('never shows a token in toJSON, toString or util.inspect', () => {
    for (const text of [JSON.stringify(response), String(response), inspect(response), inspect(response.byResourceServer.rs)]) {
      for (const secret of ['AT-auth-DEFAULT-0001', 'RT-transfer-DEFAULT-0001', 'header.payload.signature'])
        expect(text).not.toContain(secret);
    }
    expect(JSON.stringify(response)).toContain('transfer.api.globus.org');
  });

  it('decodeIdToken needs an id_token and a decoder', async () => {
    const withoutIdToken = OAuthTokenResponse.fromJSON({ ...codeExchangeBody, id_token: null });
    await expect(withoutIdToken.decodeIdToken()).rejects.toThrow(IdentityExtractionError);
    await expect(response.decodeIdToken()).rejects.toThrow('no IDTokenDecoder');
    const decoder = { decode: jest.fn(async () => ({ sub: 'someone' })) };
    await expect(response.decodeIdToken(decoder)).resolves.toEqual({ sub: 'someone' });
    expect(decoder.decode).toHaveBeenCalledWith('header.payload.signature');
    const attached = OAuthTokenResponse.fromJSON(codeExchangeBody, { idTokenDecoder: decoder });
    await expect(attached.decodeIdToken()).resolves.toEqual({ sub: 'someone' });
  });
});

describe('OAuthTokenResponse rendering', () => {
  it('hides the raw body even from util.inspect without custom inspection, and shows token types', () => {
    const response = OAuthTokenResponse.fromJSON({
      access_token: 'AT-raw-canary',
      scope: 's',
      resource_server: 'rs',
      token_type: 'Bearer',
    });
    expect(inspect(response, { customInspect: false })).not.toContain('AT-raw-canary');
    expect(response.data).toMatchObject({ access_token: 'AT-raw-canary' });
    expect(JSON.stringify(response)).toContain('"token_type":"Bearer"');
  });
});
