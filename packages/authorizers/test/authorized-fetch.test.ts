import { AuthAPIError, InvalidArgumentError } from '@globus-tokenstorage/core';
import {
  AccessTokenAuthorizer,
  authorizedFetch,
  createAuthorizedFetch,
  NullAuthorizer,
  type GlobusAuthorizer,
} from '@globus-tokenstorage/authorizers';
import { recordingFetch, type RecordedRequest } from './support/recording-fetch';

const URL_ = 'https://api.example.org/things';

/** An authorizer whose token changes at each renewal: "Bearer T1", "Bearer T2", … */
class CountingAuthorizer implements GlobusAuthorizer {
  generation = 1;
  renewals = 0;
  constructor(private readonly renews = true) {}
  async getAuthorizationHeader(): Promise<string> {
    return `Bearer T${this.generation}`;
  }
  async handleMissingAuthorization(rejected?: string | null): Promise<boolean> {
    if (!this.renews) return false;
    if (rejected === `Bearer T${this.generation}`) {
      this.generation += 1;
      this.renewals += 1;
    }
    return true;
  }
}

/** 401 for every token but the given one. */
function acceptOnly(token: string) {
  return (request: RecordedRequest) =>
    new Response(request.authorization === token ? 'ok' : 'no', { status: request.authorization === token ? 200 : 401 });
}

