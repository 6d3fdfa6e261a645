import { inspect } from 'node:util';
import { AuthAPIError, OAuthTokenResponse } from '@globus-tokenstorage/core';
import {
  AccessTokenAuthorizer,
  BasicAuthorizer,
  ClientCredentialsAuthorizer,
  ConfidentialAppAuthClient,
  createAuthorizedFetch,
  NativeAppAuthClient,
  RefreshTokenAuthorizer,
  StaticGlobusAuthorizer,
  type RefreshTokenClient,
} from '@globus-tokenstorage/authorizers';
import { recordingFetch, type RecordedRequest } from './support/recording-fetch';

const CANARY = 'CANARY-7f3b9c1e';
const ACCESS = `${CANARY}-access`;
const REFRESH = `${CANARY}-refresh`;
const SECRET = `${CANARY}-secret`;
const CODE = `${CANARY}-code`;
const VERIFIER = `${CANARY}-verifier-${'v'.repeat(30)}`;
const ID_TOKEN = `${CANARY}-id-token`;

/** The client credentials as a Basic header carries them. */
const ENCODED_SECRET = Buffer.from(`client:${SECRET}`).toString('base64');

/**
 * Every way a value can end up in a log. `bypassCustomInspect` also renders it without its
 * `util.inspect` hook, which only objects keeping their secrets in private fields survive.
 */
function renderings(value: unknown, bypassCustomInspect = true): string[] {
  const out = [inspect(value, { depth: 10, showHidden: true }), String(value)];
  if (bypassCustomInspect) out.push(inspect(value, { depth: 10, customInspect: false }));
  try {
    out.push(JSON.stringify(value) ?? '');
  } catch (error) {
    out.push(String(error));
  }
  if (value instanceof Error) {
    out.push(
      value.message,
      value.stack ?? '',
      ...renderings(value.cause ?? ''),
      ...Object.getOwnPropertyNames(value).map((key) => inspect((value as never)[key])),
    );
  }
  return out;
}

function expectNoCanary(value: unknown, bypassCustomInspect = true) {
  for (const text of renderings(value, bypassCustomInspect)) {
    expect(text).not.toContain(CANARY);
    expect(text).not.toContain(ENCODED_SECRET);
  }
}

/** A server that quotes the whole request body in its error description (the worst case). */
const echoingServer = (request: RecordedRequest) =>
  new Response(
    JSON.stringify({ error: `bad ${request.body}`, error_description: `rejected ${request.body} with ${request.authorization}` }),
    {
      status: 400,
    },
  );

const tokenBody = {
  access_token: ACCESS,
  refresh_token: REFRESH,
  id_token: ID_TOKEN,
  expires_in: 3600,
  resource_server: 'rs',
  scope: 's',
  token_type: 'Bearer',
  other_tokens: [{ access_token: `${ACCESS}-2`, refresh_token: `${REFRESH}-2`, resource_server: 'rs2', scope: 's2' }],
};

