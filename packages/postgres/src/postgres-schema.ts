import type { PoolClient } from 'pg';
import { InvalidArgumentError, TokenFileFormatError, TokenStorageError, UnsupportedFormatVersionError } from '@globus-tokenstorage/core';
import { isWellFormedText } from '@globus-tokenstorage/core/backend';
import { advisoryKey } from './advisory-key';
import type { Connections } from './connect-within';
import { inTransaction } from './transaction';

/** The schema version this package writes into the version table. */
export const SCHEMA_VERSION = '1';

/** Schema versions this package reads and writes. */
const SUPPORTED_VERSIONS: ReadonlySet<string> = new Set([SCHEMA_VERSION]);

const VERSION_ATTRIBUTE = 'schema_version';
const WRITER_ATTRIBUTE = 'writer';

/** PostgreSQL cuts longer identifiers (`NAMEDATALEN - 1` bytes), which would name another table. */
const MAX_IDENTIFIER_BYTES = 63;

/** The version table is the token table's name with this suffix. */
const INTERNAL_SUFFIX = '_internal';

/** The tables of one storage. */
export interface TableNames {
  schema: string;
  table: string;
  /** The version table beside the token table (`<table>_internal`). */
  internal: string;
  /** `"schema"."table"`, quoted for SQL. */
  qualified: string;
  /** `"schema"."table_internal"`, quoted for SQL. */
  qualifiedInternal: string;
}

/**
 * Checks the `schema` and `table` options and quotes them.
 *
 * @throws {@link InvalidArgumentError} for names PostgreSQL cannot hold exactly.
 */
export function tableNames(schema: unknown, table: unknown): TableNames {
  checkIdentifier(schema, 'schema', MAX_IDENTIFIER_BYTES);
  checkIdentifier(table, 'table', MAX_IDENTIFIER_BYTES - INTERNAL_SUFFIX.length);
  const internal = `${table}${INTERNAL_SUFFIX}`;
  return {
    schema,
    table,
    internal,
    qualified: `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`,
    qualifiedInternal: `${quoteIdentifier(schema)}.${quoteIdentifier(internal)}`,
  };
}

function checkIdentifier(value: unknown, name: string, maxBytes: number): asserts value is string {
  if (typeof value !== 'string' || value === '') throw new InvalidArgumentError(`'${name}' must be a non-empty string`);
  if (value.includes('\0') || !isWellFormedText(value))
    throw new InvalidArgumentError(`'${name}' must be text without NUL characters or unpaired surrogates`);
  if (Buffer.byteLength(value, 'utf8') > maxBytes) {
    throw new InvalidArgumentError(`'${name}' must be at most ${maxBytes} bytes in UTF-8 (PostgreSQL cuts longer names)`);
  }
}

/** A name as a quoted SQL identifier: any text works, case is kept. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** What one catalog lookup found about a table. */
interface TableInfo {
  relname: string;
  relkind: string;
  columns: string[];
  primary_key: string[];
}

type SchemaState =
  | { kind: 'missing' }
  | { kind: 'ours' }
  | { kind: 'foreign'; reason: string }
  | { kind: 'unsupported'; version: string | undefined };

type Queryable = Pick<Connections, 'query'>;

/** Everything {@link ensureSchema} needs. */
export interface EnsureSchemaOptions {
  /** The storage's pool (inside a section, with bounded waits for a connection). */
  db: Connections;
  names: TableNames;
  /** The `writer` row of a new version table. */
  writer: string;
  /** Whether missing tables may be created. */
  mayCreate: boolean;
  /**
   * Whether a token table whose version table holds no schema version (made by hand, without the
   * version rows) may be completed by writing them.
   */
  mayComplete: boolean;
  /** Where the tables are, for messages: `host:port/database "schema"."table"`. */
  location: string;
}

/**
 * Makes sure the token table and its version table exist and are this package's: reads the
 * catalog (no lock, no write) and, only if both tables are missing, creates them (and the schema)
 * in one transaction under advisory locks on the schema and on the table, so that processes
 * starting together create each once. With `mayComplete`, tables of the right shape whose version
 * table has no schema version get their version rows the same way.
 *
 * @throws {@link TokenFileFormatError} if a table of that name exists but is not a token table (it is left unchanged).
 * @throws {@link UnsupportedFormatVersionError} if the version table holds an unknown version.
 * @throws {@link TokenStorageError} if the tables are missing and `mayCreate` is false.
 * @throws whatever pg throws (the caller types it).
 */
export async function ensureSchema(options: EnsureSchemaOptions): Promise<void> {
  const isCompletable = (state: SchemaState) => options.mayComplete && state.kind === 'unsupported' && state.version === undefined;
  const state = await inspect(options.db, options.names);
  if (state.kind !== 'missing' && !isCompletable(state)) return assertUsable(state, options);
  if (!options.mayCreate) throw new TokenStorageError(`${options.location} does not exist (createTables is false, so it was not created)`);
  await inTransaction(options.db, async (client) => {
    // The schema's lock first, always in this order: storages of different tables in one new
    // schema would otherwise create the schema together (and all but one fail, 23505). The
    // table's lock is still taken, as earlier versions take only that one.
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [advisoryKey('schema', options.names.schema)]);
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [advisoryKey('schema', options.names.schema, options.names.table)]);
    const current = await inspect(client, options.names);
    if (current.kind === 'missing') await create(client, options);
    else if (isCompletable(current)) await writeVersion(client, options);
    else assertUsable(current, options);
  });
}

