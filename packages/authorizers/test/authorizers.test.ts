import {
  AuthAPIError,
  InvalidArgumentError,
  InvalidTokenDataError,
  OAuthTokenResponse,
  TokenStorageError,
} from '@globus-tokenstorage/core';
import {
  AccessTokenAuthorizer,
  BasicAuthorizer,
  ClientCredentialsAuthorizer,
  ConfidentialAppAuthClient,
  createAuthorizedFetch,
  NativeAppAuthClient,
  NullAuthorizer,
  RefreshTokenAuthorizer,
  StaticGlobusAuthorizer,
  type RefreshTokenClient,
} from '@globus-tokenstorage/authorizers';
import { behavior, CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, NATIVE_CLIENT_ID } from './support/fixtures';
import { recordingFetch, tokenAnswer } from './support/recording-fetch';

const recorded = behavior.authorizers;
const FAKE_NOW = behavior._meta.fake_now as number;
const TRANSFER = 'transfer.api.globus.org';

/** A refresh response for one resource server. */
function refreshResponse(accessToken: string, fields: Record<string, unknown> = {}, now = FAKE_NOW): OAuthTokenResponse {
  return OAuthTokenResponse.fromJSON(
    {
      access_token: accessToken,
      expires_in: 172800,
      resource_server: TRANSFER,
      scope: 'urn:globus:auth:scope:transfer.api.globus.org:all',
      token_type: 'Bearer',
      other_tokens: [],
      ...fields,
    },
    { grantType: 'refresh_token', now: () => now },
  );
}

