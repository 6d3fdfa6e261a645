// A GlobusApp in TypeScript: log in once, keep the tokens in the Python SDK's file for the app
// (~/.globus/app/<client ID>/globus-app-example/tokens.json), and call an API with them.
//   npm run example:app                     # a local OAuth2 server that logs alice in by itself
//   npm run example:app -- --client-id ID   # real Globus: prints a login URL and reads the code
import { parseArgs } from 'node:util';
import { UserApp } from '@globus-tokenstorage/app';
import { globusOrLocal } from './globus-or-local';

const { values } = parseArgs({ options: { 'client-id': { type: 'string' } } });
const target = await globusOrLocal(values['client-id']);
const app = new UserApp('Globus App Example', {
  clientId: target.clientId,
  scopeRequirements: { [target.groupsResourceServer]: target.groupsScope },
  config: { requestRefreshTokens: true, ...target.config },
});
try {
  const response = await app.authorizedFetch(target.groupsResourceServer, target.myGroupsUrl);
  if (!response.ok) throw new Error(`the groups API answered HTTP ${response.status}`);
  for (const group of (await response.json()) as Array<{ name: string }>) console.log(group.name);
} finally {
  await app.close();
  await target.close();
}
