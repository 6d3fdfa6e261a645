import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import {
  AuthAPIError,
  AuthRequestAbortedError,
  AuthRequestTimeoutError,
  IDTokenDecoder,
  IdentityExtractionError,
  InvalidArgumentError,
  TokenStorageData,
  type OAuthTokenResponse,
} from '@globus-tokenstorage/core';
import {
  ClientCredentialsAuthorizer,
  ConfidentialAppAuthClient,
  NativeAppAuthClient,
  RefreshTokenAuthorizer,
  StorageBackedAuthorizer,
} from '@globus-tokenstorage/authorizers';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';

/**
 * Time limits, cancellation, network causes and retries of the requests to the token endpoint,
 * against a real HTTP server on 127.0.0.1 whose answer each test scripts (or that never answers).
 */

type Handler = (request: IncomingMessage, response: ServerResponse, body: string) => void;

class TokenEndpoint {
  readonly requests: string[] = [];
  /** Requests that were still open when their client went away. */
  abandoned = 0;
  handlers: Handler[] = [];
  private server: Server | null = null;

  get baseUrl(): string {
    const address = this.server?.address() as AddressInfo | undefined;
    if (address === undefined) throw new Error('the token endpoint has not been started');
    return `http://127.0.0.1:${address.port}`;
  }

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        this.requests.push(body);
        const handler = this.handlers[Math.min(this.requests.length - 1, this.handlers.length - 1)] ?? hold;
        response.on('close', () => {
          if (!response.writableFinished) this.abandoned += 1;
        });
        handler(request, response, body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}

/** Accepts the request and never answers. */
const hold: Handler = () => undefined;
const answer =
  (status: number, json: unknown, headers: Record<string, string> = {}): Handler =>
  (_request, response) => {
    response.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(JSON.stringify(json));
  };
/** Closes the connection once the request has arrived, without an answer. */
const hangUp: Handler = (request) => request.socket.destroy();

const tokens = (accessToken: string) => ({
  access_token: accessToken,
  expires_in: 3600,
  resource_server: 'rs.example.org',
  scope: 'scope-a',
  token_type: 'Bearer',
  refresh_token: 'RT-next',
  other_tokens: [],
});

let endpoint: TokenEndpoint;
beforeEach(async () => {
  endpoint = new TokenEndpoint();
  await endpoint.start();
});
afterEach(() => endpoint.stop());

/** Runs `call` and returns what it rejects with, and how long that took. */
async function failure(call: () => Promise<unknown>): Promise<{ error: unknown; elapsedMs: number }> {
  const started = Date.now();
  try {
    await call();
  } catch (error) {
    return { error, elapsedMs: Date.now() - started };
  }
  throw new Error('expected a failure');
}

describe('a token endpoint that never answers', () => {
  it('a login client call fails with AuthRequestTimeoutError after timeoutMs and closes its request', async () => {
    const client = new NativeAppAuthClient('client-id', { baseUrl: endpoint.baseUrl, timeoutMs: 300 });
    const { error, elapsedMs } = await failure(() => client.oauth2RefreshToken('RT-secret-value'));
    expect(AuthRequestTimeoutError.isInstance(error)).toBe(true);
    expect(AuthAPIError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'AUTH_REQUEST_TIMEOUT', httpStatus: 0, timeoutMs: 300 });
    expect((error as Error).message).toBe('the refresh_token grant (POST /v2/oauth2/token) failed: no answer within 300 ms');
    expect(elapsedMs).toBeGreaterThanOrEqual(290);
    await waitFor(() => endpoint.abandoned === 1);
    expect(inspect(error, { depth: null, showHidden: true })).not.toContain('RT-secret-value');
  });

  it('by default a call gives up after 30 s', async () => {
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const never: typeof fetch = () => new Promise<Response>(() => undefined);
      const client = new NativeAppAuthClient('client-id', { fetch: never });
      const pending = client.oauth2RefreshToken('RT').catch((error: unknown) => error);
      await jest.advanceTimersByTimeAsync(29_999);
      let settled = false;
      void pending.then(() => (settled = true));
      await jest.advanceTimersByTimeAsync(0);
      expect(settled).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      expect(await pending).toMatchObject({ code: 'AUTH_REQUEST_TIMEOUT', timeoutMs: 30_000 });
    } finally {
      jest.useRealTimers();
    }
  });

