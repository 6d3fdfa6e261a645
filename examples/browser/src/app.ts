// The example app: a PKCE login by redirect, tokens in localStorage, calls to a protected API with
// an authorizer that refreshes the token once across all open tabs.
import { authorizedFetch, NativeAppAuthClient, StorageBackedAuthorizer } from '@globus-tokenstorage/authorizers';
import { hasRunExclusive } from '@globus-tokenstorage/core';
import { RedirectLogin, WebStorageTokenStorage } from '@globus-tokenstorage/web-storage';

/** What the example's server tells the page (see server.mjs). */
interface AppConfig {
  clientId: string;
  authBaseUrl: string;
  apiUrl: string;
  resourceServer: string;
  scopes: string;
}

const element = (id: string) => document.getElementById(id) as HTMLElement;

async function main(): Promise<void> {
  const config = (await (await fetch('/config.json')).json()) as AppConfig;
  const storage = new WebStorageTokenStorage();
  const client = new NativeAppAuthClient(config.clientId, { baseUrl: config.authBaseUrl });
  const login = new RedirectLogin({ client, storage });

  if (login.isCallback(location.href)) {
    await login.handleCallback(location.href);
    history.replaceState(null, '', '/'); // the code and state have done their job
  }

  const token = await storage.getTokenData(config.resourceServer);
  if (token === null) {
    show('You are not logged in.', 'login');
    element('login').onclick = () => {
      location.assign(login.start({ requestedScopes: config.scopes, redirectUri: `${location.origin}/callback`, refreshTokens: true }));
    };
    return;
  }

  show(`Logged in as ${token.identityId ?? 'an unknown identity'}.`, 'call-api', 'logout');
  // One refresh across tabs needs the Web Locks API: every current browser has it, in a secure context.
  if (!hasRunExclusive(storage)) throw new Error('this browser offers no Web Locks here (serve the page over https or from localhost)');
  const authorizer = new StorageBackedAuthorizer(storage, config.resourceServer, client);
  element('call-api').onclick = async () => {
    const response = await authorizedFetch(authorizer, `${config.apiUrl}/groups`);
    const groups = (await response.json()) as Array<{ name: string; my_memberships: Array<{ role: string }> }>;
    const output = element('output');
    output.hidden = false;
    output.textContent = groups
      .map((group) => `${group.name} (${group.my_memberships.map((membership) => membership.role).join(', ')})`)
      .join('\n');
  };
  element('logout').onclick = async () => {
    for (const resourceServer of Object.keys(await storage.getTokenDataByResourceServer())) await storage.removeTokenData(resourceServer);
    location.reload();
  };
}

function show(status: string, ...buttons: string[]): void {
  element('status').textContent = status;
  for (const id of buttons) element(id).hidden = false;
}

main().catch((error: unknown) => {
  element('status').textContent = `Something went wrong: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
});
