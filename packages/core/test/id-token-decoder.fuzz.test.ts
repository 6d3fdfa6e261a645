import fc from 'fast-check';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { IdentityExtractionError, IDTokenDecoder, InvalidArgumentError, TokenStorageError } from '@globus-tokenstorage/core';
import { applyByteMutations, byteMutations, CASE_TIMEOUT_MS, FUZZ_RUNS, fuzzTimeout, settle } from '@globus-tokenstorage/test-support/fuzz';

const CLIENT_ID = 'client-id';
const NOW = 1_795_429_078;
const configuration = { jwks_uri: 'https://auth.example.org/jwk.json', id_token_signing_alg_values_supported: ['ES256'] };

let privateKey: CryptoKey;
let jwk: JWK;
let valid: string;
beforeAll(async () => {
  const keys = await generateKeyPair('ES256', { extractable: true });
  privateKey = keys.privateKey;
  jwk = { ...(await exportJWK(keys.publicKey)), alg: 'ES256', kid: 'k1' };
  valid = await new SignJWT({ sub: 'identity' })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setAudience(CLIENT_ID)
    .setIssuedAt(NOW)
    .setExpirationTime(NOW + 60)
    .sign(privateKey);
});

const base64url = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null')).toString('base64url');

/** Claims with every registered claim of any type, and any other claims. */
const claims = fc.record(
  {
    sub: fc.oneof(fc.string(), fc.jsonValue()),
    aud: fc.oneof(fc.constant(CLIENT_ID), fc.array(fc.constantFrom(CLIENT_ID, 'other')), fc.jsonValue()),
    exp: fc.oneof(fc.integer({ min: NOW - 1000, max: NOW + 1000 }), fc.jsonValue(), fc.double()),
    iat: fc.oneof(fc.integer({ min: NOW - 1000, max: NOW + 1000 }), fc.jsonValue(), fc.double()),
    nbf: fc.oneof(fc.integer({ min: NOW - 1000, max: NOW + 1000 }), fc.jsonValue()),
    extra: fc.jsonValue(),
  },
  { requiredKeys: [] },
);

const header = fc.oneof(
  fc.constant({ alg: 'ES256', kid: 'k1' }),
  fc.record(
    {
      alg: fc.oneof(fc.constantFrom('ES256', 'RS256', 'none', 'HS256', 'EdDSA'), fc.jsonValue()),
      kid: fc.oneof(fc.constant('k1'), fc.jsonValue()),
      crit: fc.jsonValue(),
      b64: fc.jsonValue(),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue(),
);

/** id_tokens: arbitrary text, JWT-shaped text with arbitrary parts, mutated valid tokens, validly signed tokens with arbitrary claims. */
const idToken: fc.Arbitrary<() => Promise<string>> = fc.oneof(
  fc.string().map((text) => async () => text),
  fc.tuple(header, fc.oneof(claims, fc.jsonValue()), fc.string({ maxLength: 20 })).map(
    ([h, c, signature]) =>
      async () =>
        `${base64url(h)}.${base64url(c)}.${base64url(signature)}`,
  ),
  byteMutations.map((mutations) => async () => applyByteMutations(Buffer.from(valid), mutations).toString('latin1')),
  fc
    .array(fc.constantFrom(0, 1, 2), { minLength: 1, maxLength: 5 })
    .map((order) => async () => order.map((index) => valid.split('.')[index]).join('.')),
  claims.map((payload) => async () => {
    // SignJWT refuses some claim types itself; those cases send the raw payload with a valid header.
    try {
      return await new SignJWT(payload as Record<string, unknown>).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(privateKey);
    } catch {
      return `${base64url({ alg: 'ES256', kid: 'k1' })}.${base64url(payload)}.${valid.split('.')[2]}`;
    }
  }),
);

describe('fuzzing IDTokenDecoder.decode (each id_token ends in verified claims or a typed error)', () => {
  it(
    `decodes arbitrary, malformed, tampered and oddly signed id_tokens (${FUZZ_RUNS} cases)`,
    async () => {
      const decoder = new IDTokenDecoder({
        clientId: CLIENT_ID,
        openidConfiguration: configuration,
        jwks: { keys: [jwk] },
        now: () => NOW,
      });
      let verified = 0;
      await fc.assert(
        fc.asyncProperty(idToken, async (make) => {
          const token = await make();
          const result = await settle(() => decoder.decode(token));
          if (TokenStorageError.isInstance(result)) {
            expect(IdentityExtractionError.isInstance(result) || (InvalidArgumentError.isInstance(result) && token === '')).toBe(true);
          } else {
            verified += 1;
            expect(typeof result.sub).toBe('string');
            expect(result.aud === CLIENT_ID || (Array.isArray(result.aud) && result.aud.includes(CLIENT_ID))).toBe(true);
          }
        }),
        { numRuns: FUZZ_RUNS, timeout: CASE_TIMEOUT_MS },
      );
      expect(verified).toBeGreaterThan(0);
    },
    fuzzTimeout(0.5),
  );

  it(
    `a decoder fetching arbitrary OpenID configurations and key sets fails with IdentityExtractionError (${FUZZ_RUNS} cases)`,
    async () => {
      const body = fc.oneof(
        fc.jsonValue(),
        fc.record({ jwks_uri: fc.oneof(fc.constant('https://auth.example.org/jwk.json'), fc.jsonValue()) }, { requiredKeys: [] }),
      );
      const keySet = fc.oneof(
        fc.jsonValue(),
        fc.record({
          keys: fc.oneof(
            fc.array(
              fc.oneof(
                fc.jsonValue(),
                fc.dictionary(fc.constantFrom('kty', 'crv', 'x', 'y', 'n', 'e', 'alg', 'kid', 'use'), fc.jsonValue()),
              ),
            ),
            fc.jsonValue(),
          ),
        }),
      );
      await fc.assert(
        fc.asyncProperty(body, keySet, fc.constantFrom(200, 404, 500), fc.boolean(), async (config, keys, status, asText) => {
          const fetch = async (url: string | URL | Request) =>
            new Response(asText ? '{not json' : JSON.stringify(String(url).endsWith('openid-configuration') ? config : keys), { status });
          const decoder = new IDTokenDecoder({
            clientId: CLIENT_ID,
            fetch: fetch as typeof globalThis.fetch,
            now: () => NOW,
            authBaseUrl: 'https://auth.example.org',
          });
          const result = await settle(() => decoder.decode(valid));
          if (TokenStorageError.isInstance(result)) expect(IdentityExtractionError.isInstance(result)).toBe(true);
        }),
        { numRuns: FUZZ_RUNS, timeout: CASE_TIMEOUT_MS },
      );
    },
    fuzzTimeout(0.5),
  );
});
