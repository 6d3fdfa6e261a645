import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { ErrorCodes } from '../../errors';
import type { TokenStorageLike } from '../../storage/token-storage-like';
import { IDTokenDecoder } from '../../tokens/id-token-decoder';
import { OAuthTokenResponse } from '../../tokens/oauth-token-response';
import { defineGroup } from '../harness';
import { canary, expectStorageError } from '../sample-data';
import type { ConformanceOptions, ConformanceTestApi } from '../types';

const CLIENT_ID = 'conformance-client';
const IDENTITY = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
const NOW = 2_000_000_000;

let identityProvider: ReturnType<typeof createIdentityProvider> | undefined;

/** Key generation is slow; one provider serves every case of the run. */
function makeIdentityProvider(): ReturnType<typeof createIdentityProvider> {
  identityProvider ??= createIdentityProvider();
  return identityProvider;
}

/** An offline decoder and a function that signs id_tokens it accepts (or, with `wrongKey`, rejects). */
async function createIdentityProvider() {
  const good = await generateKeyPair('RS256', { extractable: true });
  const bad = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(good.publicKey)), kid: 'conformance', alg: 'RS256', use: 'sig' };
  const decoder = new IDTokenDecoder({
    clientId: CLIENT_ID,
    openidConfiguration: { jwks_uri: 'https://auth.example.org/jwks', id_token_signing_alg_values_supported: ['RS256'] },
    jwks: { keys: [jwk] },
    now: () => NOW,
  });
  const sign = (options: { wrongKey?: boolean } = {}) =>
    new SignJWT({ sub: IDENTITY })
      .setProtectedHeader({ alg: 'RS256', kid: 'conformance' })
      .setAudience(CLIENT_ID)
      .setIssuedAt(NOW)
      .setExpirationTime(NOW + 600)
      .sign(options.wrongKey ? bad.privateKey : good.privateKey);
  return { decoder, sign };
}

function loginResponse(extra: Record<string, unknown> = {}) {
  return {
    access_token: canary('AT'),
    refresh_token: canary('RT'),
    expires_in: 3600,
    resource_server: 'auth.globus.org',
    scope: 'openid profile email',
    token_type: 'Bearer',
    other_tokens: [
      {
        access_token: canary('AT'),
        refresh_token: canary('RT'),
        expires_in: 7200,
        resource_server: 'transfer.api.globus.org',
        scope: 'urn:globus:auth:scope:transfer.api.globus.org:all',
        token_type: 'Bearer',
      },
    ],
    ...extra,
  };
}

/** `storeTokenResponse`: one entry per resource server, identity from a verified id_token. */
export function describeTokenResponseConformance<S extends TokenStorageLike>(t: ConformanceTestApi, options: ConformanceOptions<S>): void {
  defineGroup(t, options, 'storing token responses', [], (test) => {
    test('storeTokenResponse stores every token of the response with expiry from expires_in', async (session) => {
      const storage = await session.create();
      const body = loginResponse();
      await storage.storeTokenResponse(OAuthTokenResponse.fromJSON(body, { now: () => NOW, grantType: 'authorization_code' }));
      const all = await storage.getTokenDataByResourceServer();
      t.expect(Object.keys(all).sort()).toEqual(['auth.globus.org', 'transfer.api.globus.org']);
      t.expect(all['auth.globus.org']?.accessToken).toBe(body.access_token);
      t.expect(all['auth.globus.org']?.expiresAtSeconds).toBe(NOW + 3600);
      t.expect(all['transfer.api.globus.org']?.refreshToken).toBe(body.other_tokens[0]?.refresh_token);
      t.expect(all['transfer.api.globus.org']?.expiresAtSeconds).toBe(NOW + 7200);
      t.expect(all['transfer.api.globus.org']?.identityId).toBe(null);
    });

    test('storeTokenResponse takes the identity from a verified id_token', async (session) => {
      const { decoder, sign } = await makeIdentityProvider();
      const storage = await session.create();
      const response = OAuthTokenResponse.fromJSON(loginResponse({ id_token: await sign() }), { now: () => NOW, idTokenDecoder: decoder });
      await storage.storeTokenResponse(response);
      t.expect((await storage.getTokenData('auth.globus.org'))?.identityId).toBe(IDENTITY);
      t.expect((await storage.getTokenData('transfer.api.globus.org'))?.identityId).toBe(IDENTITY);
    });

    test('storeTokenResponse stores nothing when the id_token fails verification', async (session) => {
      const { decoder, sign } = await makeIdentityProvider();
      const storage = await session.create();
      const response = OAuthTokenResponse.fromJSON(loginResponse({ id_token: await sign({ wrongKey: true }) }), {
        now: () => NOW,
        idTokenDecoder: decoder,
      });
      await expectStorageError(
        t,
        'storeTokenResponse with an id_token that does not verify',
        () => storage.storeTokenResponse(response),
        ErrorCodes.IDENTITY_EXTRACTION_FAILED,
      );
      t.expect(await storage.getTokenDataByResourceServer()).toEqual({});
    });

    test('a refresh response keeps the stored identity and a refresh token it does not carry', async (session) => {
      const { decoder, sign } = await makeIdentityProvider();
      const storage = await session.create();
      const login = loginResponse({ id_token: await sign() });
      await storage.storeTokenResponse(OAuthTokenResponse.fromJSON(login, { now: () => NOW, idTokenDecoder: decoder }));
      const refreshed = {
        access_token: canary('AT'),
        expires_in: 3600,
        resource_server: 'transfer.api.globus.org',
        scope: 'urn:globus:auth:scope:transfer.api.globus.org:all',
        token_type: 'Bearer',
        other_tokens: [],
      };
      await storage.storeTokenResponse(OAuthTokenResponse.fromJSON(refreshed, { now: () => NOW + 100, grantType: 'refresh_token' }));
      const transfer = await storage.getTokenData('transfer.api.globus.org');
      t.expect(transfer?.accessToken).toBe(refreshed.access_token);
      t.expect(transfer?.refreshToken).toBe(login.other_tokens[0]?.refresh_token);
      t.expect(transfer?.identityId).toBe(IDENTITY);
      t.expect(transfer?.expiresAtSeconds).toBe(NOW + 3700);
    });

    test('storeTokenResponse rejects something that is not a token response', async (session) => {
      const storage = await session.create();
      await expectStorageError(
        t,
        'storeTokenResponse with a plain object',
        () => storage.storeTokenResponse(loginResponse() as never),
        ErrorCodes.INVALID_ARGUMENT,
      );
      t.expect(await storage.getTokenDataByResourceServer()).toEqual({});
    });
  });
}
