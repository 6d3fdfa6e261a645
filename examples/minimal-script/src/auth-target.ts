import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExampleOptions } from './options';

/** Where the example logs in and which API it calls. */
export interface AuthTarget {
  baseUrl: string;
  clientId: string;
  /** The resource server of the groups API's tokens, and the scopes to request. */
  resourceServer: string;
  requestedScopes: string;
  groupsUrl: string;
  /** Logs in without a person (embedded server only). */
  login: ((authorizeUrl: string) => Promise<string>) | null;
  /** A line about the server, for the log. */
  description: string;
  /** What the token endpoint was asked in this run (embedded server only). */
  tokenRequests: (() => string) | null;
  close(): Promise<void>;
}

/** The Globus tutorial native app, used by the Globus SDK's own tutorials. */
const TUTORIAL_CLIENT_ID = '61338d24-54d5-408f-a10d-66c06b59f6d2';

/**
 * The real Globus Auth (or a compatible server) when `--auth-base-url` is given, else a local
 * OAuth2/OIDC server started for this run. The local server keeps its state in `dataDir`, so tokens
 * it issued in an earlier run stay valid.
 */
export async function openAuthTarget(options: ExampleOptions, dataDir: string): Promise<AuthTarget> {
  if (options.authBaseUrl !== undefined) {
    return {
      baseUrl: options.authBaseUrl,
      clientId: options.clientId ?? TUTORIAL_CLIENT_ID,
      resourceServer: 'groups.api.globus.org',
      requestedScopes: 'openid profile email urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships',
      groupsUrl: options.groupsUrl,
      login: null,
      description: `Globus Auth at ${options.authBaseUrl}`,
      tokenRequests: null,
      close: async () => undefined,
    };
  }
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  // oidc-provider is ESM-only and prints a notice when loaded; load it only when it is needed.
  const { startAuthServer } = await import('@globus-tokenstorage/auth-server');
  const server = await startAuthServer({ stateFile: join(dataDir, 'auth-server-state.json') });
  return {
    baseUrl: server.baseUrl,
    clientId: server.clients.native.clientId,
    resourceServer: server.resourceServers.api,
    requestedScopes: `${server.scopes.oidc} ${server.scopes.api}`,
    groupsUrl: `${server.apiUrl}/groups`,
    login: (authorizeUrl) => server.login({ authorizeUrl, username: options.username }),
    description: `the embedded OAuth2/OIDC server at ${server.baseUrl} (${server.stateRestored ? 'state of earlier runs restored' : 'fresh state'})`,
    tokenRequests: () => {
      const counts = Object.entries(server.stats.tokenRequests.byGrantType).map(([grant, count]) => `${count} ${grant}`);
      return counts.length > 0 ? counts.join(', ') : 'none';
    },
    close: () => server.close(),
  };
}