describe('authorizedFetch', () => {
  it('sets the Authorization header, replacing one the caller set, and keeps the other headers', async () => {
    const { fetch, requests } = recordingFetch({ text: 'ok' });
    const seen: Headers[] = [];
    const spy: typeof fetch = async (input, init) => {
      seen.push(new Headers(init?.headers));
      return fetch(input, init);
    };
    const response = await createAuthorizedFetch(new AccessTokenAuthorizer('AT-1'), { fetch: spy })(URL_, {
      headers: { Authorization: 'Bearer wrong', 'X-Trace': 'abc' },
    });
    expect(response.status).toBe(200);
    expect(requests[0]!.authorization).toBe('Bearer AT-1');
    expect(seen[0]!.get('x-trace')).toBe('abc');
  });

  it('removes any Authorization header for NullAuthorizer', async () => {
    const { fetch, requests } = recordingFetch({ text: 'ok' });
    await createAuthorizedFetch(new NullAuthorizer(), { fetch })(URL_, { headers: { Authorization: 'Bearer leaked' } });
    await createAuthorizedFetch(new NullAuthorizer(), { fetch })(new Request(URL_, { headers: { Authorization: 'Bearer leaked' } }));
    expect(requests.map((request) => request.authorization)).toEqual([null, null]);
  });

  it('keeps the headers of a Request input', async () => {
    const { fetch } = recordingFetch({ text: 'ok' });
    const seen: Headers[] = [];
    const spy: typeof fetch = async (input, init) => {
      seen.push(new Headers(init?.headers));
      return fetch(input, init);
    };
    await createAuthorizedFetch(new AccessTokenAuthorizer('AT-1'), { fetch: spy })(new Request(URL_, { headers: { 'X-Trace': 'r' } }));
    expect([seen[0]!.get('x-trace'), seen[0]!.get('authorization')]).toEqual(['r', 'Bearer AT-1']);
  });

  it('on a 401 renews once and retries with the new header', async () => {
    const { fetch, requests } = recordingFetch(acceptOnly('Bearer T2'));
    const authorizer = new CountingAuthorizer();
    const response = await createAuthorizedFetch(authorizer, { fetch })(URL_, { method: 'POST', body: 'payload' });
    expect(response.status).toBe(200);
    expect(requests.map((request) => [request.authorization, request.body])).toEqual([
      ['Bearer T1', 'payload'],
      ['Bearer T2', 'payload'],
    ]);
    expect(authorizer.renewals).toBe(1);
  });

  it('returns a second 401 to the caller instead of looping', async () => {
    const { fetch, requests } = recordingFetch({ status: 401, text: 'no' });
    const authorizer = new CountingAuthorizer();
    const response = await createAuthorizedFetch(authorizer, { fetch })(URL_);
    expect(response.status).toBe(401);
    await expect(response.text()).resolves.toBe('no');
    expect(requests).toHaveLength(2);
    expect(authorizer.renewals).toBe(1);
  });

  it('does not retry when the authorizer cannot renew', async () => {
    const { fetch, requests } = recordingFetch({ status: 401, text: 'no' });
    const response = await createAuthorizedFetch(new AccessTokenAuthorizer('AT'), { fetch })(URL_);
    expect(response.status).toBe(401);
    expect(requests).toHaveLength(1);
  });

  it('does not call handleMissingAuthorization for other statuses', async () => {
    for (const status of [200, 403, 500]) {
      const { fetch, requests } = recordingFetch({ status, text: '' });
      const authorizer = new CountingAuthorizer();
      const response = await createAuthorizedFetch(authorizer, { fetch })(URL_);
      expect([response.status, requests.length, authorizer.renewals]).toEqual([status, 1, 0]);
    }
  });

  const bodies: Array<[string, () => BodyInit]> = [
    ['a string', () => 'text body'],
    ['URLSearchParams', () => new URLSearchParams({ a: '1 2' })],
    ['an ArrayBuffer', () => new TextEncoder().encode('bytes').buffer],
    ['a typed array', () => new TextEncoder().encode('bytes')],
    ['a Blob', () => new Blob(['blob'])],
    [
      'FormData',
      () => {
        const form = new FormData();
        form.append('field', 'value');
        return form;
      },
    ],
  ];
  it.each(bodies)('replays %s body on the retry', async (_name, makeBody) => {
    const { fetch, requests } = recordingFetch(acceptOnly('Bearer T2'));
    const response = await createAuthorizedFetch(new CountingAuthorizer(), { fetch })(URL_, { method: 'PUT', body: makeBody() });
    expect(response.status).toBe(200);
    expect(requests).toHaveLength(2);
    // A multipart body gets a fresh boundary each time it is serialised.
    const withoutBoundary = (body: string | null) => body?.replace(/-{2,}[\w-]+/g, '--boundary');
    expect(requests[0]!.body).not.toBe('');
    expect(withoutBoundary(requests[1]!.body)).toBe(withoutBoundary(requests[0]!.body));
  });

  it('replays the body of a Request input (cloned before the first attempt)', async () => {
    const { fetch, requests } = recordingFetch(acceptOnly('Bearer T2'));
    const response = await createAuthorizedFetch(new CountingAuthorizer(), { fetch })(
      new Request(URL_, { method: 'POST', body: 'from request' }),
    );
    expect(response.status).toBe(200);
    expect(requests.map((request) => request.body)).toEqual(['from request', 'from request']);
  });

  it('does not replay a ReadableStream body: returns the 401 after renewing for the next request', async () => {
    const { fetch, requests } = recordingFetch(acceptOnly('Bearer T2'));
    const authorizer = new CountingAuthorizer();
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    const authorized = createAuthorizedFetch(authorizer, { fetch });
    const response = await authorized(URL_, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(response.status).toBe(401);
    expect(requests).toHaveLength(1);
    expect(authorizer.renewals).toBe(1);
    expect((await authorized(URL_)).status).toBe(200);
  });

  it('two concurrent requests rejected with the same token renew once', async () => {
    const { fetch } = recordingFetch(acceptOnly('Bearer T2'));
    const authorizer = new CountingAuthorizer();
    const authorized = createAuthorizedFetch(authorizer, { fetch });
    const responses = await Promise.all([authorized(URL_), authorized(URL_)]);
    expect(responses.map((response) => response.status)).toEqual([200, 200]);
    expect(authorizer.renewals).toBe(1);
  });

  it('propagates a failed renewal and frees the 401 response', async () => {
    const cancelled: string[] = [];
    const fetch = async () =>
      new Response(
        new ReadableStream({
          pull(controller) {
            controller.enqueue(new TextEncoder().encode('x'));
          },
          cancel() {
            cancelled.push('401 body');
          },
        }),
        { status: 401 },
      );
    const failing: GlobusAuthorizer = {
      getAuthorizationHeader: async () => 'Bearer T',
      handleMissingAuthorization: async () => {
        throw new AuthAPIError('renewal failed', { httpStatus: 400 });
      },
    };
    await expect(createAuthorizedFetch(failing, { fetch })(URL_)).rejects.toThrow(AuthAPIError);
    expect(cancelled).toEqual(['401 body']);
  });

  it('uses the global fetch by default', async () => {
    const original = globalThis.fetch;
    const { fetch, requests } = recordingFetch({ text: 'ok' });
    globalThis.fetch = fetch as typeof globalThis.fetch;
    try {
      await authorizedFetch(new AccessTokenAuthorizer('AT-g'), URL_);
    } finally {
      globalThis.fetch = original;
    }
    expect(requests[0]!.authorization).toBe('Bearer AT-g');
  });

  it('rejects something that is not an authorizer', async () => {
    expect(() => createAuthorizedFetch({} as never)).toThrow(InvalidArgumentError);
    await expect(authorizedFetch(null as never, URL_)).rejects.toThrow(InvalidArgumentError);
    expect(() => createAuthorizedFetch(new NullAuthorizer(), { fetch: 1 as never })).toThrow(InvalidArgumentError);
  });
});