/** A login client double: counts refreshes and answers from a queue (the last answer repeats). */
class ScriptedClient implements RefreshTokenClient {
  readonly seen: string[] = [];
  constructor(private readonly answers: Array<() => Promise<OAuthTokenResponse>>) {}
  oauth2RefreshToken(refreshToken: string): Promise<OAuthTokenResponse> {
    this.seen.push(refreshToken);
    const answer = this.answers[Math.min(this.seen.length - 1, this.answers.length - 1)]!;
    return answer();
  }
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('simple authorizers', () => {
  it('give the headers the Python SDK gives and never ask for a retry', async () => {
    await expect(new NullAuthorizer().getAuthorizationHeader()).resolves.toBe(recorded.null);
    await expect(new AccessTokenAuthorizer('AT-123').getAuthorizationHeader()).resolves.toBe(recorded.access_token);
    await expect(new BasicAuthorizer('user', 'pässword:with:colons').getAuthorizationHeader()).resolves.toBe(recorded.basic);
    await expect(new StaticGlobusAuthorizer('Bearer fixed').getAuthorizationHeader()).resolves.toBe('Bearer fixed');
    for (const authorizer of [
      new NullAuthorizer(),
      new AccessTokenAuthorizer('AT-123'),
      new BasicAuthorizer('u', 'p'),
      new StaticGlobusAuthorizer('x'),
    ]) {
      await expect(authorizer.handleMissingAuthorization()).resolves.toBe(recorded.access_token_handle_401);
    }
  });

  it('reject arguments of the wrong type with InvalidArgumentError', () => {
    expect(() => new AccessTokenAuthorizer('')).toThrow(InvalidArgumentError);
    expect(() => new BasicAuthorizer('u', 1 as never)).toThrow(InvalidArgumentError);
    expect(() => new StaticGlobusAuthorizer(null as never)).toThrow(InvalidArgumentError);
  });
});

describe('RefreshTokenAuthorizer', () => {
  it('refuses exactly one of accessToken and expiresAtSeconds, naming the options as this API spells them', () => {
    const client = new ScriptedClient([async () => refreshResponse('AT')]);
    // Python says "access_token and expires_at": its keyword arguments, not ours.
    expect(recorded.rta_only_one_of_token_expires.error.message).toContain('access_token and expires_at');
    const message =
      "RefreshTokenAuthorizer: give both 'accessToken' and 'expiresAtSeconds' (the stored token and when it expires), or neither (the first call then fetches a token)";
    // The types refuse them too (`pnpm typecheck` fails if they accept them again).
    // @ts-expect-error accessToken without expiresAtSeconds
    expect(() => new RefreshTokenAuthorizer('RT', client, { accessToken: 'AT' })).toThrow(new InvalidArgumentError(message));
    // @ts-expect-error expiresAtSeconds without accessToken
    expect(() => new RefreshTokenAuthorizer('RT', client, { expiresAtSeconds: 5 })).toThrow(new InvalidArgumentError(message));
  });

  it('rejects a client without oauth2RefreshToken, and bad options', () => {
    expect(() => new RefreshTokenAuthorizer('RT', {} as never)).toThrow(InvalidArgumentError);
    const client = new ScriptedClient([async () => refreshResponse('AT')]);
    expect(() => new RefreshTokenAuthorizer('', client)).toThrow(InvalidArgumentError);
    expect(() => new RefreshTokenAuthorizer('RT', client, { accessToken: 'AT', expiresAtSeconds: Number.NaN })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new RefreshTokenAuthorizer('RT', client, { onRefresh: 'no' as never })).toThrow(InvalidArgumentError);
  });

  it('does no network in the constructor, with or without a token; the first header fetches one', async () => {
    const client = new ScriptedClient([async () => refreshResponse('AT-new')]);
    const onRefresh = jest.fn();
    const withToken = new RefreshTokenAuthorizer('RT-x', client, {
      accessToken: 'AT-x',
      expiresAtSeconds: FAKE_NOW + 3600,
      now: () => FAKE_NOW,
      onRefresh,
    });
    const without = new RefreshTokenAuthorizer('RT-y', client, { onRefresh, now: () => FAKE_NOW });
    expect(client.seen).toEqual(recorded.rta_events_at_construction_with_token);
    expect(onRefresh).not.toHaveBeenCalled();
    await expect(withToken.getAuthorizationHeader()).resolves.toBe('Bearer AT-x');
    await expect(without.getAuthorizationHeader()).resolves.toBe('Bearer AT-new');
    expect(client.seen).toEqual(['RT-y']);
    expect(onRefresh).toHaveBeenCalledTimes(1);
  });

  it('keeps a token valid while now <= expiresAtSeconds - 60 (65 s left: no refresh; 55 s: refresh)', async () => {
    const make = (secondsLeft: number) => {
      const client = new ScriptedClient([async () => refreshResponse('AT-transfer-REFRESHED-0004')]);
      const authorizer = new RefreshTokenAuthorizer('RT', client, {
        accessToken: 'AT-m',
        expiresAtSeconds: FAKE_NOW + secondsLeft,
        now: () => FAKE_NOW,
      });
      return { client, authorizer };
    };
    for (const [secondsLeft, expected] of [
      [65, recorded.margin_expires_in_65s],
      [55, recorded.margin_expires_in_55s],
    ] as const) {
      const { client, authorizer } = make(secondsLeft);
      await expect(authorizer.getAuthorizationHeader()).resolves.toBe(expected.header);
      expect(client.seen.length > 0).toBe(expected.refreshed);
    }
    const atBoundary = make(60);
    await expect(atBoundary.authorizer.getAuthorizationHeader()).resolves.toBe('Bearer AT-m');
    const justPast = make(59.999);
    await expect(justPast.authorizer.getAuthorizationHeader()).resolves.toBe('Bearer AT-transfer-REFRESHED-0004');
  });

  it('follows the injected clock: the same authorizer refreshes once time passes the margin', async () => {
    let now = FAKE_NOW;
    const client = new ScriptedClient([async () => refreshResponse('AT-2', {}, now)]);
    const authorizer = new RefreshTokenAuthorizer('RT', client, { accessToken: 'AT-1', expiresAtSeconds: FAKE_NOW + 3600, now: () => now });
    await expect(authorizer.getAuthorizationHeader()).resolves.toBe('Bearer AT-1');
    now += 3541;
    await expect(authorizer.getAuthorizationHeader()).resolves.toBe('Bearer AT-2');
    expect(authorizer.expiresAtSeconds).toBe(now + 172800);
  });

  it('passes an error of the injected clock as a rejection, never as a synchronous throw', async () => {
    const failure = new Error('clock failed');
    const authorizer = new RefreshTokenAuthorizer('RT', new ScriptedClient([]), {
      accessToken: 'AT-1',
      expiresAtSeconds: FAKE_NOW + 3600,
      now: () => {
        throw failure;
      },
    });
    let pending: Promise<string> | undefined;
    expect(() => (pending = authorizer.getAuthorizationHeader())).not.toThrow();
    await expect(pending).rejects.toBe(failure);
  });

  it('shares one refresh among concurrent callers', async () => {
    const gate = deferred<OAuthTokenResponse>();
    const client = new ScriptedClient([() => gate.promise]);
    const authorizer = new RefreshTokenAuthorizer('RT', client, {
      accessToken: 'AT-old',
      expiresAtSeconds: FAKE_NOW - 1,
      now: () => FAKE_NOW,
    });
    const headers = Array.from({ length: 100 }, () => authorizer.getAuthorizationHeader());
    gate.resolve(refreshResponse('AT-shared'));
    expect(new Set(await Promise.all(headers))).toEqual(new Set(['Bearer AT-shared']));
    expect(client.seen).toEqual(['RT']);
  });

  it('rejects every waiter of a failed refresh with the typed error, and the next call tries again', async () => {
    const failure = new AuthAPIError('the refresh_token grant failed', { httpStatus: 503 });
    const gate = deferred<OAuthTokenResponse>();
    const client = new ScriptedClient([() => gate.promise, async () => refreshResponse('AT-after')]);
    const authorizer = new RefreshTokenAuthorizer('RT', client, { now: () => FAKE_NOW });
    const waiters = Array.from({ length: 20 }, () =>
      authorizer.getAuthorizationHeader().then(
        () => 'ok',
        (error: unknown) => error,
      ),
    );
    gate.reject(failure);
    const outcomes = await Promise.all(waiters);
    expect(outcomes.every((outcome) => outcome === failure)).toBe(true);
    expect(client.seen).toHaveLength(1);
    await expect(authorizer.getAuthorizationHeader()).resolves.toBe('Bearer AT-after');
    expect(client.seen).toHaveLength(2);
  });

  it('wraps an untyped failure of a custom client in AuthAPIError', async () => {
    const client = new ScriptedClient([() => Promise.reject(new TypeError('boom'))]);
    const error = await new RefreshTokenAuthorizer('RT', client).getAuthorizationHeader().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AuthAPIError);
    expect(error).toMatchObject({
      httpStatus: 0,
      message: 'RefreshTokenAuthorizer: the token renewal failed: the auth client threw TypeError',
    });
  });

  it('awaits onRefresh after the new token is in place and before any header is returned', async () => {
    const events: string[] = [];
    const stored = deferred<void>();
    const client = new ScriptedClient([async () => refreshResponse('AT-new', { refresh_token: 'RT-new' })]);
    const authorizer: RefreshTokenAuthorizer = new RefreshTokenAuthorizer('RT-old', client, {
      now: () => FAKE_NOW,
      onRefresh: async (response) => {
        events.push(`onRefresh ${response.grantType} sees ${authorizer.accessToken} ${authorizer.refreshToken}`);
        await stored.promise;
        events.push('stored');
      },
    });
    const first = authorizer.getAuthorizationHeader().then((header) => events.push(`header ${header}`));
    await new Promise((resolve) => setImmediate(resolve));
    const second = authorizer.getAuthorizationHeader().then((header) => events.push(`late caller ${header}`));
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual(['onRefresh refresh_token sees AT-new RT-new']);
    stored.resolve();
    await Promise.all([first, second]);
    expect(events).toEqual(['onRefresh refresh_token sees AT-new RT-new', 'stored', 'header Bearer AT-new', 'late caller Bearer AT-new']);
    expect(client.seen).toHaveLength(1);
  });

  it('passes an onRefresh failure to the callers and offers the same response again before the new token is used', async () => {
    const client = new ScriptedClient([async () => refreshResponse('AT-new', { refresh_token: 'RT-new' })]);
    const offered: OAuthTokenResponse[] = [];
    const authorizer = new RefreshTokenAuthorizer('RT', client, {
      now: () => FAKE_NOW,
      onRefresh: (response) => {
        offered.push(response);
        if (offered.length <= 2) throw new Error(`disk full ${offered.length}`);
      },
    });
    await expect(authorizer.getAuthorizationHeader()).rejects.toThrow('disk full 1');
    expect(authorizer.refreshToken).toBe('RT-new');
    await expect(authorizer.getAuthorizationHeader()).rejects.toThrow('disk full 2');
    await expect(authorizer.getAuthorizationHeader()).resolves.toBe('Bearer AT-new');
    await expect(authorizer.getAuthorizationHeader()).resolves.toBe('Bearer AT-new');
    expect(offered).toHaveLength(3);
    expect(new Set(offered).size).toBe(1);
    expect(client.seen).toHaveLength(1);
  });

  it('delivers an undelivered response before renewing after a 401, then renews once', async () => {
    const client = new ScriptedClient([async () => refreshResponse('AT-2'), async () => refreshResponse('AT-3')]);
    const offered: string[] = [];
    let failing = true;
    const authorizer = new RefreshTokenAuthorizer('RT', client, {
      now: () => FAKE_NOW,
      onRefresh: (response) => {
        offered.push(String(response.byResourceServer[TRANSFER]!.access_token));
        if (failing) throw new Error('disk full');
      },
    });
    await expect(authorizer.getAuthorizationHeader()).rejects.toThrow('disk full');
    failing = false;
    await expect(authorizer.handleMissingAuthorization()).resolves.toBe(true);
    expect(offered).toEqual(['AT-2', 'AT-2', 'AT-3']);
    await expect(authorizer.getAuthorizationHeader()).resolves.toBe('Bearer AT-3');
    expect(client.seen).toHaveLength(2);
  });

  it('handleMissingAuthorization renews and returns true (Python: expires_at None, then a new token)', async () => {
    const client = new ScriptedClient([async () => refreshResponse('AT-transfer-REFRESHED-0005')]);
    const authorizer = new RefreshTokenAuthorizer('RT', client, {
      accessToken: 'AT-h',
      expiresAtSeconds: FAKE_NOW + 3600,
      now: () => FAKE_NOW,
    });
    await expect(authorizer.handleMissingAuthorization()).resolves.toBe(recorded.handle_missing_authorization_return);
    await expect(authorizer.getAuthorizationHeader()).resolves.toBe(recorded.after_handle_missing_header);
    expect(client.seen).toHaveLength(1);
  });

  it('handleMissingAuthorization does not renew again when a newer token than the rejected one is in place', async () => {
    const client = new ScriptedClient([async () => refreshResponse('AT-2'), async () => refreshResponse('AT-3')]);
    const authorizer = new RefreshTokenAuthorizer('RT', client, {
      accessToken: 'AT-1',
      expiresAtSeconds: FAKE_NOW + 3600,
      now: () => FAKE_NOW,
    });
    const rejected = await authorizer.getAuthorizationHeader();
    const [a, b] = await Promise.all([authorizer.handleMissingAuthorization(rejected), authorizer.handleMissingAuthorization(rejected)]);
    expect([a, b]).toEqual([true, true]);
    await expect(authorizer.handleMissingAuthorization(rejected)).resolves.toBe(true);
    expect(client.seen).toHaveLength(1);
    await expect(authorizer.getAuthorizationHeader()).resolves.toBe('Bearer AT-2');
    await expect(authorizer.handleMissingAuthorization('Bearer AT-2')).resolves.toBe(true);
    expect(client.seen).toHaveLength(2);
  });

  it('a failed renewal in handleMissingAuthorization throws, and the next header tries again', async () => {
    const client = new ScriptedClient([
      () => Promise.reject(new AuthAPIError('down', { httpStatus: 0 })),
      async () => refreshResponse('AT-ok'),
    ]);
    const authorizer = new RefreshTokenAuthorizer('RT', client, {
      accessToken: 'AT-1',
      expiresAtSeconds: FAKE_NOW + 3600,
      now: () => FAKE_NOW,
    });
    await expect(authorizer.handleMissingAuthorization('Bearer AT-1')).rejects.toThrow(AuthAPIError);
    await expect(authorizer.getAuthorizationHeader()).resolves.toBe('Bearer AT-ok');
  });

  it('uses a rotated refresh token and keeps the old one when a response has none (Python forgets it)', async () => {
    const { fetch, requests } = recordingFetch(
      tokenAnswer({ access_token: 'AT-1' }),
      tokenAnswer({ access_token: 'AT-2', refresh_token: 'RT-rotated' }),
      tokenAnswer({ access_token: 'AT-3' }),
    );
    const client = new NativeAppAuthClient(NATIVE_CLIENT_ID, { fetch });
    const authorizer = new RefreshTokenAuthorizer('RT-first', client, { now: () => FAKE_NOW });
    await authorizer.getAuthorizationHeader();
    expect(authorizer.refreshToken).toBe('RT-first');
    expect(recorded.refresh_response_without_refresh_token.refresh_token_attr_after_first_refresh).toBeNull();
    await authorizer.handleMissingAuthorization();
    await authorizer.handleMissingAuthorization();
    expect(requests.map((request) => request.body)).toEqual([
      `refresh_token=RT-first&grant_type=refresh_token&client_id=${NATIVE_CLIENT_ID}`,
      `refresh_token=RT-first&grant_type=refresh_token&client_id=${NATIVE_CLIENT_ID}`,
      `refresh_token=RT-rotated&grant_type=refresh_token&client_id=${NATIVE_CLIENT_ID}`,
    ]);
    expect(requests[1]!.body).not.toBe(recorded.refresh_response_without_refresh_token.second_refresh_body_sent);
    expect(authorizer.refreshToken).toBe('RT-rotated');
  });

  it('throws InvalidTokenDataError (Python’s message) when a refresh yields several tokens', async () => {
    const client = new ScriptedClient([
      async () => refreshResponse('AT', { other_tokens: [{ access_token: 'x', scope: 's', resource_server: 'other' }] }),
    ]);
    const error = await new RefreshTokenAuthorizer('RT', client).getAuthorizationHeader().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidTokenDataError);
    expect((error as Error).message).toBe(
      "Attempting refresh for refresh token authorizer didn't return exactly one token. Possible service error.",
    );
  });

