import { TokenFileDocument, type TokenFileSource } from '@globus-tokenstorage/core/backend';
import { writeFileAtomic } from '@globus-tokenstorage/core/node';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { PostgresTokenStorage } from '@globus-tokenstorage/postgres';
import { SimpleJSONFileAdapter } from '@globus-tokenstorage/legacy-file-adapter';
import { readFile } from 'node:fs/promises';
import type { CommandContext } from '../command';
import { CliError, ExitCodes } from '../cli-error';
import { poolFor } from '../postgres-file';
import { displayName, parsePostgresTarget } from '../postgres-target';
import { detectKind } from '../token-file';
import { CLI_VERSION } from '../version';

/** `globus-tokens migrate FILE`: a 1.0 JSON file or a legacy single-token file becomes format 2.0, in place. */
export async function migrateCommand(context: CommandContext): Promise<number> {
  const [path] = context.positionals as [string];
  const kind = await detectKind(path);
  const report = (from: string, detail: string) => {
    const shown = displayName(path);
    context.print(
      context.json ? JSON.stringify({ file: shown, from, to: from === 'postgres' ? 'postgres' : '2.0', detail }) : `${shown}: ${detail}`,
    );
    return 0;
  };
  if (kind === 'sqlite') return report('sqlite', 'SQLite token files need no migration (schema 1 and 2 are both read)');
  if (kind === 'postgres') return report('postgres', await migratePostgres(path));
  if (kind === 'legacy-simple') {
    const namespace = typeof context.values.namespace === 'string' ? context.values.namespace : 'DEFAULT';
    const data = await new SimpleJSONFileAdapter(path, { resourceServer: 'unused' }).readTokenData();
    if (data === null) throw new CliError(`no such file: '${path}'`, ExitCodes.FILE_NOT_FOUND);
    // Atomic replacement: the legacy file stays whole until the 2.0 file is complete.
    const file = TokenFileDocument.empty(sourceOf(path)).withEntries(namespace, [[data.resourceServer, data]]);
    await writeFileAtomic(path, file.serialize());
    return report('legacy-simple', `migrated the legacy single-token file to format 2.0 (namespace ${namespace})`);
  }
  let version: unknown;
  try {
    version = TokenFileDocument.parse(await readFile(path, 'utf8'), sourceOf(path)).formatVersion;
  } catch {
    // Not a token file: JSONTokenStorage reports it below, as it reads files.
  }
  if (version === '2.0') return report('2.0', 'already format 2.0; nothing to do');
  // Storing an empty mapping rewrites the file: JSONTokenStorage migrates 1.0 to 2.0 on its first write.
  const storage = new JSONTokenStorage(path, { namespace: 'DEFAULT' });
  try {
    await storage.storeTokenDataByResourceServer({});
  } finally {
    await storage.close();
  }
  return report(String(version), 'migrated format 1.0 to 2.0 (its tokens are in namespace DEFAULT)');
}

/** A token file written by this command. */
function sourceOf(path: string): TokenFileSource {
  return { filePath: path, writer: `globus-tokens ${CLI_VERSION}` };
}

/** Creates a PostgreSQL token table (and its version table) if missing, or checks it; says which. */
async function migratePostgres(url: string): Promise<string> {
  const target = parsePostgresTarget(url);
  const pool = poolFor(target);
  try {
    const options = { schema: target.schema, table: target.table };
    const existing = new PostgresTokenStorage(pool, { ...options, createTables: false });
    // Any failure of the check is reported by the second migrate(), which may create the tables.
    const existed = await existing.migrate().then(
      () => true,
      () => false,
    );
    if (!existed) await new PostgresTokenStorage(pool, options).migrate();
    return existed
      ? 'the token table exists and is of a known schema version; nothing to do'
      : 'created the token table and its version table';
  } finally {
    await pool.end();
  }
}
