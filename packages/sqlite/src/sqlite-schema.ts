import type BetterSqlite3 from 'better-sqlite3';

/** The token table exactly as the Python SDK's `SQLiteTokenStorage` creates it (same SQL text). */
export const TOKEN_TABLE_SQL = `CREATE TABLE token_storage (
    namespace VARCHAR NOT NULL,
    resource_server VARCHAR NOT NULL,
    token_data_json VARCHAR NOT NULL,
    PRIMARY KEY (namespace, resource_server)
)`;

/** The internal attribute table exactly as the Python SDK creates it. */
export const INTERNAL_TABLE_SQL = `CREATE TABLE sdk_storage_adapter_internal (
    attribute VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    PRIMARY KEY (attribute)
)`;

/** The schema version this package writes (the Python SDK's current one). */
export const DATABASE_SCHEMA_VERSION = '2';

/** Schema versions read: 1 (legacy `SQLiteAdapter`, Python 3.42) and 2. */
const SUPPORTED_SCHEMA_VERSIONS: ReadonlySet<string> = new Set(['1', '2']);

const VERSION_ATTRIBUTE = 'globus-sdk.version';
const SCHEMA_VERSION_ATTRIBUTE = 'globus-sdk.database_schema_version';

/** What {@link inspectSchema} found in a database. */
export type SchemaState =
  | { kind: 'empty' }
  | { kind: 'ours' }
  | { kind: 'foreign'; reason: string }
  | { kind: 'unsupported'; schemaVersion: string };

interface ColumnInfo {
  name: string;
  pk: number;
}

/**
 * Reads a database's schema without writing anything: empty (no schema objects at all), ours
 * (Python-compatible tables, schema version 1, 2 or unrecorded), or something else.
 *
 * @param db - An open connection (read-only is enough).
 * @returns What was found.
 */
export function inspectSchema(db: BetterSqlite3.Database): SchemaState {
  const objects = db.prepare<[], { type: string; name: string }>('SELECT type, lower(name) AS name FROM sqlite_master').all();
  if (objects.length === 0) return { kind: 'empty' };
  const tables = new Set(objects.filter((entry) => entry.type === 'table').map((entry) => entry.name));
  for (const [table, expected] of [
    ['token_storage', ['namespace', 'resource_server', 'token_data_json']],
    ['sdk_storage_adapter_internal', ['attribute', 'value']],
  ] as const) {
    if (!tables.has(table)) return { kind: 'foreign', reason: `it has no ${table} table` };
    const columns = db.pragma(`table_info(${table})`) as ColumnInfo[];
    if (!hasColumns(columns, expected)) {
      return {
        kind: 'foreign',
        reason: `its ${table} table does not have the columns (${expected.join(', ')}) keyed by (${expected.slice(0, -1).join(', ')})`,
      };
    }
  }
  const version = db
    .prepare<[string], unknown>('SELECT value FROM sdk_storage_adapter_internal WHERE attribute = ?')
    .pluck()
    .get(SCHEMA_VERSION_ATTRIBUTE);
  if (version !== undefined && !SUPPORTED_SCHEMA_VERSIONS.has(String(version))) {
    return { kind: 'unsupported', schemaVersion: String(version) };
  }
  return { kind: 'ours' };
}

/** Exactly these columns (any order), every one but the last forming the primary key, in that order. */
function hasColumns(columns: readonly ColumnInfo[], expected: readonly string[]): boolean {
  if (columns.length !== expected.length) return false;
  return expected.every((name, index) => {
    const column = columns.find((candidate) => candidate.name.toLowerCase() === name);
    const primaryKeyPosition = index === expected.length - 1 ? 0 : index + 1;
    return column !== undefined && column.pk === primaryKeyPosition;
  });
}

/**
 * Creates the Python SDK's schema-2 tables and internal rows. Run inside a write transaction.
 *
 * @param db - A writable connection on an empty database.
 * @param writer - The value of the `globus-sdk.version` row.
 */
export function createSchema(db: BetterSqlite3.Database, writer: string): void {
  db.exec(`${TOKEN_TABLE_SQL};\n${INTERNAL_TABLE_SQL};`);
  const insert = db.prepare<[string, string]>('INSERT INTO sdk_storage_adapter_internal (attribute, value) VALUES (?, ?)');
  insert.run(VERSION_ATTRIBUTE, writer);
  insert.run(SCHEMA_VERSION_ATTRIBUTE, DATABASE_SCHEMA_VERSION);
}
