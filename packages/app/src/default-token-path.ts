import { InvalidArgumentError } from '@globus-tokenstorage/core';

/** Characters Windows refuses in file names; Python's `_slugify_app_name` replaces each with `+`. */
const RESERVED_CHARACTERS = /[<>:"/\\|?*]/g;
/** Device names Windows reserves, matched against the whole slug as Python does (its `\d` is any decimal digit). */
const RESERVED_NAMES = /^(con|prn|aux|nul|com\p{Nd}|lpt\p{Nd})$/u;
/**
 * What Python's `str.isprintable()` rejects: control, format, surrogate, private-use and unassigned
 * code points, and every separator except the ASCII space.
 */
const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/gu;

/**
 * The directory-safe form of an app name, exactly as the Python SDK 4.9 computes it: `<>:"/\|?*`
 * become `+`, `.` and space become `-`, characters Python does not consider printable are dropped,
 * and the result is lower-cased.
 *
 * @param appName - The app's name.
 * @returns The slug.
 * @throws {@link InvalidArgumentError} when the slug is empty or a reserved device name (`con`,
 *   `nul`, `com1`, …), with Python's messages.
 */
export function slugifyAppName(appName: string): string {
  if (typeof appName !== 'string') throw new InvalidArgumentError('appName must be a string');
  const slug = appName.replace(RESERVED_CHARACTERS, '+').replace(/[. ]/g, '-').replace(NOT_PRINTABLE, '').toLowerCase();
  if (RESERVED_NAMES.test(slug)) {
    throw new InvalidArgumentError(`App name results in a reserved filename ("${slug}"). Please choose a different name.`);
  }
  if (slug === '') throw new InvalidArgumentError('App name results in the empty string. Please choose a different name.');
  return slug;
}

/** What {@link defaultTokenFilePath} needs to know about the machine; the running process's by default. */
export interface TokenPathPlatform {
  /** `process.platform`. */
  platform: string;
  /** The user's home directory (`os.homedir()`). */
  homedir: string;
  /** The environment variables (`process.env`), for `LOCALAPPDATA` / `APPDATA` on Windows. */
  env: Readonly<Record<string, string | undefined>>;
}

/** Options of {@link defaultTokenFilePath}. */
export interface DefaultTokenFilePathOptions {
  /** The app's client ID. */
  clientId: string;
  /** The app's name (slugified). */
  appName: string;
  /** The Globus environment; outside `production` it prefixes the file name. @default "production" */
  environment?: string;
  /** `json` or `db` (SQLite). @default "json" */
  extension?: 'json' | 'db';
}

/**
 * The token file the Python SDK's `GlobusApp` uses for an app:
 * `~/.globus/app/{clientId}/{slug(appName)}/{env-}tokens.{json|db}` (on Windows under
 * `%LOCALAPPDATA%`, else `%APPDATA%`, `\globus\app\…`), so a TypeScript app and a Python app of
 * the same name and client share their tokens.
 *
 * @param options - See {@link DefaultTokenFilePathOptions}.
 * @param machine - The platform, home directory and environment. @default the running process's
 * @returns The absolute path.
 * @throws {@link InvalidArgumentError} for an app name Python refuses (see {@link slugifyAppName}),
 *   an empty client ID, or on Windows when neither `LOCALAPPDATA` nor `APPDATA` is set.
 */
export function defaultTokenFilePath(options: DefaultTokenFilePathOptions, machine: TokenPathPlatform): string {
  const { clientId, appName, environment = 'production', extension = 'json' } = options;
  if (typeof clientId !== 'string' || clientId === '') throw new InvalidArgumentError('clientId must be a non-empty string');
  const slug = slugifyAppName(appName);
  const fileName = `${environment === 'production' ? '' : `${environment}-`}tokens.${extension}`;
  if (machine.platform === 'win32') {
    const appData = machine.env.LOCALAPPDATA ?? machine.env.APPDATA;
    if (appData === undefined) throw new InvalidArgumentError('Could not find LOCALAPPDATA or APPDATA to place the token file in');
    return [appData.replace(/\\+$/, ''), 'globus', 'app', clientId, slug, fileName].join('\\');
  }
  return [machine.homedir.replace(/\/+$/, ''), '.globus', 'app', clientId, slug, fileName].join('/');
}
