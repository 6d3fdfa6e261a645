import { CliError, ExitCodes } from './cli-error';

/** A PostgreSQL token table named on the command line as a URL. */
export interface PostgresTarget {
  /** The URL for pg, without the CLI's own parameters. */
  connectionString: string;
  /** From `?schema=` (default `public`). */
  schema: string;
  /** From `?table=` (default `token_storage`). */
  table: string;
  /** The URL as shown in messages: the password (in the user part or as a parameter) replaced by `***`. */
  display: string;
}

const POSTGRES_URL = /^postgres(?:ql)?:\/\//i;

/** What an unparsable URL most often lacks, said in every message about one. */
const URL_HINT =
  "expected postgres://user:password@host:port/database?schema=S&table=T, with special characters of the password percent-encoded ('#' as %23, '@' as %40, '/' as %2F, '?' as %3F, '%' as %25); " +
  'or leave the password out of the URL (postgres://user@host/database) and set it in the environment variable PGPASSWORD';

/**
 * Query parameters that hold a secret: pg reads the password from `?password=` too, and libpq's
 * `sslpassword` (the key's passphrase) is one as well. The `sslcert`, `sslkey` and `sslrootcert`
 * parameters are file paths (pg reads the files), so they are shown.
 */
const SECRET_PARAMETERS = ['password', 'sslpassword'];

/** Whether a command-line argument names a PostgreSQL database rather than a file. */
export function isPostgresUrl(argument: string): boolean {
  return POSTGRES_URL.test(argument);
}

/**
 * Reads `postgres://user:password@host:port/database?schema=S&table=T`: `schema` and `table` name
 * the token table (see `PostgresTokenStorage`); every other parameter goes to pg. A URL without a
 * password leaves it to pg, which reads the environment variable `PGPASSWORD`.
 *
 * @throws {@link CliError} (usage) for a URL that cannot be parsed, or that parses only because of an
 *   unencoded character (a fragment, an '@' in the path); the message never shows it.
 */
export function parsePostgresTarget(argument: string): PostgresTarget {
  let url: URL;
  try {
    url = new URL(argument);
  } catch {
    throw new CliError(`the PostgreSQL URL cannot be parsed: ${URL_HINT}`, ExitCodes.USAGE);
  }
  // A '#', '/' or '?' in an unencoded password can make a URL that parses, with another host or
  // database: a fragment, or an '@' past the host, is never meant.
  if (url.hash !== '' || url.pathname.includes('@'))
    throw new CliError(
      `the PostgreSQL URL holds a '#', or an '@' after its host, as an unencoded password leaves it: ${URL_HINT}`,
      ExitCodes.USAGE,
    );
  const schema = url.searchParams.get('schema') ?? 'public';
  const table = url.searchParams.get('table') ?? 'token_storage';
  const shown = new URL(url);
  if (shown.password !== '') shown.password = '***';
  for (const name of SECRET_PARAMETERS) if (shown.searchParams.has(name)) shown.searchParams.set(name, '***');
  url.searchParams.delete('schema');
  url.searchParams.delete('table');
  return { connectionString: url.toString(), schema, table, display: shown.toString() };
}

/** `argument` as it may be shown: a PostgreSQL URL without its password, a file path as it is. */
export function displayName(argument: string): string {
  if (!isPostgresUrl(argument)) return argument;
  try {
    return parsePostgresTarget(argument).display;
  } catch {
    return 'the PostgreSQL URL';
  }
}