async function inspect(db: Queryable, names: TableNames): Promise<SchemaState> {
  const { rows } = await db.query<TableInfo>({
    text: `SELECT c.relname, c.relkind::text AS relkind,
       ARRAY(SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
             WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum) AS columns,
       ARRAY(SELECT a.attname::text FROM pg_index i
             CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, position)
             JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
             WHERE i.indrelid = c.oid AND i.indisprimary ORDER BY k.position) AS primary_key
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relname = ANY($2::text[])`,
    values: [names.schema, [names.table, names.internal]],
  });
  const tokens = rows.find((row) => row.relname === names.table);
  const internal = rows.find((row) => row.relname === names.internal);
  if (!tokens && !internal) return { kind: 'missing' };
  if (!tokens) return { kind: 'foreign', reason: `its version table ${names.internal} exists without the token table` };
  if (!internal) return { kind: 'foreign', reason: `it has no version table ${names.internal}` };
  const tokenProblem = tableProblem(
    tokens,
    ['namespace text', 'resource_server text', 'token_data jsonb'],
    ['namespace', 'resource_server'],
  );
  if (tokenProblem) return { kind: 'foreign', reason: tokenProblem };
  const internalProblem = tableProblem(internal, ['attribute text', 'value text'], ['attribute']);
  if (internalProblem) return { kind: 'foreign', reason: internalProblem };
  const version = await db.query<{ value: string }>({
    text: `SELECT value FROM ${names.qualifiedInternal} WHERE attribute = $1`,
    values: [VERSION_ATTRIBUTE],
  });
  const value = version.rows[0]?.value;
  return value !== undefined && SUPPORTED_VERSIONS.has(value) ? { kind: 'ours' } : { kind: 'unsupported', version: value };
}

/** Why a table is not the expected one, or `null` if it is (extra columns are allowed). */
function tableProblem(info: TableInfo, columns: string[], primaryKey: string[]): string | null {
  if (info.relkind !== 'r' && info.relkind !== 'p') return `${info.relname} is not a table`;
  const missing = columns.filter((column) => !info.columns.includes(column));
  if (missing.length > 0) return `its table ${info.relname} lacks the column(s) ${missing.join(', ')}`;
  if (info.primary_key.join(',') !== primaryKey.join(',')) return `the primary key of ${info.relname} is not (${primaryKey.join(', ')})`;
  return null;
}

function assertUsable(state: Exclude<SchemaState, { kind: 'missing' }>, options: EnsureSchemaOptions): void {
  if (state.kind === 'foreign') {
    throw new TokenFileFormatError(`${options.location} is not a token table: ${state.reason}. It was left unchanged.`, {
      filePath: options.location,
    });
  }
  if (state.kind === 'unsupported') {
    const found = state.version === undefined ? 'no schema version' : `schema version ${JSON.stringify(state.version)}`;
    // Tables made by hand without the version rows: say how to complete them.
    const fix =
      state.version === undefined
        ? ` To complete tables made by hand, run migrate() (or \`globus-tokens migrate URL\`) as their owner, or: ` +
          `INSERT INTO ${options.names.qualifiedInternal} (attribute, value) VALUES ('${VERSION_ATTRIBUTE}', '${SCHEMA_VERSION}')`
        : '';
    throw new UnsupportedFormatVersionError(
      `${options.location} has ${found}; this version of @globus-tokenstorage/postgres reads schema version ${SCHEMA_VERSION}. It was left unchanged.${fix}`,
      { filePath: options.location, formatVersion: state.version },
    );
  }
}

async function create(client: PoolClient, options: EnsureSchemaOptions): Promise<void> {
  const { names } = options;
  const schemaExists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [names.schema]);
  if (schemaExists.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdentifier(names.schema)}`);
  await client.query(
    `CREATE TABLE ${names.qualified} (
       namespace text NOT NULL,
       resource_server text NOT NULL,
       token_data jsonb NOT NULL,
       PRIMARY KEY (namespace, resource_server)
     )`,
  );
  await client.query(`CREATE TABLE ${names.qualifiedInternal} (attribute text NOT NULL PRIMARY KEY, value text NOT NULL)`);
  await writeVersion(client, options);
}

/** Writes the version rows (a `writer` row already there is kept). */
async function writeVersion(client: PoolClient, { names, writer }: EnsureSchemaOptions): Promise<void> {
  await client.query(
    `INSERT INTO ${names.qualifiedInternal} (attribute, value) VALUES ($1, $2), ($3, $4) ON CONFLICT (attribute) DO NOTHING`,
    [VERSION_ATTRIBUTE, SCHEMA_VERSION, WRITER_ATTRIBUTE, writer],
  );
}