  it('getAuthorizationHeader of a RefreshTokenAuthorizer fails with AuthRequestTimeoutError, and the next call tries again', async () => {
    const client = new NativeAppAuthClient('client-id', { baseUrl: endpoint.baseUrl });
    const authorizer = new RefreshTokenAuthorizer('RT-1', client, { timeoutMs: 200 });
    const { error } = await failure(() => authorizer.getAuthorizationHeader());
    expect(error).toMatchObject({ code: 'AUTH_REQUEST_TIMEOUT', timeoutMs: 200 });
    expect((error as Error).message).toBe('RefreshTokenAuthorizer: the token renewal failed: no answer within 200 ms');
    endpoint.handlers = [hold, answer(200, tokens('AT-2'))];
    expect(await authorizer.getAuthorizationHeader()).toBe('Bearer AT-2');
  });

  it('the authorizer’s time limit holds even for an auth client that ignores its signal', async () => {
    const stuck = { oauth2RefreshToken: () => new Promise<OAuthTokenResponse>(() => undefined) };
    const authorizer = new RefreshTokenAuthorizer('RT-1', stuck, { timeoutMs: 100 });
    expect(await failure(() => authorizer.getAuthorizationHeader()).then((result) => result.error)).toMatchObject({
      code: 'AUTH_REQUEST_TIMEOUT',
    });
  });

  it('ClientCredentialsAuthorizer and StorageBackedAuthorizer time out too', async () => {
    const confidential = new ConfidentialAppAuthClient('client-id', 'client-secret', { baseUrl: endpoint.baseUrl });
    const credentials = new ClientCredentialsAuthorizer(confidential, 'scope-a', { timeoutMs: 150 });
    expect((await failure(() => credentials.getAuthorizationHeader())).error).toMatchObject({ code: 'AUTH_REQUEST_TIMEOUT' });

    const storage = new MemoryTokenStorage();
    const expired = new TokenStorageData({
      resourceServer: 'rs.example.org',
      scope: 'scope-a',
      accessToken: 'AT-old',
      refreshToken: 'RT-1',
      expiresAtSeconds: 1000,
      tokenType: 'Bearer',
    });
    await storage.storeTokenDataByResourceServer({ 'rs.example.org': expired });
    const client = new NativeAppAuthClient('client-id', { baseUrl: endpoint.baseUrl });
    const shared = new StorageBackedAuthorizer(storage, 'rs.example.org', client, { timeoutMs: 150 });
    const { error } = await failure(() => shared.getAuthorizationHeader());
    expect(error).toMatchObject({ code: 'AUTH_REQUEST_TIMEOUT', timeoutMs: 150 });
    expect((error as Error).message).toBe('the token renewal for rs.example.org (refreshing the token) failed: no answer within 150 ms');
  });

  it('IDTokenDecoder gives up fetching the keys after its timeoutMs', async () => {
    const decoder = new IDTokenDecoder({ clientId: 'client-id', authBaseUrl: endpoint.baseUrl, timeoutMs: 200 });
    const { error } = await failure(() => decoder.getOpenIDConfiguration());
    expect(IdentityExtractionError.isInstance(error)).toBe(true);
    expect((error as Error).message).toBe(
      `could not fetch the OpenID configuration from ${endpoint.baseUrl}/.well-known/openid-configuration: no answer within 200 ms`,
    );
  });

  it('refuses a timeoutMs that is not a number of milliseconds', () => {
    for (const timeoutMs of [-1, 1.5, Number.NaN, '100', 2 ** 31]) {
      expect(() => new NativeAppAuthClient('client-id', { timeoutMs: timeoutMs as number })).toThrow(InvalidArgumentError);
      expect(() => new RefreshTokenAuthorizer('RT', new NativeAppAuthClient('client-id'), { timeoutMs: timeoutMs as number })).toThrow(
        InvalidArgumentError,
      );
      expect(() => new IDTokenDecoder({ clientId: 'client-id', timeoutMs: timeoutMs as number })).toThrow(InvalidArgumentError);
    }
    expect(() => new NativeAppAuthClient('client-id', { timeoutMs: Infinity })).not.toThrow();
  });
});

