// The types a TypeScript project meets most, used as the READMEs show them; packed-packages.test.ts
// copies this file into the CommonJS and the ES module consumer, with one that imports every entry.
import { IDTokenDecoder, type IDTokenClaims } from '@globus-tokenstorage/core';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';

const decoder = new IDTokenDecoder({
  clientId: 'client-id',
  openidConfiguration: { jwks_uri: 'https://auth.example.org/jwks' },
  jwks: { keys: [{ kty: 'RSA', kid: 'k1', n: 'AQAB', e: 'AQAB' }] },
});

export async function identityOf(idToken: string): Promise<string> {
  const claims: IDTokenClaims = await decoder.decode(idToken);
  return claims.sub;
}

export const storage = new MemoryTokenStorage({ namespace: 'user' });
