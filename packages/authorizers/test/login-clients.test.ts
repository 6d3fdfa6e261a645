import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { AuthAPIError, InvalidArgumentError, InvalidTokenDataError, Scope, TokenStorageError } from '@globus-tokenstorage/core';
import { BasicAuthorizer, ConfidentialAppAuthClient, NativeAppAuthClient } from '@globus-tokenstorage/authorizers';
import { behavior, CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, NATIVE_CLIENT_ID } from './support/fixtures';
import { recordingFetch, tokenAnswer, type RecordedRequest } from './support/recording-fetch';

const flow = behavior.native_flow_default;
const recorded = behavior.authorizers;

/** The fields behavior.json records for an HTTP event. */
function asRecorded(request: RecordedRequest) {
  return {
    method: request.method,
    url: request.url,
    authorization: request.authorization,
    content_type: request.contentType,
    body: request.body,
  };
}

function pick(event: Record<string, unknown>) {
  return { method: event.method, url: event.url, authorization: event.authorization, content_type: event.content_type, body: event.body };
}

describe('NativeAppAuthClient authorize URL', () => {
  const startDefault = (client: NativeAppAuthClient) =>
    client.oauth2StartFlow({
      requestedScopes: flow.requested_scopes,
      verifier: flow.verifier,
      refreshTokens: true,
      prefillNamedGrant: 'My Laptop',
    });

  it('equals Python’s URL byte for byte (parameter order, + for spaces, %3A and %2F)', async () => {
    const client = new NativeAppAuthClient(NATIVE_CLIENT_ID);
    startDefault(client);
    expect(client.oauth2GetAuthorizeUrl()).toBe(flow.authorize_url);
  });

  it('adds the session parameters after the flow parameters, as Python', async () => {
    const client = new NativeAppAuthClient(NATIVE_CLIENT_ID);
    startDefault(client);
    const url = client.oauth2GetAuthorizeUrl({
      sessionRequiredIdentities: ['11111111-2222-4333-8444-555555555555', 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee'],
      sessionRequiredMfa: true,
      sessionMessage: 'please log in',
      prompt: 'login',
    });
    expect(url).toBe(flow.authorize_url_with_session_params);
  });

  it('sends access_type=online without refresh tokens and no prefill_named_grant unless given', async () => {
    const client = new NativeAppAuthClient(NATIVE_CLIENT_ID);
    client.oauth2StartFlow({ requestedScopes: 'urn:globus:auth:scope:transfer.api.globus.org:all', verifier: flow.verifier });
    expect(client.oauth2GetAuthorizeUrl()).toBe(behavior.native_flow_autogen_verifier.authorize_url_no_refresh);
  });

  it('accepts Scope objects and lists for requestedScopes', async () => {
    const client = new NativeAppAuthClient(NATIVE_CLIENT_ID);
    client.oauth2StartFlow({
      requestedScopes: ['openid', 'profile', 'email', Scope.parse('urn:globus:auth:scope:transfer.api.globus.org:all')],
      verifier: flow.verifier,
      refreshTokens: true,
      prefillNamedGrant: 'My Laptop',
    });
    expect(client.oauth2GetAuthorizeUrl()).toBe(flow.authorize_url);
  });

  it('queryParams replace a flow parameter in place and append new ones', async () => {
    const client = new NativeAppAuthClient(NATIVE_CLIENT_ID);
    client.oauth2StartFlow({ requestedScopes: 'openid', verifier: flow.verifier });
    const url = new URL(client.oauth2GetAuthorizeUrl({ queryParams: { state: 'xyz', extra: 'a b' } }));
    expect([...url.searchParams.keys()]).toEqual([
      'client_id',
      'redirect_uri',
      'scope',
      'state',
      'response_type',
      'code_challenge',
      'code_challenge_method',
      'access_type',
      'extra',
    ]);
    expect(url.searchParams.get('state')).toBe('xyz');
    expect(url.search).toContain('extra=a+b');
  });

  it.each([
    ['a string', 'abc'],
    ['an array', ['a']],
    ['a number', 5],
  ])('refuses queryParams that are %s instead of adding its indexes', (_kind, queryParams) => {
    const client = new NativeAppAuthClient(NATIVE_CLIENT_ID);
    client.oauth2StartFlow({ requestedScopes: 'openid' });
    expect(() => client.oauth2GetAuthorizeUrl({ queryParams: queryParams as never })).toThrow(
      new InvalidArgumentError("'queryParams' must be an object of parameter names to strings"),
    );
  });

  it('encodes every character like Python’s urlencode (output of Python 3.11 below)', async () => {
    const client = new NativeAppAuthClient(NATIVE_CLIENT_ID);
    client.oauth2StartFlow({ requestedScopes: 'openid', verifier: flow.verifier, state: "x*y!z'(q)~ é/:&=+%" });
    const url = client.oauth2GetAuthorizeUrl({ queryParams: { emoji: '😀' } });
    expect(url).toContain('&state=x%2Ay%21z%27%28q%29~+%C3%A9%2F%3A%26%3D%2B%25&');
    expect(url.endsWith('&emoji=%F0%9F%98%80')).toBe(true);
    client.oauth2StartFlow({ requestedScopes: 'openid', state: 'bad \ud800' });
    expect(() => client.oauth2GetAuthorizeUrl()).toThrow(InvalidArgumentError);
  });

  it('uses <baseUrl>/v2/web/auth-code as the default redirect and the base URL given', async () => {
    const client = new NativeAppAuthClient(NATIVE_CLIENT_ID, { baseUrl: 'http://127.0.0.1:9999/' });
    client.oauth2StartFlow({ requestedScopes: 'openid' });
    const url = new URL(client.oauth2GetAuthorizeUrl());
    expect(url.origin + url.pathname).toBe('http://127.0.0.1:9999/v2/oauth2/authorize');
    expect(url.searchParams.get('redirect_uri')).toBe('http://127.0.0.1:9999/v2/web/auth-code');
  });

  it('generates a 43-character verifier whose S256 challenge is in the URL', async () => {
    const { fetch, requests } = recordingFetch(tokenAnswer());
    const client = new NativeAppAuthClient(NATIVE_CLIENT_ID, { fetch });
    client.oauth2StartFlow({ requestedScopes: 'openid' });
    const url = new URL(client.oauth2GetAuthorizeUrl());
    await client.oauth2ExchangeCodeForTokens('CODE-123');
    const verifier = new URLSearchParams(requests[0]!.body!).get('code_verifier')!;
    expect(verifier).toHaveLength(behavior.native_flow_autogen_verifier.verifier_len);
    expect(verifier).toMatch(/^[A-Za-z0-9_-]+$/);
    const challenge = url.searchParams.get('code_challenge')!;
    expect(challenge).toHaveLength(behavior.native_flow_autogen_verifier.challenge_len);
    expect(challenge).toBe(createHash('sha256').update(verifier).digest('base64url'));
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('draws a new verifier for every flow', async () => {
    const client = new NativeAppAuthClient(NATIVE_CLIENT_ID);
    const challenges = new Set<string>();
    for (let i = 0; i < 5; i += 1) {
      client.oauth2StartFlow({ requestedScopes: 'openid' });
      challenges.add(new URL(client.oauth2GetAuthorizeUrl()).searchParams.get('code_challenge')!);
    }
    expect(challenges.size).toBe(5);
  });

  it('rejects supplied verifiers with Python’s messages', () => {
    const client = new NativeAppAuthClient(NATIVE_CLIENT_ID);
    const start = (verifier: string) => () => client.oauth2StartFlow({ requestedScopes: 'openid', verifier });
    expect(start('a'.repeat(42))).toThrow(new InvalidArgumentError(behavior.verifier_validation.too_short.error.message));
    expect(start('a'.repeat(129))).toThrow('verifier must be 43-128 characters long: 129');
    expect(start(`${'a'.repeat(42)}!`)).toThrow(new InvalidArgumentError(behavior.verifier_validation.bad_char.error.message));
    expect(start('a'.repeat(42))).toThrow(InvalidArgumentError);
    expect(() => client.oauth2StartFlow({ requestedScopes: 'openid', verifier: `${'a'.repeat(40)}~_.-Z9` })).not.toThrow();
  });

  it('rejects empty scopes with Python’s message', () => {
    const client = new NativeAppAuthClient(NATIVE_CLIENT_ID);
    expect(() => client.oauth2StartFlow({ requestedScopes: '' })).toThrow("'scopes' cannot be the empty string or empty collection.");
    expect(() => client.oauth2StartFlow({ requestedScopes: [] })).toThrow(InvalidArgumentError);
  });

  it('refuses to build a URL or exchange a code before oauth2StartFlow', async () => {
    const client = new NativeAppAuthClient(NATIVE_CLIENT_ID);
    expect(() => client.oauth2GetAuthorizeUrl()).toThrow(InvalidArgumentError);
    expect(() => client.oauth2GetAuthorizeUrl()).toThrow(/oauth2StartFlow/);
    await expect(client.oauth2ExchangeCodeForTokens('code')).rejects.toThrow(InvalidArgumentError);
  });

  it('validates its constructor arguments', () => {
    expect(() => new NativeAppAuthClient('')).toThrow(InvalidArgumentError);
    expect(() => new NativeAppAuthClient(NATIVE_CLIENT_ID, { baseUrl: 'auth.globus.org' })).toThrow(InvalidArgumentError);
    expect(() => new NativeAppAuthClient(NATIVE_CLIENT_ID, { baseUrl: 'ftp://auth.globus.org' })).toThrow(InvalidArgumentError);
    expect(() => new NativeAppAuthClient(NATIVE_CLIENT_ID, { fetch: 'no' as never })).toThrow(InvalidArgumentError);
  });
});

describe('native requests equal the Python recordings', () => {
  it('code exchange: client_id, grant_type, code, code_verifier, redirect_uri; no Authorization', async () => {
    const { fetch, requests } = recordingFetch(tokenAnswer());
    const client = new NativeAppAuthClient(NATIVE_CLIENT_ID, { fetch });
    client.oauth2StartFlow({ requestedScopes: flow.requested_scopes, verifier: flow.verifier, refreshTokens: true });
    await client.oauth2ExchangeCodeForTokens('FAKE-AUTH-CODE-1');
    expect(requests.map(asRecorded)).toEqual([pick(flow.code_exchange_request)]);
  });

  it('refresh: refresh_token, grant_type, client_id; no Authorization', async () => {
    const { fetch, requests } = recordingFetch(tokenAnswer());
    await new NativeAppAuthClient(NATIVE_CLIENT_ID, { fetch }).oauth2RefreshToken('RT-native');
    expect(requests.map(asRecorded)).toEqual([pick(recorded.refresh_requests_conf_vs_native[1])]);
  });

  it('revoke: token and client_id; no Authorization', async () => {
    const { fetch, requests } = recordingFetch({ json: { active: false } });
    await new NativeAppAuthClient(NATIVE_CLIENT_ID, { fetch }).oauth2RevokeToken('AT-auth-DEFAULT-0001');
    expect(requests.map(asRecorded)).toEqual([pick(recorded.revoke_requests[0])]);
  });
});

describe('confidential requests equal the Python recordings', () => {
  const confidential = (fetch: ReturnType<typeof recordingFetch>['fetch']) =>
    new ConfidentialAppAuthClient(CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, { fetch });

  it('client credentials: grant_type and scope with verbatim Basic credentials', async () => {
    const { fetch, requests } = recordingFetch(tokenAnswer());
    await confidential(fetch).oauth2ClientCredentialsTokens('urn:globus:auth:scope:transfer.api.globus.org:all');
    expect(requests.map(asRecorded)).toEqual([pick(recorded.cc_construct_events[0])]);
  });

  it('refresh: refresh_token and grant_type, no client_id, Basic credentials', async () => {
    const { fetch, requests } = recordingFetch(tokenAnswer());
    await confidential(fetch).oauth2RefreshToken('RT-conf');
    expect(requests.map(asRecorded)).toEqual([pick(recorded.refresh_requests_conf_vs_native[0])]);
  });

  it('revoke: token only, Basic credentials', async () => {
    const { fetch, requests } = recordingFetch({ text: '' });
    await confidential(fetch).oauth2RevokeToken('AT-cc-transfer-0001');
    expect(requests.map(asRecorded)).toEqual([pick(recorded.revoke_requests[1])]);
  });

  it('authorization-code flow: URL without PKCE, exchange with grant_type, code, redirect_uri', async () => {
    const { fetch, requests } = recordingFetch(tokenAnswer());
    const client = confidential(fetch);
    client.oauth2StartFlow({ redirectUri: 'https://example.org/callback', requestedScopes: 'openid email', refreshTokens: true });
    expect(client.oauth2GetAuthorizeUrl()).toBe(
      `https://auth.globus.org/v2/oauth2/authorize?client_id=${CONFIDENTIAL_CLIENT_ID}&redirect_uri=https%3A%2F%2Fexample.org%2Fcallback` +
        '&scope=openid+email&state=_default&response_type=code&access_type=offline',
    );
    await client.oauth2ExchangeCodeForTokens('CODE-9');
    expect(requests.map(asRecorded)).toEqual([
      {
        method: 'POST',
        url: 'https://auth.globus.org/v2/oauth2/token',
        authorization: recorded.cc_construct_events[0].authorization,
        content_type: 'application/x-www-form-urlencoded',
        body: 'grant_type=authorization_code&code=CODE-9&redirect_uri=https%3A%2F%2Fexample.org%2Fcallback',
      },
    ]);
  });

  it('requires a redirect URI for the authorization-code flow', () => {
    const { fetch } = recordingFetch();
    expect(() => confidential(fetch).oauth2StartFlow({ requestedScopes: 'openid' } as never)).toThrow(InvalidArgumentError);
  });

  it('dependent tokens: grant_type, token, access_type, scope in Python’s order; an array answer', async () => {
    const { fetch, requests } = recordingFetch({
      json: [
        {
          access_token: 'AT-dep-1',
          resource_server: 'transfer.api.globus.org',
          scope: 'urn:globus:auth:scope:transfer.api.globus.org:all',
          expires_in: 3600,
          token_type: 'Bearer',
        },
        {
          access_token: 'AT-dep-2',
          resource_server: 'groups.api.globus.org',
          scope: 'urn:globus:auth:scope:groups.api.globus.org:all',
          expires_in: 3600,
          token_type: 'Bearer',
        },
      ],
    });
    const response = await confidential(fetch).oauth2GetDependentTokens('AT-incoming', { refreshTokens: true, scope: ['a', 'b c'] });
    expect(requests[0]!.body).toBe(
      'grant_type=urn%3Aglobus%3Aauth%3Agrant_type%3Adependent_token&token=AT-incoming&access_type=offline&scope=a+b+c',
    );
    expect(requests[0]!.authorization).toBe(recorded.cc_construct_events[0].authorization);
    expect(response.grantType).toBe('dependent_token');
    expect(Object.keys(response.byResourceServer)).toEqual(['transfer.api.globus.org', 'groups.api.globus.org']);
  });

  it('getConsents: GET /v2/api/identities/{id}/consents?all=False with Basic credentials', async () => {
    const consents = [{ id: 1, scope_name: 'openid', dependency_path: [1] }];
    const { fetch, requests } = recordingFetch({ json: { consents } });
    const client = confidential(fetch);
    await expect(client.getConsents('11111111-2222-4333-8444-555555555555')).resolves.toEqual({ consents });
    await client.getConsents('11111111-2222-4333-8444-555555555555', { all: true });
    expect(requests.map((request) => [request.method, request.url, request.authorization, request.body])).toEqual([
      [
        'GET',
        'https://auth.globus.org/v2/api/identities/11111111-2222-4333-8444-555555555555/consents?all=False',
        recorded.cc_construct_events[0].authorization,
        null,
      ],
      [
        'GET',
        'https://auth.globus.org/v2/api/identities/11111111-2222-4333-8444-555555555555/consents?all=True',
        recorded.cc_construct_events[0].authorization,
        null,
      ],
    ]);
  });

  it('BasicAuthorizer gives Python’s header for a non-ASCII password with colons', async () => {
    await expect(new BasicAuthorizer('user', 'pässword:with:colons').getAuthorizationHeader()).resolves.toBe(recorded.basic);
    await expect(new BasicAuthorizer(CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET).getAuthorizationHeader()).resolves.toBe(
      recorded.cc_construct_events[0].authorization,
    );
  });
});

describe('token responses from the login clients', () => {
  it('carry the grant type, the client’s clock and an id_token decoder for the client', async () => {
    const { fetch } = recordingFetch(tokenAnswer({ expires_in: 100 }));
    const client = new NativeAppAuthClient(NATIVE_CLIENT_ID, { fetch, now: () => 2000000000 });
    client.oauth2StartFlow({ requestedScopes: 'openid' });
    const exchanged = await client.oauth2ExchangeCodeForTokens('code');
    expect(exchanged.grantType).toBe('authorization_code');
    expect(exchanged.byResourceServer['transfer.api.globus.org']!.expires_at_seconds).toBe(2000000100);
    expect(exchanged.idTokenDecoder).toBe(client.idTokenDecoder);
    expect(client.idTokenDecoder).toMatchObject({ clientId: NATIVE_CLIENT_ID, authBaseUrl: 'https://auth.globus.org' });
    expect((await client.oauth2RefreshToken('RT')).grantType).toBe('refresh_token');
  });

  it('use the idTokenDecoder given in the options', async () => {
    const decoder = { decode: async () => ({ sub: 'x' }) };
    const { fetch } = recordingFetch(tokenAnswer());
    const response = await new ConfidentialAppAuthClient('id', 'secret', { fetch, idTokenDecoder: decoder }).oauth2ClientCredentialsTokens(
      's',
    );
    expect(response.idTokenDecoder).toBe(decoder);
    expect(response.grantType).toBe('client_credentials');
  });

  it('from a standard OAuth2 server (no resource_server) need the client’s defaultResourceServer, which the error message names', async () => {
    const standard = { json: { access_token: 'AT', refresh_token: 'RT2', expires_in: 60, scope: 'api', token_type: 'Bearer' } };
    const { fetch } = recordingFetch(standard);
    const plain = new NativeAppAuthClient(NATIVE_CLIENT_ID, { fetch });
    const error = await plain.oauth2RefreshToken('RT').catch((caught: unknown) => caught);
    expect(InvalidTokenDataError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      "the token response has no 'resource_server' (a standard OAuth2 server sends none: give the login client, or OAuthTokenResponse.fromJSON, a defaultResourceServer option)",
    );
    const named = new NativeAppAuthClient(NATIVE_CLIENT_ID, { fetch, defaultResourceServer: 'api.example.org' });
    expect((await named.oauth2RefreshToken('RT')).byResourceServer['api.example.org']).toMatchObject({
      access_token: 'AT',
      refresh_token: 'RT2',
    });
    expect(() => new NativeAppAuthClient(NATIVE_CLIENT_ID, { defaultResourceServer: '' })).toThrow(InvalidArgumentError);
  });

  it('a malformed success answer throws a typed error', async () => {
    const { fetch } = recordingFetch({ json: { access_token: 'AT', other_tokens: [] } }, { text: '<html>' });
    const client = new NativeAppAuthClient(NATIVE_CLIENT_ID, { fetch });
    await expect(client.oauth2RefreshToken('RT')).rejects.toThrow(InvalidTokenDataError);
    const error = await client.oauth2RefreshToken('RT').catch((caught: unknown) => caught);
    expect(AuthAPIError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ httpStatus: 200, errorCode: null });
  });
});

describe('error answers', () => {
  it('throw AuthAPIError with the HTTP status, OAuth error code and description', async () => {
    const { fetch } = recordingFetch({ status: 400, json: { error: 'invalid_grant', error_description: 'refresh token not found' } });
    const error = await new NativeAppAuthClient(NATIVE_CLIENT_ID, { fetch })
      .oauth2RefreshToken('RT-dead')
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthAPIError);
    expect(error).toMatchObject({
      code: 'AUTH_API_ERROR',
      httpStatus: 400,
      errorCode: 'invalid_grant',
      description: 'refresh token not found',
    });
    expect((error as Error).message).toBe(
      'the refresh_token grant failed (POST /v2/oauth2/token): HTTP 400 invalid_grant: refresh token not found',
    );
  });

  it('read Globus’s errors[] shape', async () => {
    const { fetch } = recordingFetch({ status: 403, json: { errors: [{ code: 'FORBIDDEN', detail: 'no consent' }] } });
    const error = await new ConfidentialAppAuthClient('id', 'secret', { fetch }).getConsents('x').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ httpStatus: 403, errorCode: 'FORBIDDEN', description: 'no consent' });
  });

  it('a non-JSON error answer keeps its status', async () => {
    const { fetch } = recordingFetch({ status: 502, text: '<html>Bad gateway</html>' });
    const error = await new ConfidentialAppAuthClient('id', 'secret', { fetch })
      .oauth2RevokeToken('tok-123456')
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ httpStatus: 502, errorCode: null, description: null });
  });

  it('a network failure is an AuthAPIError with httpStatus 0 naming the system code, which its cause carries', async () => {
    const port = await closedPort();
    const client = new NativeAppAuthClient(NATIVE_CLIENT_ID, { baseUrl: `http://127.0.0.1:${port}`, maxRetries: 0 });
    const error = await client.oauth2RefreshToken('RT-x').catch((caught: unknown) => caught);
    expect(TokenStorageError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ httpStatus: 0 });
    expect((error as Error).message).toBe(
      `the refresh_token grant failed: could not reach http://127.0.0.1:${port} (POST /v2/oauth2/token): ECONNREFUSED`,
    );
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect', address: '127.0.0.1', port });
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
