// The types a CommonJS project meets most, used as the READMEs show them. The test adds a file that
// imports every entry of every package, so that tsc (with skipLibCheck off) reads all their types.
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
