import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';

/**
 * The canary: every secret of the audit starts with it, so a secret that shows up anywhere, whole,
 * cut short, or percent-encoded (its characters need no encoding), contains it.
 */
export const CANARY = `CANARY${randomBytes(6).toString('hex')}`;
/** An access token. */
export const ACCESS = `${CANARY}-access`;
/** A refresh token with characters that forms and URLs encode (`+`, `/`, `=`), as some servers issue. */
export const REFRESH = `${CANARY}+refresh/token=`;
/** A client secret with characters that forms and URLs encode, and a `:` (Basic credentials use it as separator). */
export const SECRET = `${CANARY}:secret+/=`;
/** An authorization code. */
export const CODE = `${CANARY}-code`;
/** The client ID used with {@link SECRET}. */
export const CLIENT_ID = 'audit-client';
/** The client credentials as a Basic header carries them: a leak that does not contain {@link CANARY}. */
export const BASIC_CREDENTIALS = Buffer.from(`${CLIENT_ID}:${SECRET}`).toString('base64');

/** Every way a value can reach a log: inspect (default and everything shown), JSON, String; for errors also message, stack, own properties and the cause chain. */
export function renderings(value: unknown, seen = new Set<unknown>()): string[] {
  if (seen.has(value)) return [];
  seen.add(value);
  const out = [
    inspect(value),
    inspect(value, { showHidden: true, depth: null }),
    attempt(() => JSON.stringify(value)),
    attempt(() => String(value)),
  ];
  if (value instanceof Error) {
    out.push(value.message, value.stack ?? '');
    for (const key of Reflect.ownKeys(value))
      out.push(inspect((value as unknown as Record<PropertyKey, unknown>)[key], { showHidden: true, depth: null }));
    if (value.cause !== undefined) out.push(...renderings(value.cause, seen));
  }
  return out;
}

function attempt(render: () => string | undefined): string {
  try {
    return render() ?? '';
  } catch (error) {
    return `(cannot render: ${String(error)})`;
  }
}

/**
 * The secrets searched for in every rendering: the start of the canary (V8's JSON errors quote only
 * ten characters or so of the text around the error), and the Basic credentials.
 */
export const LEAK_MARKERS = [CANARY.slice(0, 8), BASIC_CREDENTIALS];

/** The markers found in `text`. */
export function leaksIn(text: string): string[] {
  return LEAK_MARKERS.filter((marker) => text.includes(marker));
}

/**
 * Fails if any rendering of `value` shows a secret.
 *
 * @param what - Names the value in the failure.
 */
export function expectNoSecret(what: string, value: unknown): void {
  const leaks = renderings(value).flatMap((text) =>
    leaksIn(text).map((marker) => ({ what, marker: marker === BASIC_CREDENTIALS ? 'Basic credentials' : 'CANARY', text })),
  );
  expect(leaks).toEqual([]);
}

/**
 * Runs `action`, which must fail, and checks the failure shows no secret.
 *
 * @returns What was thrown.
 */
export async function expectFailureWithoutSecret(what: string, action: () => unknown): Promise<unknown> {
  let failure: unknown = null;
  try {
    await action();
  } catch (error) {
    failure = error;
  }
  expect({ what, failed: failure !== null }).toEqual({ what, failed: true });
  expectNoSecret(what, failure);
  return failure;
}

/** Runs `action`; if it fails, checks the failure shows no secret (for operations that may legitimately succeed). */
export async function expectNoSecretIfItFails(what: string, action: () => unknown): Promise<void> {
  try {
    await action();
  } catch (error) {
    expectNoSecret(what, error);
  }
}

/** Everything written to `console.*`, `process.stdout` and `process.stderr` while installed. */
export class OutputCapture {
  readonly written: string[] = [];
  private readonly restores: Array<() => void> = [];

  install(): void {
    for (const method of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
      const spy = jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        this.written.push(args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg))).join(' '));
      });
      this.restores.push(() => spy.mockRestore());
    }
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write;
      stream.write = ((chunk: unknown, ...rest: unknown[]) => {
        this.written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
        return (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest);
      }) as typeof stream.write;
      this.restores.push(() => {
        stream.write = original;
      });
    }
  }

  restore(): void {
    for (const restore of this.restores.splice(0).reverse()) restore();
  }
}

/** How the {@link EchoServer} answers token and API requests. */
export type EchoMode = 'oauth-error' | 'globus-error' | 'text-error' | 'tokens';

/** One request the server saw. */
export interface SeenRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

/**
 * A local OAuth2-like server on 127.0.0.1 that quotes each request (method, URL, Authorization
 * header, raw body and decoded form) in its error answers: the worst case for an error message.
 */
export class EchoServer {
  mode: EchoMode = 'oauth-error';
  /** The token answer in mode `tokens`. */
  tokens: Record<string, unknown> = {};
  /** The OpenID configuration and key set it publishes. */
  jwks: unknown = { keys: [] };
  readonly seen: SeenRequest[] = [];
  private server: Server | null = null;
  baseUrl = '';

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      void readBody(request).then((body) => {
        const seen: SeenRequest = {
          method: request.method ?? '',
          url: request.url ?? '',
          authorization: request.headers.authorization,
          body,
        };
        this.seen.push(seen);
        const [status, type, text] = this.answer(seen);
        response.writeHead(status, { 'content-type': type });
        response.end(text);
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private answer(request: SeenRequest): [number, string, string] {
    if (request.url === '/.well-known/openid-configuration') {
      return [
        200,
        'application/json',
        JSON.stringify({ jwks_uri: `${this.baseUrl}/jwk.json`, id_token_signing_alg_values_supported: ['ES256'] }),
      ];
    }
    if (request.url === '/jwk.json') return [200, 'application/json', JSON.stringify(this.jwks)];
    const echo = `${request.method} ${request.url} authorization=${request.authorization} body=${request.body} form=${JSON.stringify(Object.fromEntries(new URLSearchParams(request.body)))}`;
    if (this.mode === 'tokens' && request.url.startsWith('/v2/oauth2/token')) return [200, 'application/json', JSON.stringify(this.tokens)];
    if (request.url.startsWith('/api/'))
      return [401, 'application/json', JSON.stringify({ code: 'AuthenticationFailed', message: `rejected: ${echo}` })];
    if (this.mode === 'globus-error')
      return [401, 'application/json', JSON.stringify({ errors: [{ code: `BAD ${echo}`, detail: `rejected: ${echo}` }] })];
    if (this.mode === 'text-error') return [500, 'text/plain', `rejected: ${echo}`];
    return [400, 'application/json', JSON.stringify({ error: `invalid_grant ${echo}`, error_description: `rejected: ${echo}` })];
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