describe('cancelling with an AbortSignal', () => {
  it('the signal of a call, and of the client, cancel a pending request with AuthRequestAbortedError carrying the reason', async () => {
    const client = new NativeAppAuthClient('client-id', { baseUrl: endpoint.baseUrl });
    const perCall = new AbortController();
    const pending = failure(() => client.oauth2RefreshToken('RT', { signal: perCall.signal }));
    await waitFor(() => endpoint.requests.length === 1);
    perCall.abort(new Error('user pressed Ctrl-C'));
    const { error } = await pending;
    expect(AuthRequestAbortedError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ code: 'AUTH_REQUEST_ABORTED', httpStatus: 0, cause: new Error('user pressed Ctrl-C') });
    expect((error as Error).message).toBe('the refresh_token grant (POST /v2/oauth2/token) was cancelled by its AbortSignal');

    const shutdown = new AbortController();
    const closing = new ConfidentialAppAuthClient('client-id', 'client-secret', { baseUrl: endpoint.baseUrl, signal: shutdown.signal });
    shutdown.abort();
    expect((await failure(() => closing.oauth2ClientCredentialsTokens('scope-a'))).error).toMatchObject({ code: 'AUTH_REQUEST_ABORTED' });
  });

  it('the signal of an authorizer cancels its renewal', async () => {
    const client = new NativeAppAuthClient('client-id', { baseUrl: endpoint.baseUrl });
    const shutdown = new AbortController();
    const authorizer = new RefreshTokenAuthorizer('RT', client, { signal: shutdown.signal });
    const pending = failure(() => authorizer.getAuthorizationHeader());
    await waitFor(() => endpoint.requests.length === 1);
    shutdown.abort();
    expect((await pending).error).toMatchObject({ code: 'AUTH_REQUEST_ABORTED' });
    await waitFor(() => endpoint.abandoned === 1);
  });
});

describe('network failures keep their cause', () => {
  it('a refused connection: the message and the cause carry ECONNREFUSED (platform fetch: its own error)', async () => {
    const baseUrl = endpoint.baseUrl;
    await endpoint.stop();
    const client = new NativeAppAuthClient('client-id', { baseUrl, maxRetries: 0 });
    const { error } = await failure(() => client.oauth2RefreshToken('RT-secret-value'));
    expect((error as Error).message).toMatch(/could not reach http:\/\/127\.0\.0\.1:\d+ \(POST \/v2\/oauth2\/token\): ECONNREFUSED$/);
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED', syscall: 'connect' });
    expect(inspect(error, { depth: null, showHidden: true })).not.toContain('RT-secret-value');
    await endpoint.start();
  });

  it("a failure without a system code names the platform fetch's own reason (port 9 is a blocked port)", async () => {
    const client = new NativeAppAuthClient('client-id', { baseUrl: 'http://127.0.0.1:9', maxRetries: 0 });
    const { error } = await failure(() => client.oauth2RefreshToken('RT-secret-value'));
    expect((error as Error).message).toBe(
      'the refresh_token grant failed: could not reach http://127.0.0.1:9 (POST /v2/oauth2/token): fetch failed: bad port',
    );
    expect(inspect(error, { depth: null, showHidden: true })).not.toContain('RT-secret-value');
  });

  it('a custom fetch that quotes the request: the cause keeps the code and address, not the message', async () => {
    const quoting: typeof fetch = async (input, init) => {
      const error = new TypeError(`fetch failed for ${String(input)} with ${String(init?.body)} ${JSON.stringify(init?.headers)}`);
      throw Object.assign(error, {
        cause: Object.assign(new Error(`connect ECONNREFUSED body=${String(init?.body)}`), {
          code: 'ECONNREFUSED',
          syscall: 'connect',
          address: '10.0.0.1',
          port: 443,
        }),
      });
    };
    const client = new ConfidentialAppAuthClient('client-id', 'client-secret-value', { fetch: quoting, maxRetries: 0 });
    const { error } = await failure(() => client.oauth2RefreshToken('RT-secret-value'));
    expect((error as Error).message).toBe(
      'the refresh_token grant failed: could not reach https://auth.globus.org (POST /v2/oauth2/token): ECONNREFUSED',
    );
    expect((error as Error).cause).toMatchObject({
      name: 'TypeError',
      message: 'connect ECONNREFUSED 10.0.0.1:443',
      code: 'ECONNREFUSED',
      port: 443,
    });
    const shown = inspect(error, { depth: null, showHidden: true });
    for (const secret of ['RT-secret-value', 'client-secret-value', Buffer.from('client-id:client-secret-value').toString('base64')]) {
      expect(shown).not.toContain(secret);
    }
  });

  it('IDTokenDecoder: the message and the cause carry the code too', async () => {
    const baseUrl = endpoint.baseUrl;
    await endpoint.stop();
    const decoder = new IDTokenDecoder({ clientId: 'client-id', authBaseUrl: baseUrl });
    const { error } = await failure(() => decoder.getOpenIDConfiguration());
    expect((error as Error).message).toBe(
      `could not fetch the OpenID configuration from ${baseUrl}/.well-known/openid-configuration: ECONNREFUSED`,
    );
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
    await endpoint.start();
  });
});

