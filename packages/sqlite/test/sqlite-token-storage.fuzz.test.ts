import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { InvalidTokenDataError, TokenFileFormatError, TokenStorageData, TokenStorageError } from '@globus-tokenstorage/core';
import { toPythonJSON } from '@globus-tokenstorage/core/backend';
import { sampleTokenData } from '@globus-tokenstorage/core/conformance';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import {
  applyByteMutations,
  byteMutations,
  CASE_TIMEOUT_MS,
  FUZZ_RUNS,
  fuzzTimeout,
  jsonReplacement,
  settle,
  tokenEntry,
} from '@globus-tokenstorage/test-support/fuzz';
import { PYTHON_FIXTURES, TempDirs } from './support';

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

const PYTHON_TOKEN_TABLE = `CREATE TABLE token_storage (
    namespace VARCHAR NOT NULL,
    resource_server VARCHAR NOT NULL,
    token_data_json VARCHAR NOT NULL,
    PRIMARY KEY (namespace, resource_server)
)`;
const PYTHON_INTERNAL_TABLE = `CREATE TABLE sdk_storage_adapter_internal (
    attribute VARCHAR NOT NULL,
    value VARCHAR NOT NULL,
    PRIMARY KEY (attribute)
)`;

/** Variants of the token table: the Python one, near misses, and things that are not tables. */
const tokenTableSQL = fc.constantFrom(
  ...Array<string>(8).fill(PYTHON_TOKEN_TABLE),
  'CREATE TABLE token_storage (namespace, resource_server, token_data_json, PRIMARY KEY (namespace, resource_server))',
  'CREATE TABLE TOKEN_STORAGE (NAMESPACE TEXT, RESOURCE_SERVER TEXT, TOKEN_DATA_JSON BLOB, PRIMARY KEY (NAMESPACE, RESOURCE_SERVER))',
  'CREATE TABLE token_storage (namespace TEXT, resource_server TEXT, token_data_json TEXT, PRIMARY KEY (namespace, resource_server)) WITHOUT ROWID',
  'CREATE TABLE token_storage (resource_server VARCHAR, namespace VARCHAR, token_data_json VARCHAR, PRIMARY KEY (resource_server, namespace))',
  'CREATE TABLE token_storage (namespace VARCHAR, resource_server VARCHAR, token_data_json VARCHAR)',
  'CREATE TABLE token_storage (namespace VARCHAR, resource_server VARCHAR, token_data_json VARCHAR, extra INT, PRIMARY KEY (namespace, resource_server))',
  'CREATE TABLE token_storage (namespace VARCHAR, resource_server VARCHAR, PRIMARY KEY (namespace, resource_server))',
  'CREATE TABLE token_storage (namespace INTEGER, resource_server REAL, token_data_json INTEGER, PRIMARY KEY (namespace, resource_server))',
  'CREATE VIEW token_storage AS SELECT 1 AS namespace, 2 AS resource_server, 3 AS token_data_json',
  '',
);

const internalTableSQL = fc.constantFrom(
  ...Array<string>(8).fill(PYTHON_INTERNAL_TABLE),
  'CREATE TABLE sdk_storage_adapter_internal (attribute, value, PRIMARY KEY (attribute))',
  'CREATE TABLE sdk_storage_adapter_internal (attribute VARCHAR, value VARCHAR)',
  'CREATE TABLE sdk_storage_adapter_internal (value VARCHAR, attribute VARCHAR PRIMARY KEY)',
  'CREATE TABLE sdk_storage_adapter_internal (attribute VARCHAR PRIMARY KEY, value VARCHAR, other VARCHAR)',
  '',
);

