import type { CommandDefinition } from '../command';
import { APP_OPTIONS, DEFAULT_SCOPES } from '../app-session';
import { loginCommand } from './login';
import { logoutCommand } from './logout';
import { whoamiCommand } from './whoami';

const TOKEN_FILE =
  "The tokens live in the app's default token file, Python's ~/.globus/app/{client_id}/{app name slug}/tokens.json (with an environment prefix outside production).";

/** `login`, `logout` and `whoami`: a `UserApp` of `@globus-tokenstorage/app` on the command line. */
export const APP_COMMANDS: CommandDefinition[] = [
  {
    name: 'login',
    args: [],
    summary: "log in to an app (a UserApp) and store its tokens in the app's default token file",
    details:
      `Logs in unless the stored tokens still meet the app's scopes (--force logs in anyway). ${TOKEN_FILE} ` +
      'The command-line flow prints a URL and reads the authorization code from stdin (with --json the prompt goes to stderr); ' +
      'the local-server flow opens a browser and receives the code on 127.0.0.1 (not over SSH). ' +
      'Scopes of the form urn:globus:auth:scope:RS:NAME or https://auth.globus.org/scopes/RS/NAME belong to RS, openid/profile/email to the auth server; write others as RS=SCOPE.',
    options: {
      ...APP_OPTIONS,
      scope: { type: 'string', description: `space-separated scopes the app needs (default "${DEFAULT_SCOPES}")` },
      flow: { type: 'string', description: 'command-line (default) or local-server' },
      'refresh-tokens': { type: 'boolean', description: 'also get refresh tokens, so the login lasts beyond the access tokens' },
      force: { type: 'boolean', description: 'log in even if the stored tokens are valid' },
    },
    run: loginCommand,
  },
  {
    name: 'logout',
    args: [],
    summary: "revoke an app's tokens at the auth server and remove them from its token file",
    details: `Every token of the app is revoked, then removed; one that cannot be revoked stays stored and the command fails. ${TOKEN_FILE}`,
    options: APP_OPTIONS,
    run: logoutCommand,
  },
  {
    name: 'whoami',
    args: [],
    summary: 'show who is logged in to an app: the identity of its stored tokens, and what they are for',
    details: `The identity recorded from the login's id_token, with the username, name and email from the auth server's userinfo when its token is usable. Never logs in; exits 5 when nobody is. ${TOKEN_FILE}`,
    options: APP_OPTIONS,
    run: whoamiCommand,
  },
];