describe('retries', () => {
  it('a refresh is not sent again after a 5xx answer: the server may have rotated the refresh token', async () => {
    endpoint.handlers = [answer(503, { error: 'unavailable' }), answer(200, tokens('AT-2'))];
    const client = new NativeAppAuthClient('client-id', { baseUrl: endpoint.baseUrl });
    expect((await failure(() => client.oauth2RefreshToken('RT'))).error).toMatchObject({ httpStatus: 503 });
    expect(endpoint.requests).toHaveLength(1);
  });

  it('a refresh is not sent again after the connection dropped once the request was sent', async () => {
    endpoint.handlers = [hangUp, answer(200, tokens('AT-2'))];
    const client = new NativeAppAuthClient('client-id', { baseUrl: endpoint.baseUrl });
    expect((await failure(() => client.oauth2RefreshToken('RT'))).error).toMatchObject({ httpStatus: 0 });
    expect(endpoint.requests).toHaveLength(1);
  });

  it('a refresh answered 429 is sent again after Retry-After', async () => {
    endpoint.handlers = [answer(429, { error: 'slow_down' }, { 'Retry-After': '0' }), answer(200, tokens('AT-2'))];
    const client = new NativeAppAuthClient('client-id', { baseUrl: endpoint.baseUrl });
    expect((await client.oauth2RefreshToken('RT')).byResourceServer['rs.example.org']?.access_token).toBe('AT-2');
    expect(endpoint.requests).toHaveLength(2);
  });

  it('a refresh whose connection was refused (nothing was sent) is sent again', async () => {
    const baseUrl = endpoint.baseUrl;
    await endpoint.stop();
    let attempts = 0;
    const counting: typeof fetch = (input, init) => {
      attempts += 1;
      return globalThis.fetch(input, init);
    };
    const client = new NativeAppAuthClient('client-id', { baseUrl, fetch: counting, maxRetries: 1 });
    expect((await failure(() => client.oauth2RefreshToken('RT'))).error).toMatchObject({ httpStatus: 0 });
    expect(attempts).toBe(2);
    await endpoint.start();
  });

  it('client credentials are requested again after 5xx answers and a dropped connection, with a growing backoff', async () => {
    endpoint.handlers = [answer(502, {}), hangUp, answer(200, tokens('AT-cc'))];
    const client = new ConfidentialAppAuthClient('client-id', 'client-secret', { baseUrl: endpoint.baseUrl });
    const started = Date.now();
    expect((await client.oauth2ClientCredentialsTokens('scope-a')).byResourceServer['rs.example.org']?.access_token).toBe('AT-cc');
    expect(endpoint.requests).toHaveLength(3);
    // 0.5 s then 1 s, each within ±25 %.
    expect(Date.now() - started).toBeGreaterThanOrEqual(375 + 750);
  });

  it('maxRetries 0 sends once; a Retry-After beyond the time left is not waited for', async () => {
    endpoint.handlers = [answer(429, {}, { 'Retry-After': '0' })];
    const once = new ConfidentialAppAuthClient('client-id', 'client-secret', { baseUrl: endpoint.baseUrl, maxRetries: 0 });
    expect((await failure(() => once.oauth2ClientCredentialsTokens('scope-a'))).error).toMatchObject({ httpStatus: 429 });
    expect(endpoint.requests).toHaveLength(1);
    endpoint.handlers = [answer(429, {}, { 'Retry-After': '5' })];
    const hurried = new ConfidentialAppAuthClient('client-id', 'client-secret', { baseUrl: endpoint.baseUrl, timeoutMs: 2000 });
    const { error, elapsedMs } = await failure(() => hurried.oauth2ClientCredentialsTokens('scope-a'));
    expect(error).toMatchObject({ httpStatus: 429 });
    expect(elapsedMs).toBeLessThan(1500);
    expect(endpoint.requests).toHaveLength(2);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 5000) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