  it('replays Python’s 401 → refresh → on_refresh → retry sequence with the same requests', async () => {
    const apiUrl = 'https://transfer.api.globus.org/v0.10/endpoint/xyz';
    const events: Array<Record<string, unknown>> = [];
    let apiCalls = 0;
    const { fetch } = recordingFetch((request) => {
      const isToken = request.url.startsWith('https://auth.globus.org/');
      const status = isToken ? 200 : apiCalls++ === 0 ? 401 : 200;
      events.push({
        event: 'http',
        method: request.method,
        url: request.url,
        authorization: request.authorization,
        content_type: request.contentType,
        body: request.body,
        response_status: status,
      });
      const body = isToken
        ? tokenAnswer({ access_token: 'AT-transfer-REFRESHED-0001', refresh_token: 'RT-transfer-DEFAULT-0001' }).json
        : {};
      return new Response(JSON.stringify(body), { status });
    });
    const client = new NativeAppAuthClient(NATIVE_CLIENT_ID, { fetch, now: () => FAKE_NOW });
    const authorizer = new RefreshTokenAuthorizer('RT-transfer-DEFAULT-0001', client, {
      accessToken: 'AT-transfer-DEFAULT-0001',
      expiresAtSeconds: FAKE_NOW + 86400,
      now: () => FAKE_NOW,
      onRefresh: (response) => {
        events.push({
          event: 'on_refresh',
          response_class: 'OAuthRefreshTokenResponse',
          access_token: response.byResourceServer[TRANSFER]!.access_token,
        });
      },
    });
    const response = await createAuthorizedFetch(authorizer, { fetch })(apiUrl);
    expect(response.status).toBe(recorded.rta_401_retry_sequence.final_status);
    const expected = recorded.rta_401_retry_sequence.events.map(({ form: _form, ...event }: Record<string, unknown>) => event);
    expect(events).toEqual(expected);
    expect({
      access_token: authorizer.accessToken,
      expires_at_minus_fake_now: authorizer.expiresAtSeconds! - FAKE_NOW,
      refresh_token: authorizer.refreshToken,
    }).toEqual(recorded.rta_state_after);
  });

