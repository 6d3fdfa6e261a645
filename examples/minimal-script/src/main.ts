// The Globus "minimal script with token storage" workflow in TypeScript: log in once with PKCE,
// keep the tokens in a token storage, reuse them on later runs, let a RefreshTokenAuthorizer renew
// the access token and write each refresh back to the storage, and call a protected API.
//
//   npm run example                  # first run logs in; later runs reuse the stored tokens
//   npm run example -- --expire-now  # shows a refresh being written back
//   npm run example -- --help
import { createInterface } from 'node:readline/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TokenStorageError, type OAuthTokenResponse } from '@globus-tokenstorage/core';
import { authorizedFetch, NativeAppAuthClient, RefreshTokenAuthorizer } from '@globus-tokenstorage/authorizers';
import { openAuthTarget } from './auth-target';
import { openStorage } from './open-storage';
import { parseOptions, USAGE } from './options';

const DEFAULT_DATA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '.data');
const log = (line: string) => process.stderr.write(`${line}\n`);

interface Group {
  id: string;
  name: string;
  group_type?: string;
  enforce_session?: boolean;
  my_memberships?: Array<{ role: string }>;
}

async function main(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const dataDir = options.dataDir ?? DEFAULT_DATA_DIR;
  const auth = await openAuthTarget(options, dataDir);
  const { storage, location } = openStorage(options, dataDir);
  try {
    log(`Logging in with ${auth.description}; tokens are kept in ${location}`);
    const client = new NativeAppAuthClient(auth.clientId, { baseUrl: auth.baseUrl });

    let tokens = await storage.getTokenData(auth.resourceServer);
    if (tokens === null || tokens.refreshToken === null) {
      client.oauth2StartFlow({ requestedScopes: auth.requestedScopes, refreshTokens: true });
      const authorizeUrl = client.oauth2GetAuthorizeUrl();
      const code = options.interactive || auth.login === null ? await askForCode(authorizeUrl) : await auth.login(authorizeUrl);
      await storage.storeTokenResponse(await client.oauth2ExchangeCodeForTokens(code));
      tokens = await storage.getTokenData(auth.resourceServer);
      log(`Logged in as identity ${tokens?.identityId ?? 'unknown'}; stored the new tokens.`);
    } else {
      log(`Reusing the tokens stored for ${auth.resourceServer} (no login needed; identity ${tokens.identityId ?? 'unknown'}).`);
    }
    if (tokens === null || tokens.refreshToken === null) throw new Error(`the login gave no refresh token for ${auth.resourceServer}`);
    const { refreshToken } = tokens;

    if (options.expireNow) {
      tokens = tokens.with({ expiresAtSeconds: Math.trunc(Date.now() / 1000) - 1 });
      await storage.storeTokenDataByResourceServer({ [auth.resourceServer]: tokens });
      log('Marked the stored access token as expired.');
    }

    const authorizer = new RefreshTokenAuthorizer(refreshToken, client, {
      accessToken: tokens.accessToken,
      expiresAtSeconds: tokens.expiresAtSeconds,
      onRefresh: async (response: OAuthTokenResponse) => {
        await storage.storeTokenResponse(response);
        const refreshed = response.byResourceServer[auth.resourceServer];
        const until = refreshed ? new Date(refreshed.expires_at_seconds * 1000).toISOString() : 'unknown';
        log(`Refreshed the access token (valid until ${until}) and wrote it back to ${location}.`);
      },
    });

    const response = await authorizedFetch(authorizer, auth.groupsUrl);
    if (!response.ok) throw new Error(`the groups API answered HTTP ${response.status}`);
    printGroupsAsCsv((await response.json()) as Group[]);
    if (auth.tokenRequests) log(`Token endpoint requests in this run: ${auth.tokenRequests()}.`);
    return 0;
  } finally {
    await storage.close?.();
    await auth.close();
  }
}

/** The same columns as the Python SDK's minimal script. */
function printGroupsAsCsv(groups: Group[]): void {
  const csv = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  console.log('ID,Name,Type,Session Enforcement,Roles');
  for (const group of groups) {
    const roles = [...new Set((group.my_memberships ?? []).map((membership) => membership.role))].join(',');
    const session = group.enforce_session ? 'strict' : 'not strict';
    console.log([group.id, group.name, group.group_type ?? 'regular', session, roles].map(csv).join(','));
  }
}

async function askForCode(authorizeUrl: string): Promise<string> {
  console.log(`Please go to this URL and login:\n\n${authorizeUrl}\n`);
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await prompt.question('Please enter the code here: ')).trim();
  } finally {
    prompt.close();
  }
}

// `pnpm example -- --flag` passes the `--` along; it separates nothing here.
const argv = process.argv.slice(2);
main(argv[0] === '--' ? argv.slice(1) : argv).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // Typed errors name what went wrong (and never contain a token); show their code too.
    const detail = TokenStorageError.isInstance(error)
      ? `${error.code}: ${error.message}`
      : error instanceof Error
        ? error.message
        : String(error);
    process.stderr.write(`minimal-script: ${detail}\n\n${USAGE}\n`);
    process.exitCode = 1;
  },
);
