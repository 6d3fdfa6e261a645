import { parseArgs } from 'node:util';

/** What the example is told on its command line. */
export interface ExampleOptions {
  storage: 'json' | 'sqlite' | 'memory' | 'postgres';
  /** The token file (JSON or SQLite); a default is chosen when absent. */
  file: string | undefined;
  /** The PostgreSQL database of `--storage postgres` (`--postgres-url`, else DATABASE_URL). */
  postgresUrl: string | undefined;
  /** Print the authorize URL and read the code from stdin instead of logging in automatically. */
  interactive: boolean;
  /** Mark the stored access token expired before using it, to show a refresh being written back. */
  expireNow: boolean;
  /** A real Globus Auth (or compatible) server instead of the embedded one. */
  authBaseUrl: string | undefined;
  clientId: string | undefined;
  /** Where the groups are listed when talking to real Globus. */
  groupsUrl: string;
  username: string;
  /** Where the embedded server keeps its state, and the default token files live. */
  dataDir: string | undefined;
  help: boolean;
}

export const USAGE = `usage: npm run example -- [options]

Logs in with PKCE (once), stores the tokens, reuses them on the next run, refreshes them when they
expire (writing the refresh back to storage), and lists your groups as CSV.

  --storage json|sqlite|memory|postgres
                                where tokens are kept (default json)
  --file PATH                   the token file (default: examples/minimal-script/.data/tokens.json|db)
  --postgres-url URL            the database of --storage postgres (default: $DATABASE_URL), e.g.
                                postgres://user:password@localhost:5432/app
  --expire-now                  mark the stored access token expired first, to show a refresh
  --interactive                 print the login URL and read the authorization code from stdin
  --auth-base-url URL           use this Globus Auth instead of the embedded local server
                                (e.g. https://auth.globus.org; implies --interactive)
  --client-id ID                the native app's client ID at that server
                                (default: the Globus tutorial client 61338d24-54d5-408f-a10d-66c06b59f6d2)
  --groups-url URL              the groups listing of that deployment
                                (default https://groups.api.globus.org/v2/groups/my_groups)
  --username NAME               who logs in to the embedded server (alice or bob; default alice)
  --data-dir PATH               where the embedded server keeps its state and the default token
                                files live (default examples/minimal-script/.data)
  --help                        show this help`;

/**
 * Parses the example's arguments.
 *
 * @throws {Error} with a message meant for the user when an option is wrong.
 */
export function parseOptions(argv: string[]): ExampleOptions {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      storage: { type: 'string', default: 'json' },
      file: { type: 'string' },
      'postgres-url': { type: 'string' },
      interactive: { type: 'boolean', default: false },
      'expire-now': { type: 'boolean', default: false },
      'auth-base-url': { type: 'string' },
      'client-id': { type: 'string' },
      'groups-url': { type: 'string', default: 'https://groups.api.globus.org/v2/groups/my_groups' },
      username: { type: 'string', default: 'alice' },
      'data-dir': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.storage !== 'json' && values.storage !== 'sqlite' && values.storage !== 'memory' && values.storage !== 'postgres') {
    throw new Error(`--storage must be json, sqlite, memory or postgres, not ${values.storage}`);
  }
  const postgresUrl = values['postgres-url'] ?? (process.env.DATABASE_URL || undefined);
  if (values.storage === 'postgres' && postgresUrl === undefined) {
    throw new Error('--storage postgres needs a PostgreSQL server: pass --postgres-url URL or set DATABASE_URL');
  }
  return {
    storage: values.storage,
    file: values.file,
    postgresUrl,
    interactive: values.interactive || values['auth-base-url'] !== undefined,
    expireNow: values['expire-now'],
    authBaseUrl: values['auth-base-url'],
    clientId: values['client-id'],
    groupsUrl: values['groups-url'],
    username: values.username,
    dataDir: values['data-dir'],
    help: values.help,
  };
}
