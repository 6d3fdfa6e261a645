import { PostgresTokenStorage } from '@globus-tokenstorage/postgres';
import type { CommandContext } from '../command';
import { CliError, ExitCodes } from '../cli-error';
import { inStorageTransaction, poolFor } from '../postgres-file';
import { displayName, parsePostgresTarget } from '../postgres-target';
import { openTokenFile, readAllNamespaces } from '../token-file';

/**
 * `globus-tokens convert SOURCE postgres://…`: copies every namespace of a token file (or of another
 * table) into a PostgreSQL token table, created if missing. Only into namespaces that hold nothing
 * there yet: nothing already in the database is overwritten. All namespaces are written in one
 * transaction, so a failure part-way writes nothing and the conversion can be run again.
 */
export async function convertToPostgres(context: CommandContext): Promise<number> {
  const [source, destination] = context.positionals as [string, string];
  const target = parsePostgresTarget(destination);
  const input = await openTokenFile(source, { readOnly: true });
  const pool = poolFor(target);
  const tableOptions = { schema: target.schema, table: target.table };
  let copied = 0;
  let namespaces: string[] = [];
  try {
    const read = await readAllNamespaces(input);
    namespaces = [...read.keys()];
    if (namespaces.length === 0) throw new CliError(`'${input.path}' holds no tokens; nothing to convert`, ExitCodes.REFUSED);
    // Tables are created outside the transaction (on a connection of their own); they stay if the copy fails.
    const creator = new PostgresTokenStorage(pool, tableOptions);
    await creator.migrate();
    await creator.close();
    copied = await inStorageTransaction(pool, async (transaction) => {
      const outputs = namespaces.map(
        (namespace) => new PostgresTokenStorage(transaction, { ...tableOptions, namespace, createTables: false }),
      );
      const taken: string[] = [];
      for (const output of outputs) if (Object.keys(await output.getTokenDataByResourceServer()).length > 0) taken.push(output.namespace);
      if (taken.length > 0) {
        throw new CliError(
          `namespace(s) ${taken.map((name) => `'${name}'`).join(', ')} already hold tokens in ${target.display}; convert copies only into empty namespaces`,
          ExitCodes.REFUSED,
        );
      }
      let count = 0;
      for (const output of outputs) {
        await output.storeTokenDataByResourceServer(read.get(output.namespace) ?? {});
        count += Object.keys(await output.getTokenDataByResourceServer()).length;
      }
      return count;
    });
  } finally {
    await pool.end();
    await input.close();
  }
  const summary = {
    source: displayName(source),
    destination: target.display,
    from: input.kind,
    to: 'postgres',
    namespaces: namespaces.length,
    tokens: copied,
  };
  context.print(
    context.json
      ? JSON.stringify(summary)
      : `converted ${copied} token(s) in ${namespaces.length} namespace(s) from ${summary.source} (${input.kind}) to ${target.display} (postgres)`,
  );
  return 0;
}