  it('returns a persistent 401 after one refresh, like Python (no loop)', async () => {
    const statuses: Array<[string, string | null, number]> = [];
    const { fetch } = recordingFetch((request) => {
      const isToken = request.url.startsWith('https://auth.globus.org/');
      statuses.push([request.method, request.authorization, isToken ? 200 : 401]);
      const body = isToken ? tokenAnswer({ access_token: 'AT-transfer-REFRESHED-0002' }).json : {};
      return new Response(JSON.stringify(body), { status: isToken ? 200 : 401 });
    });
    const client = new NativeAppAuthClient(NATIVE_CLIENT_ID, { fetch });
    const authorizer = new RefreshTokenAuthorizer('RT', client, { accessToken: 'AT-dead', expiresAtSeconds: Date.now() / 1000 + 86400 });
    const response = await createAuthorizedFetch(authorizer, { fetch })('https://transfer.api.globus.org/v0.10/endpoint/xyz');
    expect(response.status).toBe(recorded.persistent_401.http_status);
    expect(statuses).toEqual(
      recorded.persistent_401.events.map((event: Record<string, unknown>) => [event.method, event.authorization, event.response_status]),
    );
  });
});

describe('ClientCredentialsAuthorizer', () => {
  it('sends Python’s client-credentials request on first use (not in the constructor) and calls onRefresh', async () => {
    const { fetch, requests } = recordingFetch(tokenAnswer({ access_token: 'AT-cc-transfer-0001' }));
    const client = new ConfidentialAppAuthClient(CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, { fetch });
    const onRefresh = jest.fn();
    const authorizer = new ClientCredentialsAuthorizer(client, ['urn:globus:auth:scope:transfer.api.globus.org:all'], { onRefresh });
    expect(requests).toHaveLength(0);
    await expect(authorizer.getAuthorizationHeader()).resolves.toBe(recorded.cc_header);
    const [event] = recorded.cc_construct_events;
    expect(requests.map((request) => [request.url, request.authorization, request.contentType, request.body])).toEqual([
      [event.url, event.authorization, event.content_type, event.body],
    ]);
    expect(onRefresh).toHaveBeenCalledTimes(1);
    expect(onRefresh.mock.calls[0][0].grantType).toBe('client_credentials');
  });

  it('throws InvalidArgumentError with Python’s message for a response spanning several resource servers', async () => {
    const { fetch } = recordingFetch(
      tokenAnswer({ other_tokens: [{ access_token: 'AT-auth', scope: 'openid', resource_server: 'auth.globus.org', expires_in: 10 }] }),
    );
    const client = new ConfidentialAppAuthClient(CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, { fetch });
    const authorizer = new ClientCredentialsAuthorizer(client, 'openid urn:globus:auth:scope:transfer.api.globus.org:all');
    const error = await authorizer.getAuthorizationHeader().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toBe(recorded.cc_multiple_rs.error.message);
  });

  it('rejects empty scopes and a client without oauth2ClientCredentialsTokens', () => {
    const client = new ConfidentialAppAuthClient('id', 'secret');
    expect(() => new ClientCredentialsAuthorizer(client, '')).toThrow(new InvalidArgumentError(recorded.cc_empty_scopes.error.message));
    expect(() => new ClientCredentialsAuthorizer(client, [])).toThrow(InvalidArgumentError);
    expect(() => new ClientCredentialsAuthorizer(new NativeAppAuthClient('id') as never, 'scope')).toThrow(InvalidArgumentError);
  });

  it('failures are TokenStorageErrors for every waiter', async () => {
    const { fetch } = recordingFetch({ status: 401, json: { error: 'invalid_client' } }, tokenAnswer({ access_token: 'AT-later' }));
    const authorizer = new ClientCredentialsAuthorizer(new ConfidentialAppAuthClient('id', 'secret', { fetch }), 'scope');
    const outcomes = await Promise.all([1, 2, 3].map(() => authorizer.getAuthorizationHeader().catch((error: unknown) => error)));
    expect(
      outcomes.every((outcome) => TokenStorageError.isInstance(outcome) && (outcome as AuthAPIError).errorCode === 'invalid_client'),
    ).toBe(true);
    await expect(authorizer.getAuthorizationHeader()).resolves.toBe('Bearer AT-later');
  });
});