describe('no token or secret ever shows', () => {
  it('in authorizers (inspect, JSON, String), before and after a refresh', async () => {
    const { fetch } = recordingFetch({ json: { ...tokenBody, other_tokens: [] } });
    const native = new NativeAppAuthClient('client', { fetch });
    const refreshing = new RefreshTokenAuthorizer(REFRESH, native, { accessToken: ACCESS, expiresAtSeconds: 1 });
    const confidential = new ConfidentialAppAuthClient('client', SECRET, { fetch });
    const authorizers = [
      refreshing,
      new ClientCredentialsAuthorizer(confidential, 'scope', { accessToken: ACCESS, expiresAtSeconds: 1 }),
      new AccessTokenAuthorizer(ACCESS),
      new BasicAuthorizer('client', SECRET),
      new StaticGlobusAuthorizer(`Bearer ${ACCESS}`),
    ];
    for (const authorizer of authorizers) expectNoCanary(authorizer);
    await refreshing.getAuthorizationHeader();
    expect(refreshing.accessToken).toBe(ACCESS);
    expectNoCanary(refreshing);
    expect(String(refreshing)).toContain('[redacted]');
  });

  it('in login clients, including during a flow with a verifier', async () => {
    const native = new NativeAppAuthClient('client');
    native.oauth2StartFlow({ requestedScopes: 'openid', verifier: VERIFIER });
    const confidential = new ConfidentialAppAuthClient('client', SECRET);
    confidential.oauth2StartFlow({ requestedScopes: 'openid', redirectUri: 'https://example.org/cb' });
    expectNoCanary(native);
    expectNoCanary(confidential);
    expect(JSON.stringify(confidential)).toContain('[redacted]');
  });

  it('in token responses from the clients', async () => {
    const { fetch } = recordingFetch({ json: tokenBody });
    const response = await new ConfidentialAppAuthClient('client', SECRET, { fetch }).oauth2RefreshToken(REFRESH);
    expect(response.byResourceServer.rs!.access_token).toBe(ACCESS);
    // OAuthTokenResponse (from core) keeps the raw body in a public field: only its inspect hook redacts.
    expectNoCanary(response, false);
  });

  it('in errors of every client call, even when the server echoes the request', async () => {
    const { fetch } = recordingFetch(echoingServer);
    const native = new NativeAppAuthClient('client', { fetch });
    native.oauth2StartFlow({ requestedScopes: 'openid', verifier: VERIFIER });
    const confidential = new ConfidentialAppAuthClient('client', SECRET, { fetch });
    confidential.oauth2StartFlow({ requestedScopes: 'openid', redirectUri: 'https://example.org/cb' });
    const calls: Array<() => Promise<unknown>> = [
      () => native.oauth2ExchangeCodeForTokens(CODE),
      () => native.oauth2RefreshToken(REFRESH),
      () => native.oauth2RevokeToken(ACCESS),
      () => confidential.oauth2ExchangeCodeForTokens(CODE),
      () => confidential.oauth2RefreshToken(REFRESH),
      () => confidential.oauth2RevokeToken(ACCESS),
      () => confidential.oauth2ClientCredentialsTokens('scope'),
      () => confidential.oauth2GetDependentTokens(ACCESS),
      () => confidential.getConsents('identity'),
    ];
    for (const call of calls) {
      const error = await call().then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(AuthAPIError);
      expect((error as AuthAPIError).description).toContain('[redacted]');
      expectNoCanary(error);
    }
  });

  it('in network errors, even when fetch quotes the request in its message', async () => {
    const fetch = async (_input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      throw Object.assign(new TypeError(`could not send ${String(init?.body)} ${JSON.stringify(init?.headers)}`), {
        cause: new Error(String(init?.body)),
      });
    };
    const confidential = new ConfidentialAppAuthClient('client', SECRET, { fetch });
    const error = await confidential.oauth2RefreshToken(REFRESH).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ httpStatus: 0 });
    expectNoCanary(error);
  });

  it('in renewal errors seen through authorizers and authorizedFetch', async () => {
    const { fetch } = recordingFetch(echoingServer);
    const authorizer = new RefreshTokenAuthorizer(REFRESH, new ConfidentialAppAuthClient('client', SECRET, { fetch }), {
      accessToken: ACCESS,
      expiresAtSeconds: Date.now() / 1000 + 3600,
    });
    const api = async (_input: RequestInfo | URL, init?: RequestInit) =>
      new Response(`nope ${new Headers(init?.headers).get('authorization')}`, { status: 401 });
    const error = await createAuthorizedFetch(authorizer, { fetch: api })('https://api.example.org/x').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthAPIError);
    expectNoCanary(error);

    const custom: RefreshTokenClient = {
      oauth2RefreshToken: async (token) => {
        throw new Error(`custom client failed with ${token}`);
      },
    };
    const wrapped = await new RefreshTokenAuthorizer(REFRESH, custom).getAuthorizationHeader().catch((caught: unknown) => caught);
    expect(wrapped).toBeInstanceOf(AuthAPIError);
    expectNoCanary(wrapped);
  });

  it('the check itself would notice a leak', () => {
    const leaky = OAuthTokenResponse.fromJSON(tokenBody);
    expect(() => expectNoCanary({ ...leaky.byResourceServer })).toThrow();
    expect(() => expectNoCanary(new Error(`wrapped ${CANARY}`))).toThrow();
    expect(() => expectNoCanary(new Error('outer', { cause: new Error(CANARY) }))).toThrow();
  });
});
