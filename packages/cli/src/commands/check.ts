import { readFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { ErrorCodes, TokenStorageError, validateTokenFile, type SchemaProblem } from '@globus-tokenstorage/core';
import { parseBoundedJSON } from '@globus-tokenstorage/core/backend';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import type { CommandContext } from '../command';
import { isStoreUnavailable } from '../error-report';
import { describeExpiry } from '../format';
import { displayName, isPostgresUrl } from '../postgres-target';
import { detectKind, openTokenFile } from '../token-file';

/**
 * `globus-tokens check FILE`: schema, readability and permissions; exit 1 on any problem. A
 * PostgreSQL table (a `postgres://` URL) is checked by reading every token: the database keeps
 * its shape and its access rights.
 */
export async function checkCommand(context: CommandContext): Promise<number> {
  const [path] = context.positionals as [string];
  const kind = await detectKind(path);
  const problems: SchemaProblem[] = [];
  const notes: string[] = [];
  let format: string | null = null;

  if (kind !== 'postgres') {
    const mode = (await stat(path)).mode & 0o777;
    if ((mode & 0o077) !== 0)
      problems.push({
        path: '',
        message: `unsafe permissions ${octal(mode)}: others can read or change the tokens (run chmod 600 ${path})`,
      });
    const directoryMode = (await stat(dirname(path))).mode & 0o777;
    if ((directoryMode & 0o022) !== 0)
      problems.push({ path: '', message: `the directory ${dirname(path)} (${octal(directoryMode)}) is writable by others` });
  }

  const permissionProblemCount = problems.length;
  if (kind === 'postgres') {
    format = 'postgres';
  } else if (kind !== 'sqlite') {
    format = await checkSchema(path, problems, notes);
  } else {
    format = 'sqlite';
  }

  // Read every token only from a file whose shape is right; otherwise the schema problems say more.
  if (problems.length === permissionProblemCount) await readEveryToken(path, context, problems, notes);

  const valid = problems.length === 0;
  const shown = displayName(path);
  if (context.json) {
    context.print(JSON.stringify({ file: shown, kind, format, valid, problems, notes }, null, 2));
  } else {
    context.print(
      `${shown}: ${valid ? 'OK' : `${problems.length} problem(s)`} (${kind}${format && format !== kind ? `, format ${format}` : ''})`,
    );
    for (const problem of problems) context.print(`  problem ${problem.path || '(file)'}: ${problem.message}`);
    for (const note of notes) context.print(`  note: ${note}`);
  }
  return valid ? 0 : 1;
}

/**
 * Checks a JSON file against the JSON Schemas of its format. On its own so that the parse it
 * makes is garbage before the storage reads the file: a big file is then never held twice.
 *
 * @returns The file's format, or `null` if it is not JSON.
 */
async function checkSchema(path: string, problems: SchemaProblem[], notes: string[]): Promise<string | null> {
  let parsed: unknown;
  try {
    parsed = parseBoundedJSON(await readFile(path, 'utf8'));
  } catch {
    problems.push({ path: '', message: await describeSyntaxError(path) });
    return null;
  }
  const validation = validateTokenFile(parsed);
  problems.push(...validation.problems);
  if (validation.kind === '1.0' || validation.kind === 'legacy-simple')
    notes.push(`format ${validation.kind}: run 'globus-tokens migrate ${path}' to upgrade to 2.0`);
  return validation.kind;
}

/** Reads every token in one walk of the store: invalid entries are problems, expired ones notes. */
async function readEveryToken(path: string, context: CommandContext, problems: SchemaProblem[], notes: string[]): Promise<void> {
  let file;
  try {
    file = await openTokenFile(path, { readOnly: true });
    for await (const entry of file.entries()) {
      const where = `${entry.namespace}/${entry.resourceServer}`;
      if (entry.data === null) problems.push({ path: `/${where}`, message: `${ErrorCodes.INVALID_TOKEN_DATA}: ${entry.error.message}` });
      else if (entry.data.isExpired({ now: context.now }))
        notes.push(`${where}: access token ${describeExpiry(entry.data.expiresAtSeconds, context.now())}`);
    }
  } catch (error) {
    // A store that cannot be used has no problem to report: nothing was checked (see ExitCodes.STORE_UNAVAILABLE).
    if (isStoreUnavailable(error, isPostgresUrl(path))) throw error;
    problems.push({ path: '', message: describe(error) });
  } finally {
    await file?.close();
  }
}

/**
 * Where a file stops being JSON, as the JSON storage words it (line, column and offset, never the
 * text: it may hold tokens).
 */
async function describeSyntaxError(path: string): Promise<string> {
  const storage = new JSONTokenStorage(path);
  try {
    await storage.listNamespaces();
  } catch (error) {
    if (TokenStorageError.isInstance(error)) return describe(error);
  } finally {
    await storage.close();
  }
  return 'is not valid JSON';
}

function describe(error: unknown): string {
  return TokenStorageError.isInstance(error) ? `${error.code}: ${error.message}` : 'cannot be read';
}

function octal(mode: number): string {
  return `0${mode.toString(8).padStart(3, '0')}`;
}
