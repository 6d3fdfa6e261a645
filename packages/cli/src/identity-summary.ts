import type { TokenStorageData } from '@globus-tokenstorage/core';
import type { AppSession } from './app-session';
import { describeExpiry } from './format';

/** Who the stored tokens belong to, and what they are for; never a token. */
export interface IdentitySummary {
  tokenFile: string;
  /** The identity the tokens were issued to (from their id_token, as stored). */
  identityId: string | null;
  /** From the auth server's userinfo, when its token is stored and usable. */
  username: string | null;
  name: string | null;
  email: string | null;
  /** Why the userinfo is missing, or `null`. */
  userinfoError: string | null;
  tokens: Array<{ resourceServer: string; scopes: string[]; expiresAtSeconds: number; hasRefreshToken: boolean }>;
}

/**
 * Reads the app's stored tokens and, with the auth server's token, asks its userinfo endpoint who
 * logged in (the app renews the token if needed; it never starts a login here).
 *
 * @returns The summary; `tokens` is empty when nobody is logged in.
 */
export async function summarizeIdentity(session: AppSession): Promise<IdentitySummary> {
  const { app } = session;
  await app.loginRequired();
  const stored: Record<string, TokenStorageData> = await session.storage().getTokenDataByResourceServer();
  const entries = Object.values(stored).sort((a, b) => a.resourceServer.localeCompare(b.resourceServer));
  const summary: IdentitySummary = {
    tokenFile: session.tokenFile(),
    identityId: entries.find((entry) => entry.identityId !== null)?.identityId ?? null,
    username: null,
    name: null,
    email: null,
    userinfoError: null,
    tokens: entries.map((entry) => ({
      resourceServer: entry.resourceServer,
      scopes: entry.scope.split(' ').filter((scope) => scope !== ''),
      expiresAtSeconds: entry.expiresAtSeconds,
      hasRefreshToken: entry.refreshToken !== null,
    })),
  };
  if (!Object.hasOwn(stored, session.authResourceServer)) return summary;
  try {
    const response = await app.authorizedFetch(session.authResourceServer, `${app.authBaseUrl}/v2/oauth2/userinfo`);
    if (!response.ok) {
      await response.body?.cancel();
      summary.userinfoError = `userinfo answered HTTP ${response.status}`;
      return summary;
    }
    const info = (await response.json()) as Record<string, unknown>;
    const text = (key: string) => (typeof info[key] === 'string' ? (info[key] as string) : null);
    summary.username = text('preferred_username');
    summary.name = text('name');
    summary.email = text('email');
    summary.identityId ??= text('sub');
  } catch (error) {
    summary.userinfoError = `userinfo failed: ${(error as { code?: unknown }).code ?? 'error'}`;
  }
  return summary;
}

/** The summary as lines for a terminal. */
export function identityLines(summary: IdentitySummary, now: number): string[] {
  const who = [
    summary.username,
    summary.name === null ? null : `"${summary.name}"`,
    summary.email === null ? null : `<${summary.email}>`,
  ].filter((part) => part !== null);
  return [
    `identity: ${summary.identityId ?? 'unknown'}${who.length > 0 ? ` (${who.join(' ')})` : ''}`,
    ...(summary.userinfoError === null ? [] : [`note: ${summary.userinfoError}; the identity comes from the stored tokens`]),
    `token file: ${summary.tokenFile}`,
    ...summary.tokens.map(
      (token) =>
        `  ${token.resourceServer}: ${token.expiresAtSeconds >= now ? 'expires ' : ''}${describeExpiry(token.expiresAtSeconds, now)}${token.hasRefreshToken ? ', with refresh token' : ''}; scopes ${token.scopes.join(' ')}`,
    ),
  ];
}
