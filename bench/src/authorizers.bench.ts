import { AccessTokenAuthorizer, NativeAppAuthClient, RefreshTokenAuthorizer } from '@globus-tokenstorage/authorizers';
import { compare } from './harness';

/**
 * getAuthorizationHeader on a valid token against an async function returning a constant string:
 * the cost of the expiry check and the single-flight bookkeeping on the hot path (target <= 2x).
 * Two informative rows show what the one clock read of the expiry check costs on this machine: the
 * limit plus a `Date.now()`, and the authorizer with a clock that is a constant function.
 */
export async function run(): Promise<void> {
  const header = 'Bearer AT-bench';
  const expiresAtSeconds = Date.now() / 1000 + 365 * 24 * 3600;
  const client = new NativeAppAuthClient('bench-client');
  const refreshing = new RefreshTokenAuthorizer('RT-bench', client, { accessToken: 'AT-bench', expiresAtSeconds });
  const fixedClock = new RefreshTokenAuthorizer('RT-bench', client, {
    accessToken: 'AT-bench',
    expiresAtSeconds,
    now: () => expiresAtSeconds - 3600,
  });
  const fixed = new AccessTokenAuthorizer('AT-bench');
  for (const authorizer of [refreshing, fixedClock, fixed]) {
    if ((await authorizer.getAuthorizationHeader()) !== header) throw new Error('authorizers bench: unexpected header');
  }
  await compare(
    'authorizers: getAuthorizationHeader on a valid token',
    { label: 'await of a constant (async () => header)', fn: async () => header },
    [
      { label: 'RefreshTokenAuthorizer.getAuthorizationHeader', fn: () => refreshing.getAuthorizationHeader(), targetRatio: 2 },
      { label: 'AccessTokenAuthorizer.getAuthorizationHeader', fn: () => fixed.getAuthorizationHeader(), targetRatio: 2 },
      { label: '(informative) the limit plus one Date.now()', fn: async () => (Date.now() > 0 ? header : '') },
      { label: '(informative) RefreshTokenAuthorizer, constant clock', fn: () => fixedClock.getAuthorizationHeader() },
    ],
  );
}
