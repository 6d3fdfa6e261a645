import { TokenStorageData } from '@globus-tokenstorage/core';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
import { compare } from './harness';

/** MemoryTokenStorage against a Map holding the same dicts (the cost of validation and copies). */
export async function run(): Promise<void> {
  const storage = new MemoryTokenStorage();
  const data = new TokenStorageData({
    resourceServer: 'transfer.api.globus.org',
    identityId: '11111111-2222-4333-8444-555555555555',
    scope: 'urn:globus:auth:scope:transfer.api.globus.org:all',
    accessToken: 'AT-bench',
    refreshToken: 'RT-bench',
    expiresAtSeconds: 2000000000,
    tokenType: 'Bearer',
  });
  await storage.storeTokenDataByResourceServer({ 'transfer.api.globus.org': data });
  const raw = new Map([['transfer.api.globus.org', data.toDict()]]);
  await compare(
    'memory: getTokenData',
    { label: 'Map.get + TokenStorageData.fromDict', fn: async () => TokenStorageData.fromDict(raw.get('transfer.api.globus.org')) },
    [{ label: 'MemoryTokenStorage.getTokenData', fn: () => storage.getTokenData('transfer.api.globus.org'), targetRatio: 1.5 }],
  );
}
