import type Database from 'better-sqlite3';
import type { TokenStorageData } from '@globus-tokenstorage/core';
import { assertWellFormedText, setOwnEntry, toPythonJSON, type RewriteAllEntries } from '@globus-tokenstorage/core/backend';

/** What {@link rewriteEveryRow} needs of the storage. */
export interface RowRewriteSteps {
  /** Runs one database step, waiting out other connections' locks and typing errors. */
  run<T>(step: () => T): T | Promise<T>;
  /** One row's text as token data; throws `InvalidTokenDataError` naming the row. */
  parse(namespace: string, resourceServer: string, text: unknown): TokenStorageData;
}

/**
 * Reads every row, hands the entries to `change` and writes back what it returns, in one write
 * transaction of `db` (a connection of its own: the transaction lasts while `change` runs, and on a
 * shared connection it would take in other storages' statements). Replaced values do not survive in
 * freed pages or in the write-ahead log, which is emptied once the transaction commits.
 *
 * @returns How many entries were written.
 */
export async function rewriteEveryRow(db: Database.Database, steps: RowRewriteSteps, change: RewriteAllEntries): Promise<number> {
  db.pragma('secure_delete = ON');
  await steps.run(() => db.exec('BEGIN IMMEDIATE'));
  try {
    const rows = db
      .prepare<[], unknown[]>(
        "SELECT namespace, resource_server, token_data_json FROM token_storage WHERE typeof(namespace) = 'text' AND typeof(resource_server) = 'text' ORDER BY namespace, resource_server",
      )
      .raw()
      .all() as Array<[string, string, unknown]>;
    const entries = new Map<string, Record<string, TokenStorageData>>();
    for (const [namespace, resourceServer, text] of rows) {
      let mapping = entries.get(namespace);
      if (mapping === undefined) entries.set(namespace, (mapping = {}));
      setOwnEntry(mapping, resourceServer, steps.parse(namespace, resourceServer, text));
    }
    const next = await change(entries);
    const replace = db.prepare<[string, string, string]>(
      'REPLACE INTO token_storage (namespace, resource_server, token_data_json) VALUES (?, ?, ?)',
    );
    let written = 0;
    for (const [namespace, mapping] of next) {
      assertWellFormedText(namespace, 'namespace');
      for (const [resourceServer, data] of Object.entries(mapping)) {
        assertWellFormedText(resourceServer, 'resource server');
        await steps.run(() => replace.run(namespace, resourceServer, toPythonJSON(data.toDict())));
        written += 1;
      }
    }
    await steps.run(() => db.exec('COMMIT'));
    db.pragma('wal_checkpoint(TRUNCATE)');
    return written;
  } finally {
    if (db.inTransaction) db.exec('ROLLBACK');
  }
}
