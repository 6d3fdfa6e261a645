import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { IdentityExtractionError, IDTokenDecoder, InvalidArgumentError, type IDTokenDecoderOptions } from '@globus-tokenstorage/core';

const CLIENT_ID = '5c2f2a8e-0000-4000-8000-00000000c11e';
const NOW = 1_795_429_078;
const BASE = 'https://auth.example.org';
const configuration = { jwks_uri: `${BASE}/jwk.json`, id_token_signing_alg_values_supported: ['RS512'], issuer: BASE };

let jwk: JWK;
let sign: (
  claims?: Record<string, unknown>,
  options?: { expiresAt?: number; issuedAt?: number; audience?: string; alg?: string },
) => Promise<string>;
let signWithOtherKey: () => Promise<string>;

beforeAll(async () => {
  const keys = await generateKeyPair('RS512', { extractable: true });
  const other = await generateKeyPair('RS512', { extractable: true });
  jwk = { ...(await exportJWK(keys.publicKey)), alg: 'RS512', kid: 'k1' };
  sign = (claims = { sub: '11111111-2222-4333-8444-555555555555' }, options = {}) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: options.alg ?? 'RS512', kid: 'k1' })
      .setAudience(options.audience ?? CLIENT_ID)
      .setIssuer(BASE)
      .setIssuedAt(options.issuedAt ?? NOW)
      .setExpirationTime(options.expiresAt ?? NOW + 3600)
      .sign(keys.privateKey);
  signWithOtherKey = () =>
    new SignJWT({ sub: 'x' })
      .setProtectedHeader({ alg: 'RS512', kid: 'k1' })
      .setAudience(CLIENT_ID)
      .setIssuedAt(NOW)
      .setExpirationTime(NOW + 60)
      .sign(other.privateKey);
});

function offline(options: Partial<IDTokenDecoderOptions> = {}): IDTokenDecoder {
  return new IDTokenDecoder({ clientId: CLIENT_ID, openidConfiguration: configuration, jwks: { keys: [jwk] }, now: () => NOW, ...options });
}

async function failureOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(IdentityExtractionError.isInstance(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected an IdentityExtractionError');
}

describe('IDTokenDecoder', () => {
  it('verifies an id_token offline and returns its claims', async () => {
    const claims = await offline().decode(
      await sign({ sub: '11111111-2222-4333-8444-555555555555', preferred_username: '1111@example.org' }),
    );
    expect(claims).toMatchObject({ sub: '11111111-2222-4333-8444-555555555555', aud: CLIENT_ID, preferred_username: '1111@example.org' });
  });

  it('rejects another audience, a bad signature, a disallowed algorithm and a missing sub', async () => {
    expect(await failureOf(offline().decode(await sign(undefined, { audience: 'someone-else' })))).toContain('aud');
    expect(await failureOf(offline().decode(await signWithOtherKey()))).toContain('signature verification failed');
    expect(
      await failureOf(
        offline({ openidConfiguration: { ...configuration, id_token_signing_alg_values_supported: ['ES256'] } }).decode(await sign()),
      ),
    ).toContain('alg');
    expect(await failureOf(offline().decode(await sign({ name: 'no sub' })))).toContain('"sub" claim is missing');
    expect(await failureOf(offline().decode('not-a-jwt'))).toContain('id_token verification failed');
  });

  it('allows 300 s of clock skew on exp and iat, and no more', async () => {
    const expired = await sign(undefined, { expiresAt: NOW - 200 });
    expect((await offline().decode(expired)).sub).toBe('11111111-2222-4333-8444-555555555555');
    expect(await failureOf(offline().decode(await sign(undefined, { expiresAt: NOW - 301 })))).toContain('exp');
    expect((await offline().decode(await sign(undefined, { issuedAt: NOW + 299 }))).sub).toBe('11111111-2222-4333-8444-555555555555');
    expect(await failureOf(offline().decode(await sign(undefined, { issuedAt: NOW + 400, expiresAt: NOW + 4000 })))).toContain('iat');
    expect(await failureOf(offline({ leewaySeconds: 0 }).decode(expired))).toContain('exp');
  });

  it('fetches the OpenID configuration and the key set once, then caches them', async () => {
    const fetched: string[] = [];
    const fetchImpl = (async (url: string) => {
      fetched.push(url);
      const body = url.endsWith('/.well-known/openid-configuration') ? configuration : { keys: [jwk] };
      return new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
    }) as unknown as typeof fetch;
    const decoder = new IDTokenDecoder({ clientId: CLIENT_ID, authBaseUrl: `${BASE}/`, fetch: fetchImpl, now: () => NOW });
    await decoder.decode(await sign());
    await decoder.decode(await sign());
    expect(fetched).toEqual([`${BASE}/.well-known/openid-configuration`, `${BASE}/jwk.json`]);
  });

  it('reports fetch failures as IdentityExtractionError and tries again on the next call', async () => {
    let failing = true;
    const fetchImpl = (async (url: string) => {
      if (failing) return new Response('oops', { status: 500 });
      const body = url.endsWith('openid-configuration') ? configuration : { keys: [jwk] };
      return new Response(JSON.stringify(body), { status: 200 });
    }) as unknown as typeof fetch;
    const decoder = new IDTokenDecoder({ clientId: CLIENT_ID, authBaseUrl: BASE, fetch: fetchImpl, now: () => NOW });
    expect(await failureOf(decoder.decode(await sign()))).toBe(
      `could not fetch the OpenID configuration from ${BASE}/.well-known/openid-configuration: HTTP 500`,
    );
    failing = false;
    expect((await decoder.decode(await sign())).sub).toBe('11111111-2222-4333-8444-555555555555');
    const unreachable = new IDTokenDecoder({
      clientId: CLIENT_ID,
      fetch: (async () => {
        throw new TypeError('fetch failed');
      }) as unknown as typeof fetch,
    });
    expect(await failureOf(unreachable.decode(await sign()))).toContain('could not fetch the OpenID configuration');
  });

  it.each([
    [{ clientId: '' }, "'clientId' must be a non-empty string"],
    [{ clientId: CLIENT_ID, jwks: { keys: [] } }, "'jwks' requires 'openidConfiguration'"],
    [{ clientId: CLIENT_ID, openidConfiguration: {} as never }, "'openidConfiguration' must be an object with a string 'jwks_uri'"],
    [{ clientId: CLIENT_ID, authBaseUrl: 'not a url' }, "'authBaseUrl' must be an absolute URL"],
    [{ clientId: CLIENT_ID, leewaySeconds: -1 }, "'leewaySeconds' must be a non-negative number"],
  ])('rejects the options %p', (options, message) => {
    expect(() => new IDTokenDecoder(options as IDTokenDecoderOptions)).toThrow(InvalidArgumentError);
    expect(() => new IDTokenDecoder(options as IDTokenDecoderOptions)).toThrow(message);
  });
});