const otherSQL = fc.constantFrom(
  'CREATE TABLE config_storage (namespace VARCHAR NOT NULL, config_name VARCHAR NOT NULL, config_data_json VARCHAR NOT NULL, PRIMARY KEY (namespace, config_name))',
  'CREATE TABLE other (x)',
  'CREATE INDEX token_index ON token_storage (token_data_json)',
  'CREATE VIEW everything AS SELECT * FROM token_storage',
  "CREATE TRIGGER no_reads AFTER INSERT ON token_storage BEGIN SELECT RAISE(ABORT, 'no'); END",
  'CREATE TABLE sqlite_stat_like (a, b)',
);

/** A value SQLite can hold, as better-sqlite3 binds it. */
const sqlValue: fc.Arbitrary<string | number | bigint | Buffer | null> = fc.oneof(
  { weight: 4, arbitrary: fc.string({ maxLength: 12 }) },
  { weight: 2, arbitrary: fc.constantFrom('DEFAULT', 'userapp', 'transfer.api.globus.org', 'auth.globus.org') },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double({ noNaN: true }) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 8 }).map((bytes) => Buffer.from(bytes)) },
  { weight: 1, arbitrary: fc.constant(null) },
);

/** What a row's token_data_json holds: valid entries, invalid ones, bad JSON, other types. */
const tokenDataJSON: fc.Arbitrary<string | number | bigint | Buffer | null> = fc.oneof(
  { weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 8 }).map((rs) => toPythonJSON(sampleTokenData(rs).toDict())) },
  { weight: 3, arbitrary: tokenEntry.map((entry) => JSON.stringify(entry)) },
  { weight: 1, arbitrary: jsonReplacement.map((value) => JSON.stringify(value) ?? 'null') },
  {
    weight: 2,
    arbitrary: fc.tuple(fc.string({ minLength: 1, maxLength: 8 }), fc.nat()).map(([rs, cut]) => {
      const text = toPythonJSON(sampleTokenData(rs).toDict());
      return text.slice(0, cut % text.length);
    }),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '['.repeat(100_000),
      `{"a": ${'['.repeat(5000)}${']'.repeat(5000)}}`,
      'NaN',
      '{"access_token": "AT", }',
      '\ufeff{}',
    ),
  },
  { weight: 1, arbitrary: sqlValue },
);

interface Recipe {
  tokenTable: string;
  internalTable: string;
  others: string[];
  schemaVersion: string | number | bigint | Buffer | null | undefined;
  rows: Array<
    [string | number | bigint | Buffer | null, string | number | bigint | Buffer | null, string | number | bigint | Buffer | null]
  >;
}

const recipe: fc.Arbitrary<Recipe> = fc.record({
  tokenTable: tokenTableSQL,
  internalTable: internalTableSQL,
  others: fc.array(otherSQL, { maxLength: 2 }),
  schemaVersion: fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(undefined, '1', '2', 2, 1) },
    { weight: 1, arbitrary: fc.constantFrom('3', '', '2.0') },
    { weight: 1, arbitrary: sqlValue },
  ),
  rows: fc.array(
    fc.tuple(
      fc.oneof({ weight: 3, arbitrary: fc.constantFrom('DEFAULT', 'userapp') }, { weight: 1, arbitrary: sqlValue }),
      sqlValue,
      tokenDataJSON,
    ),
    {
      maxLength: 4,
    },
  ),
});

/** The bytes of a database built from a recipe, in memory (no file, no fsync). Statements that fail are skipped. */
function databaseBytes(spec: Recipe): Buffer {
  const db = new Database(':memory:');
  try {
    for (const sql of [spec.tokenTable, spec.internalTable, ...spec.others]) {
      if (sql === '') continue;
      try {
        db.exec(sql);
      } catch {
        // e.g. an index on a table this recipe does not have
      }
    }
    const attempt = (sql: string, values: unknown[]) => {
      try {
        db.prepare(sql).run(...values);
      } catch {
        // constraint or missing table: the recipe asked for something the schema refuses
      }
    };
    if (spec.schemaVersion !== undefined) {
      attempt('INSERT INTO sdk_storage_adapter_internal (attribute, value) VALUES (?, ?)', ['globus-sdk.version', '4.9.0']);
      attempt('INSERT INTO sdk_storage_adapter_internal (attribute, value) VALUES (?, ?)', [
        'globus-sdk.database_schema_version',
        spec.schemaVersion,
      ]);
    }
    for (const row of spec.rows) attempt('INSERT INTO token_storage (namespace, resource_server, token_data_json) VALUES (?, ?, ?)', row);
    return db.serialize();
  } finally {
    db.close();
  }
}

