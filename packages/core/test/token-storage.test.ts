import { inspect } from 'node:util';
import {
  IdentityExtractionError,
  InvalidArgumentError,
  OAuthTokenResponse,
  TokenStorageData,
  type IDTokenDecoderLike,
} from '@globus-tokenstorage/core';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
import { checkResourceServer, checkTokenDataMapping } from '../src/storage/storage-arguments';

const body = { access_token: 'AT-secret-1', resource_server: 'rs', scope: 's', id_token: 'jwt', other_tokens: [] };

describe('TokenStorage base class', () => {
  it.each([
    [{ namespace: '' }, 'namespace must be a non-empty string'],
    [{ namespace: 7 }, 'namespace must be a non-empty string'],
    [{ now: 'soon' }, "'now' must be a function"],
    [{ idTokenDecoder: {} }, "'idTokenDecoder' must have a decode(idToken) method"],
  ])('rejects the options %p', (options, message) => {
    expect(() => new MemoryTokenStorage(options as never)).toThrow(InvalidArgumentError);
    expect(() => new MemoryTokenStorage(options as never)).toThrow(message);
  });

  it("prefers the storage's idTokenDecoder over the response's, and wraps foreign decoder failures", async () => {
    const storageDecoder: IDTokenDecoderLike = { decode: async () => ({ sub: 'from-storage' }) };
    const responseDecoder: IDTokenDecoderLike = { decode: async () => ({ sub: 'from-response' }) };
    const storage = new MemoryTokenStorage({ idTokenDecoder: storageDecoder });
    await storage.storeTokenResponse(OAuthTokenResponse.fromJSON(body, { idTokenDecoder: responseDecoder }));
    expect((await storage.getTokenData('rs'))?.identityId).toBe('from-storage');

    storage.idTokenDecoder = {
      decode: async () => {
        throw new Error('decoder blew up with AT-secret-1');
      },
    };
    await expect(storage.storeTokenResponse(OAuthTokenResponse.fromJSON(body))).rejects.toThrow(IdentityExtractionError);
    await expect(storage.storeTokenResponse(OAuthTokenResponse.fromJSON(body))).rejects.not.toThrow('AT-secret-1');
  });

  it('a dependent-token response stores no identity even with an id_token decoder', async () => {
    const storage = new MemoryTokenStorage({ idTokenDecoder: { decode: async () => ({ sub: 'x' }) } });
    await storage.storeTokenResponse(OAuthTokenResponse.fromJSON([{ access_token: 'a', scope: 's', resource_server: 'rs' }]));
    expect((await storage.getTokenData('rs'))?.identityId).toBeNull();
  });

  it('a non-refresh response without id_token stores no identity, even over a stored one', async () => {
    const storage = new MemoryTokenStorage();
    await storage.storeTokenDataByResourceServer({
      rs: new TokenStorageData({
        resourceServer: 'rs',
        identityId: 'old',
        scope: 's',
        accessToken: 'a',
        refreshToken: 'r',
        expiresAtSeconds: 1,
      }),
    });
    await storage.storeTokenResponse(OAuthTokenResponse.fromJSON({ ...body, id_token: undefined }, { grantType: 'authorization_code' }));
    const stored = await storage.getTokenData('rs');
    expect([stored?.identityId, stored?.refreshToken]).toEqual([null, null]);
  });

  it('shows only its class and namespace', () => {
    const storage = new MemoryTokenStorage({ namespace: 'userapp' });
    expect(String(storage)).toBe('MemoryTokenStorage(namespace="userapp")');
    expect(JSON.stringify(storage)).toBe('{"storage":"MemoryTokenStorage","namespace":"userapp"}');
    expect(inspect(storage)).toBe('MemoryTokenStorage(namespace="userapp")');
  });

  it('checks resource servers and token data mappings', () => {
    expect(checkResourceServer('rs')).toBe('rs');
    expect(() => checkResourceServer('')).toThrow(InvalidArgumentError);
    expect(() => checkTokenDataMapping(new Map())).toThrow(InvalidArgumentError);
    expect(checkTokenDataMapping({})).toEqual([]);
  });
});
