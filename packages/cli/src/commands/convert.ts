import { randomBytes } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import type { CommandContext } from '../command';
import { CliError, ExitCodes } from '../cli-error';
import { isPostgresUrl } from '../postgres-target';
import { openTokenFile, readAllNamespaces, SQLITE_EXTENSIONS } from '../token-file';
import { convertToPostgres } from './convert-to-postgres';

/** `globus-tokens convert SOURCE DESTINATION`: copies every namespace between JSON, SQLite and PostgreSQL. */
export async function convertCommand(context: CommandContext): Promise<number> {
  const [source, destination] = context.positionals as [string, string];
  if (isPostgresUrl(destination)) return convertToPostgres(context);
  const to = destinationKind(destination, context.values.to);
  if (await exists(destination)) throw new CliError(`'${destination}' exists; convert writes only new files`, ExitCodes.REFUSED);
  // A mistyped directory would otherwise be created silently (the storages create missing parents).
  if (context.values.parents !== true && !(await exists(dirname(destination)))) {
    throw new CliError(
      `the directory '${dirname(destination)}' does not exist; create it, or pass --parents to have it created (mode 0700)`,
      ExitCodes.REFUSED,
    );
  }
  const input = await openTokenFile(source, { readOnly: true });
  // Write next to the destination, then rename: a failed conversion leaves no partial file behind.
  const temporary = join(dirname(destination), `.${basename(destination)}.${randomBytes(6).toString('hex')}.converting`);
  let copied = 0;
  let namespaces: string[] = [];
  try {
    const read = await readAllNamespaces(input);
    namespaces = [...read.keys()];
    // Kept open until the end: the storages of one file share its snapshot or connection.
    const outputs: Array<SQLiteTokenStorage | JSONTokenStorage> = [];
    try {
      for (const [namespace, entries] of read) {
        const output = to === 'sqlite' ? new SQLiteTokenStorage(temporary, { namespace }) : new JSONTokenStorage(temporary, { namespace });
        outputs.push(output);
        await output.storeTokenDataByResourceServer(entries);
        copied += Object.keys(await output.getTokenDataByResourceServer()).length;
      }
    } finally {
      for (const output of outputs) await output.close();
    }
    if (namespaces.length === 0) throw new CliError(`'${input.path}' holds no tokens; nothing to convert`, ExitCodes.REFUSED);
    await rename(temporary, destination);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  } finally {
    await input.close();
    await Promise.all(['-wal', '-shm', '.lock'].map((suffix) => rm(`${temporary}${suffix}`, { force: true })));
  }
  const summary = { source: input.path, destination, from: input.kind, to, namespaces: namespaces.length, tokens: copied };
  context.print(
    context.json
      ? JSON.stringify(summary)
      : `converted ${copied} token(s) in ${namespaces.length} namespace(s) from ${input.path} (${input.kind}) to ${destination} (${to})`,
  );
  return 0;
}

function destinationKind(destination: string, option: string | boolean | undefined): 'json' | 'sqlite' {
  if (option === 'json' || option === 'sqlite') return option;
  if (option !== undefined) throw new CliError(`--to must be json or sqlite`, ExitCodes.USAGE);
  const extension = extname(destination).toLowerCase();
  if (extension === '.json') return 'json';
  if (SQLITE_EXTENSIONS.includes(extension)) return 'sqlite';
  throw new CliError(`cannot tell the format of '${destination}' from its name: pass --to json or --to sqlite`, ExitCodes.USAGE);
}

/** Whether `path` exists; one that cannot be looked at (a directory this user may not enter) is an error, not an absence. */
async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