const PAGE = 4096;

/** Garbage written into whole pages after the 100-byte header, so the file still looks like SQLite. */
const garbagePages = fc.array(
  fc.record({ page: fc.nat(), offset: fc.nat(PAGE - 1), bytes: fc.uint8Array({ minLength: 1, maxLength: 512 }) }),
  {
    minLength: 1,
    maxLength: 3,
  },
);

function withGarbagePages(input: Buffer, patches: ReadonlyArray<{ page: number; offset: number; bytes: Uint8Array }>): Buffer {
  const bytes = Buffer.from(input);
  for (const { page, offset, bytes: patch } of patches) {
    const start = Math.max(100, (page % Math.max(1, Math.ceil(bytes.length / PAGE))) * PAGE + offset);
    Buffer.from(patch).copy(bytes, start, 0, Math.max(0, Math.min(patch.length, bytes.length - start)));
  }
  return bytes;
}

/** Header bytes worth breaking: page size, file format versions (WAL), reserved space, page count, schema format, text encoding, vacuum. */
const headerPatch = fc.record({
  field: fc.constantFrom(16, 18, 19, 20, 21, 31, 47, 59, 63),
  value: fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 255), fc.integer({ min: 0, max: 255 })),
});

const MAGIC = Buffer.from('SQLite format 3\u0000', 'latin1');

let seeds: Buffer[] = [];
beforeAll(async () => {
  const dir = dirs.make('gts-sqlite-fuzz-seed-');
  // A database written by this package (WAL mode, two namespaces), and the Python SDK's files.
  const ours = join(dir, 'ours.db');
  for (const namespace of ['DEFAULT', 'userapp']) {
    const storage = new SQLiteTokenStorage(ours, { namespace });
    await storage.storeTokenDataByResourceServer({
      a: sampleTokenData('a'),
      'transfer.api.globus.org': sampleTokenData('transfer.api.globus.org'),
    });
    await storage.close();
  }
  seeds = [readFileSync(ours), readFileSync(join(PYTHON_FIXTURES, 'tokens.db')), readFileSync(join(PYTHON_FIXTURES, 'v1_sqlite.db'))];
});

/** Bytes to write, with a description for counterexamples. */
interface FileInput {
  bytes: Buffer;
  label: string;
}

function fileInput(label: string, bytes: Buffer): FileInput {
  const shown = `${label}: ${bytes.length} bytes ${bytes.subarray(0, 128).toString('hex')}${bytes.length > 128 ? '…' : ''}`;
  return Object.assign({ bytes, label }, { [fc.toStringMethod]: () => shown });
}

/** File contents: generated schemas and rows, mutated real databases, garbage pages, broken headers, arbitrary bytes. */
const fileBytes: fc.Arbitrary<FileInput> = fc.oneof(
  { weight: 4, arbitrary: recipe.map((spec) => fileInput(`recipe ${fc.stringify(spec)}`, databaseBytes(spec))) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.nat(2), byteMutations)
      .map(([index, mutations]) =>
        fileInput(`seed ${index} with ${fc.stringify(mutations)}`, applyByteMutations(seeds[index] as Buffer, mutations)),
      ),
  },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.oneof(
          fc.nat(2).map((index) => fileInput(`seed ${index}`, seeds[index] as Buffer)),
          recipe.map((spec) => fileInput(`recipe ${fc.stringify(spec)}`, databaseBytes(spec))),
        ),
        garbagePages,
      )
      .map(([source, patches]) =>
        fileInput(`${source.label} with garbage pages ${fc.stringify(patches)}`, withGarbagePages(source.bytes, patches)),
      ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(fc.nat(2), fc.array(headerPatch, { minLength: 1, maxLength: 3 })).map(([index, patches]) => {
      const bytes = Buffer.from(seeds[index] as Buffer);
      for (const { field, value } of patches) bytes[field] = value;
      return fileInput(`seed ${index} with header bytes ${fc.stringify(patches)}`, bytes);
    }),
  },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => fileInput('bytes', Buffer.from(bytes))) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => fileInput('magic and bytes', Buffer.concat([MAGIC, bytes]))) },
);

