import { TokenStorageData } from '@globus-tokenstorage/core';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
import { NativeAppAuthClient, StorageBackedAuthorizer } from '@globus-tokenstorage/authorizers';
import { UserApp } from '@globus-tokenstorage/app';
import { compare } from './harness';

/**
 * `app.getAuthorizer(rs).getAuthorizationHeader()` on a valid token against the bare
 * `StorageBackedAuthorizer` it wraps, on the same storage (target <= 1.2x): the cost of the app's
 * authorizer lookup and its validation-error guard on the hot path.
 */
export async function run(): Promise<void> {
  const resourceServer = 'transfer.api.globus.org';
  const scope = 'urn:globus:auth:scope:transfer.api.globus.org:all';
  const storage = new MemoryTokenStorage();
  const token = new TokenStorageData({
    resourceServer,
    identityId: '11111111-2222-4333-8444-555555555555',
    scope,
    accessToken: 'AT-bench',
    refreshToken: 'RT-bench',
    expiresAtSeconds: Math.trunc(Date.now() / 1000) + 365 * 24 * 3600,
    tokenType: 'Bearer',
  });
  await storage.storeTokenDataByResourceServer({ [resourceServer]: token });
  const app = new UserApp('Bench App', {
    clientId: 'bench-client',
    scopeRequirements: { [resourceServer]: scope },
    config: { tokenStorage: storage, requestRefreshTokens: true, tokenValidationErrorHandler: null },
  });
  const bare = new StorageBackedAuthorizer(storage, resourceServer, new NativeAppAuthClient('bench-client'));
  const header = 'Bearer AT-bench';
  for (const get of [() => bare.getAuthorizationHeader(), () => app.getAuthorizer(resourceServer).getAuthorizationHeader()]) {
    if ((await get()) !== header) throw new Error('app bench: unexpected header');
  }
  await compare(
    'app: getAuthorizer + header on a valid token',
    { label: 'bare StorageBackedAuthorizer.getAuthorizationHeader', fn: () => bare.getAuthorizationHeader() },
    [
      {
        label: 'app.getAuthorizer(rs).getAuthorizationHeader()',
        fn: () => app.getAuthorizer(resourceServer).getAuthorizationHeader(),
        targetRatio: 1.2,
      },
    ],
  );
  await app.close();
}
