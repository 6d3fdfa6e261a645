// Where the example logs in: real Globus with a client ID, else a local OAuth2 server (tools/auth-server)
// that logs alice in through its own login and consent pages, so the example runs with no set-up.
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GlobusAppConfig } from '@globus-tokenstorage/app';
import type { NativeAppAuthClient } from '@globus-tokenstorage/authorizers';

/** The auth server, the groups API and the app configuration that goes with them. */
export interface Target {
  clientId: string;
  groupsResourceServer: string;
  groupsScope: string;
  myGroupsUrl: string;
  config: GlobusAppConfig;
  close(): Promise<void>;
}

/** Where the local server keeps its keys and tokens, so tokens of one run stay valid in the next. */
const DATA_DIR = process.env.GLOBUS_APP_EXAMPLE_DATA_DIR ?? join(dirname(fileURLToPath(import.meta.url)), '..', '.data');

export async function globusOrLocal(clientId: string | undefined): Promise<Target> {
  if (clientId !== undefined) {
    return {
      clientId,
      groupsResourceServer: 'groups.api.globus.org',
      groupsScope: 'urn:globus:auth:scope:groups.api.globus.org:view_my_groups_and_memberships',
      myGroupsUrl: 'https://groups.api.globus.org/v2/groups/my_groups',
      config: {},
      close: async () => undefined,
    };
  }
  mkdirSync(DATA_DIR, { recursive: true, mode: 0o700 });
  // oidc-provider is ESM-only and prints a notice when loaded: load it only when it is needed.
  const { startAuthServer } = await import('@globus-tokenstorage/auth-server');
  const server = await startAuthServer({ stateFile: join(DATA_DIR, 'auth-server-state.json') });
  return {
    clientId: server.clients.native.clientId,
    groupsResourceServer: server.resourceServers.api,
    groupsScope: server.scopes.api,
    myGroupsUrl: `${server.apiUrl}/v2/groups/my_groups`,
    config: {
      authBaseUrl: server.baseUrl,
      authResourceServer: server.resourceServers.auth,
      loginFlowManager: ({ loginClient }) => ({
        async runLoginFlow(parameters) {
          const client = loginClient as NativeAppAuthClient;
          client.oauth2StartFlow({ requestedScopes: [...(parameters.requiredScopes ?? [])], refreshTokens: true });
          const code = await server.login({ authorizeUrl: client.oauth2GetAuthorizeUrl(), username: 'alice' });
          process.stderr.write(`Logged in as alice at the local server ${server.baseUrl}.\n`);
          return client.oauth2ExchangeCodeForTokens(code);
        },
      }),
    },
    close: () => server.close(),
  };
}
