import { AccessTokenAuthorizer, NativeAppAuthClient, RefreshTokenAuthorizer } from '@globus-tokenstorage/authorizers';
import { compare } from './harness';

/**
 * getAuthorizationHeader on a valid token against an async function returning a constant string:
 * the cost of the expiry check and the single-flight bookkeeping on the hot path.
 */
export async function run(): Promise<void> {
  const header = 'Bearer AT-bench';
  const refreshing = new RefreshTokenAuthorizer('RT-bench', new NativeAppAuthClient('bench-client'), {
    accessToken: 'AT-bench',
    expiresAt: Date.now() / 1000 + 365 * 24 * 3600,
  });
  const fixed = new AccessTokenAuthorizer('AT-bench');
  if ((await refreshing.getAuthorizationHeader()) !== header || (await fixed.getAuthorizationHeader()) !== header) {
    throw new Error('authorizers bench: unexpected header');
  }
  await compare('authorizers: getAuthorizationHeader on a valid token', { label: 'async () => constant', fn: async () => header }, [
    { label: 'RefreshTokenAuthorizer.getAuthorizationHeader', fn: () => refreshing.getAuthorizationHeader(), targetRatio: 3 },
    { label: 'AccessTokenAuthorizer.getAuthorizationHeader', fn: () => fixed.getAuthorizationHeader(), targetRatio: 3 },
  ]);
}