/** The schema and token rows as a fresh read-only connection sees them, or the code of the error it gets. */
function schemaOf(path: string): string {
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
    const schema = db.prepare('SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY rowid').all();
    if (schema.length === 0) return '[]';
    let rows: unknown;
    try {
      rows = db.prepare('SELECT * FROM token_storage').raw().all();
    } catch (error) {
      rows = `error ${String((error as { code?: unknown }).code)}`;
    }
    return fc.stringify({ schema, rows });
  } catch (error) {
    return `error ${String((error as { code?: unknown }).code)}`;
  } finally {
    db?.close();
  }
}

describe('fuzzing SQLiteTokenStorage (each call ends in a result or a TokenStorageError; a read never changes the file)', () => {
  it(
    `opens and reads arbitrary files (${FUZZ_RUNS} cases)`,
    async () => {
      const dir = dirs.make('gts-sqlite-fuzz-');
      const path = join(dir, 'tokens.db');
      const outcomes = { read: 0, refused: 0, written: 0, badRows: 0 };
      await fc.assert(
        fc.asyncProperty(
          fileBytes,
          fc.constantFrom('DEFAULT', 'userapp', 'x'),
          fc.boolean(),
          fc.nat(39),
          async (input, namespace, readonly, dice) => {
            let written = false;
            let writeFailed = false;
            for (const name of readdirSync(dir)) rmSync(join(dir, name), { force: true });
            const { bytes } = input;
            writeFileSync(path, bytes);
            const schemaBefore = schemaOf(path);
            const storage = new SQLiteTokenStorage(path, {
              namespace,
              lockTimeoutMs: 1000,
              ...(readonly ? { connectParams: { readonly: true } } : {}),
            });
            try {
              const all = await settle(() => storage.getTokenDataByResourceServer());
              const one = await settle(() => storage.getTokenData('transfer.api.globus.org'));
              const namespaces = await settle(() => storage.listNamespaces());
              if (!TokenStorageError.isInstance(all))
                for (const data of Object.values(all)) expect(TokenStorageData.isInstance(data)).toBe(true);
              if (!TokenStorageError.isInstance(one) && one !== null) expect(TokenStorageData.isInstance(one)).toBe(true);
              // What can go wrong is the file (or a row of it): never a lock, a closed storage, or "SQLite failed".
              for (const result of [all, one, namespaces]) {
                if (TokenStorageError.isInstance(result))
                  expect(['TOKEN_FILE_FORMAT', 'UNSUPPORTED_FORMAT_VERSION', 'INVALID_TOKEN_DATA']).toContain(result.code);
              }
              if (InvalidTokenDataError.isInstance(all)) outcomes.badRows += 1;
              if (TokenStorageError.isInstance(namespaces)) {
                outcomes.refused += 1;
              } else {
                outcomes.read += 1;
                for (const name of namespaces) expect(typeof name).toBe('string');
              }
              if (TokenFileFormatError.isInstance(namespaces) || dice === 0) {
                // A file that is not a token database is never written to; a write that fails (a damaged
                // page, a read-only connection) changes nothing. Only a few writes succeed: they fsync.
                const stored = await settle(() => storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') }));
                if (TokenFileFormatError.isInstance(namespaces)) expect(TokenStorageError.isInstance(stored)).toBe(true);
                if (TokenStorageError.isInstance(stored)) {
                  writeFailed = !TokenStorageError.isInstance(namespaces);
                } else {
                  written = true;
                  outcomes.written += 1;
                }
              }
            } finally {
              await storage.close();
            }
            // Only a new file or an empty SQLite database (no schema objects) is initialised.
            const mayInitialise =
              !readonly && (bytes.length === 0 || (schemaBefore === '[]' && bytes.subarray(0, MAGIC.length).equals(MAGIC)));
            if (!mayInitialise && !written) {
              // A write that failed on a readable database may have switched it to WAL before failing
              // (only its header changes); anything else must be byte for byte as it was.
              if (!writeFailed) expect(readFileSync(path).equals(bytes)).toBe(true);
              expect(schemaOf(path)).toBe(schemaBefore);
            }
            for (const name of readdirSync(dir)) expect(['tokens.db', 'tokens.db-wal', 'tokens.db-shm']).toContain(name);
            // Side files appear only for a file whose header says WAL (write or read version 2), or after a write.
            if (existsSync(`${path}-wal`)) expect(bytes[18] === 2 || bytes[19] === 2 || written || writeFailed || mayInitialise).toBe(true);
          },
        ),
        { numRuns: FUZZ_RUNS, timeout: CASE_TIMEOUT_MS },
      );
      // Both outcomes must be common, or the generators test less than they seem to.
      expect(outcomes.read).toBeGreaterThan(FUZZ_RUNS / 10);
      expect(outcomes.refused).toBeGreaterThan(FUZZ_RUNS / 10);
      expect(outcomes.written).toBeGreaterThan(0);
      expect(outcomes.badRows).toBeGreaterThan(FUZZ_RUNS / 100);
    },
    fuzzTimeout(2.5),
  );
});

describe('files the fuzzer found mishandled', () => {
  let dir: string;
  beforeEach(() => {
    dir = dirs.make('gts-sqlite-found-');
  });

  async function refusedUnchanged(bytes: Buffer, action: (storage: SQLiteTokenStorage) => Promise<unknown>): Promise<void> {
    const path = join(dir, 'tokens.db');
    writeFileSync(path, bytes);
    const storage = new SQLiteTokenStorage(path);
    try {
      const error = await settle(() => action(storage));
      expect(TokenFileFormatError.isInstance(error)).toBe(true);
    } finally {
      await storage.close();
    }
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect(readdirSync(dir)).toEqual(['tokens.db']);
  }

  it('a one-byte file, which SQLite reads as an empty database, is not initialised over', async () => {
    await refusedUnchanged(Buffer.from('\n'), (storage) => storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') }));
  });

  it('a header with an unknown schema format is a file format error', async () => {
    const bytes = readFileSync(join(PYTHON_FIXTURES, 'tokens.db'));
    bytes[47] = 5;
    await refusedUnchanged(bytes, (storage) => storage.listNamespaces());
  });

  it('a damaged data page: the store is refused before the WAL conversion rewrites the header', async () => {
    const bytes = readFileSync(join(PYTHON_FIXTURES, 'tokens.db'));
    bytes[2 * PAGE] = 0;
    bytes[116] = 0;
    await refusedUnchanged(bytes, (storage) => storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') }));
  });

  it('a damaged index that only some reads visit: writes are refused too', async () => {
    const bytes = readFileSync(join(PYTHON_FIXTURES, 'v1_sqlite.db'));
    bytes[4 * PAGE + 4006] = 21;
    bytes[120] = 0;
    const path = join(dir, 'probe.db');
    writeFileSync(path, bytes);
    const probe = new SQLiteTokenStorage(path);
    expect((await probe.getTokenData('transfer.api.globus.org'))?.resourceServer).toBe('transfer.api.globus.org');
    expect(TokenFileFormatError.isInstance(await settle(() => probe.listNamespaces()))).toBe(true);
    await probe.close();
    rmSync(path);
    await refusedUnchanged(bytes, (storage) => storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') }));
    await refusedUnchanged(bytes, (storage) => storage.removeTokenData('transfer.api.globus.org'));
  });

  it.each([false, true])(
    'a trigger on the token table that cannot be compiled (readonly: %p) is a file format error, not "SQLite failed"',
    async (readonly) => {
      const db = new Database(':memory:');
      db.exec(`${PYTHON_TOKEN_TABLE}; ${PYTHON_INTERNAL_TABLE}`);
      db.exec("INSERT INTO sdk_storage_adapter_internal VALUES ('globus-sdk.database_schema_version', '2')");
      // A damaged byte turned RAISE into a function call with a column that does not exist.
      db.exec("CREATE TRIGGER no_reads AFTER INSERT ON token_storage BEGIN SELECT RAISF(ABORT, 'no'); END");
      const bytes = db.serialize();
      db.close();
      const path = join(dir, 'tokens.db');
      writeFileSync(path, bytes);
      const storage = new SQLiteTokenStorage(path, readonly ? { connectParams: { readonly: true } } : {});
      try {
        const calls: Array<() => Promise<unknown>> = [
          () => storage.listNamespaces(),
          () => storage.getTokenData('rs'),
          () => storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') }),
        ];
        for (const call of calls) {
          expect(await settle(call)).toMatchObject({ code: 'TOKEN_FILE_FORMAT', filePath: path });
        }
      } finally {
        await storage.close();
      }
      expect(readFileSync(path).equals(bytes)).toBe(true);
    },
  );

  it('a row of 2 MB of "[" is invalid token data at once (JSON.parse would spend about 100 MB on it)', async () => {
    const path = join(dir, 'tokens.db');
    const db = new Database(path);
    db.exec(`${PYTHON_TOKEN_TABLE}; ${PYTHON_INTERNAL_TABLE}`);
    db.prepare('INSERT INTO token_storage VALUES (?, ?, ?)').run('DEFAULT', 'rs', '['.repeat(2 * 1024 * 1024));
    db.close();
    const storage = new SQLiteTokenStorage(path);
    try {
      const error = await settle(() => storage.getTokenData('rs'));
      expect(InvalidTokenDataError.isInstance(error)).toBe(true);
      expect((error as Error).message).toMatch(/nests deeper than 512 levels/);
    } finally {
      await storage.close();
    }
  });

  it('keys that are not non-empty text (BLOBs, NULLs, numbers in an untyped table, the empty name) are not listed', async () => {
    const path = join(dir, 'tokens.db');
    const db = new Database(path);
    db.exec(PYTHON_INTERNAL_TABLE);
    db.exec('CREATE TABLE token_storage (namespace, resource_server, token_data_json, PRIMARY KEY (namespace, resource_server))');
    const insert = db.prepare('INSERT INTO token_storage VALUES (?, ?, ?)');
    const row = (rs: string) => toPythonJSON(sampleTokenData(rs).toDict());
    for (const namespace of [Buffer.from('DEFAULT'), null, 7, '']) insert.run(namespace, 'rs', row('rs'));
    insert.run('DEFAULT', 'rs', row('rs'));
    insert.run('DEFAULT', Buffer.from('blob'), row('blob'));
    insert.run('DEFAULT', null, row('null'));
    insert.run('DEFAULT', 42, row('42'));
    db.close();
    const storage = new SQLiteTokenStorage(path);
    try {
      expect(await storage.listNamespaces()).toEqual(['DEFAULT']);
      const names: string[] = [];
      for await (const name of storage.iterNamespaces()) names.push(name);
      expect(names).toEqual(['DEFAULT']);
      expect(Object.keys(await storage.getTokenDataByResourceServer())).toEqual(['rs']);
    } finally {
      await storage.close();
    }
  });
});
