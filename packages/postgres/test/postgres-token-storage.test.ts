import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { Pool } from 'pg';
import { ErrorCodes, InvalidArgumentError, TokenStorageData } from '@globus-tokenstorage/core';
import { sampleTokenData } from '@globus-tokenstorage/core/conformance';
import { PostgresTokenStorage, type PostgresTokenStorageOptions } from '@globus-tokenstorage/postgres';
import { caught, TestDatabase } from './support';
import { thrownBy } from '@globus-tokenstorage/test-support/thrown';

let database: TestDatabase;
let pool: Pool;
beforeAll(async () => {
  database = await TestDatabase.create('storage');
  pool = new Pool({ connectionString: database.url, max: 4 });
  pool.on('error', () => undefined);
});
afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

const opened: PostgresTokenStorage[] = [];
afterEach(async () => {
  for (const storage of opened.splice(0)) await storage.close();
});

let schemaNumber = 0;
/** A storage on the shared pool in a schema of its own (unless one is given). */
function storageIn(options: PostgresTokenStorageOptions = {}): PostgresTokenStorage {
  const storage = new PostgresTokenStorage(pool, { schema: `s${(schemaNumber += 1)}`, ...options });
  opened.push(storage);
  return storage;
}

describe('PostgresTokenStorage arguments', () => {
  it.each([[undefined], [null], [5], [''], ['   '], [[]], [true]])('refuses %p as the pool or configuration', (value) => {
    expect(thrownBy(() => new PostgresTokenStorage(value as never))).toBeInstanceOf(InvalidArgumentError);
  });

  it('refuses a connection string that is not a URL, without showing it (pg would take it all for a database name)', () => {
    const error = thrownBy(() => new PostgresTokenStorage('host=db.example.org password=word-secret dbname=app'));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect(inspect(error)).not.toContain('word-secret');
  });

  it.each<[string, Record<string, unknown>]>([
    ['an empty namespace', { namespace: '' }],
    ['a namespace with NUL', { namespace: 'a\0b' }],
    ['a namespace with an unpaired surrogate', { namespace: 'a\ud800b' }],
    ['an empty schema', { schema: '' }],
    ['a schema of 64 bytes', { schema: 's'.repeat(64) }],
    ['a table of 55 bytes (its version table would be cut)', { table: 't'.repeat(55) }],
    ['a table with NUL', { table: 'a\0' }],
    ['a numeric table', { table: 5 }],
    ['a negative sectionTimeoutMs', { sectionTimeoutMs: -1 }],
    ['a fractional sectionTimeoutMs', { sectionTimeoutMs: 1.5 }],
    ['a string sectionTimeoutMs', { sectionTimeoutMs: '100' }],
  ])('refuses %s', (_label, options) => {
    expect(thrownBy(() => new PostgresTokenStorage(pool, options as never))).toBeInstanceOf(InvalidArgumentError);
  });

  it('connects to nothing before the first call', async () => {
    const storage = new PostgresTokenStorage('postgres://user:secret-password@127.0.0.1:1/nowhere');
    expect(storage.schema).toBe('public');
    expect(storage.table).toBe('token_storage');
    await storage.close();
  });

  it('shows only the class and namespace in String, JSON and inspect', () => {
    const storage = new PostgresTokenStorage(database.url, { namespace: 'userapp' });
    opened.push(storage);
    expect(String(storage)).toBe('PostgresTokenStorage(namespace="userapp")');
    expect(inspect(storage)).toBe('PostgresTokenStorage(namespace="userapp")');
    expect(JSON.stringify(storage)).toBe('{"storage":"PostgresTokenStorage","namespace":"userapp"}');
  });

  it.each([
    ['a resource server with NUL', 'a\0b'],
    ['a resource server with an unpaired surrogate', 'rs\udc00'],
  ])('refuses %s in every method (PostgreSQL text cannot hold it exactly)', async (_label, key) => {
    const storage = storageIn();
    expect((await caught(() => storage.getTokenData(key))).code).toBe(ErrorCodes.INVALID_ARGUMENT);
    expect((await caught(() => storage.removeTokenData(key))).code).toBe(ErrorCodes.INVALID_ARGUMENT);
    expect((await caught(() => storage.storeTokenDataByResourceServer({ [key]: sampleTokenData('rs') }))).code).toBe(
      ErrorCodes.INVALID_ARGUMENT,
    );
  });
});

describe('PostgresTokenStorage pools', () => {
  const connectionsOf = async (applicationName: string) =>
    Number(
      (await database.query<{ n: string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = $1', [applicationName]))[0]
        ?.n,
    );

  it('close() ends the pool it made from a configuration', async () => {
    const storage = new PostgresTokenStorage({ connectionString: database.url, application_name: 'gts-own-pool' }, { schema: 'own_pool' });
    await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    expect(await connectionsOf('gts-own-pool')).toBeGreaterThan(0);
    await storage.close();
    await storage.close();
    expect(await connectionsOf('gts-own-pool')).toBe(0);
  });

  it('close() never ends a pool it was given', async () => {
    const given = new Pool({ connectionString: database.url, application_name: 'gts-given-pool' });
    try {
      const storage = new PostgresTokenStorage(given, { schema: 'given_pool' });
      await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
      await storage.close();
      expect((await given.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
      expect(await connectionsOf('gts-given-pool')).toBeGreaterThan(0);
    } finally {
      await given.end();
    }
  });

  it('passes pool options through to pg (ssl: a server without TLS refuses a client that requires it)', async () => {
    const storage = new PostgresTokenStorage({ connectionString: database.url, ssl: { rejectUnauthorized: true } });
    const error = await caught(() => storage.getTokenData('rs'));
    await storage.close();
    expect(error.code).toBe(ErrorCodes.STORAGE_UNAVAILABLE);
    expect(error.message).toContain('does not support SSL');
  });
});

describe('PostgresTokenStorage tables', () => {
  it('creates a table with the Python column names, token_data as jsonb, keyed by (namespace, resource_server)', async () => {
    const storage = storageIn({ schema: 'shape', namespace: 'userapp' });
    const data = sampleTokenData('transfer.api.globus.org');
    await storage.storeTokenDataByResourceServer({ 'transfer.api.globus.org': data });
    const columns = await database.query(
      `SELECT column_name, data_type, is_nullable FROM information_schema.columns
       WHERE table_schema = 'shape' AND table_name = 'token_storage' ORDER BY ordinal_position`,
    );
    expect(columns).toEqual([
      { column_name: 'namespace', data_type: 'text', is_nullable: 'NO' },
      { column_name: 'resource_server', data_type: 'text', is_nullable: 'NO' },
      { column_name: 'token_data', data_type: 'jsonb', is_nullable: 'NO' },
    ]);
    const key = await database.query(
      `SELECT kcu.column_name FROM information_schema.table_constraints tc
       JOIN information_schema.key_column_usage kcu ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
       WHERE tc.table_schema = 'shape' AND tc.table_name = 'token_storage' AND tc.constraint_type = 'PRIMARY KEY' ORDER BY kcu.ordinal_position`,
    );
    expect(key).toEqual([{ column_name: 'namespace' }, { column_name: 'resource_server' }]);
    // The data reads the same in SQL as in the Python SDK's files.
    const [row] = await database.query('SELECT namespace, resource_server, token_data FROM shape.token_storage');
    expect(row).toEqual({ namespace: 'userapp', resource_server: 'transfer.api.globus.org', token_data: data.toDict() });
    expect(await database.query('SELECT attribute, value FROM shape.token_storage_internal ORDER BY attribute')).toEqual([
      { attribute: 'schema_version', value: '1' },
      { attribute: 'writer', value: expect.stringMatching(/^@globus-tokenstorage\/postgres \d+\.\d+\.\d+/) },
    ]);
  });

  it('works in any schema and table name, quoted exactly (case, spaces, quotes)', async () => {
    const storage = storageIn({ schema: 'Tenant "A"', table: 'Token Store' });
    await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    const tables = await database.query('SELECT table_name FROM information_schema.tables WHERE table_schema = \'Tenant "A"\' ORDER BY 1');
    expect(tables).toEqual([{ table_name: 'Token Store' }, { table_name: 'Token Store_internal' }]);
    expect((await storage.getTokenData('rs'))?.resourceServer).toBe('rs');
  });

  it('migrate() creates the tables; 8 processes starting together on a new database create them once', async () => {
    const storages = Array.from({ length: 8 }, (_, index) => {
      const storage = new PostgresTokenStorage({ connectionString: database.url }, { schema: 'together', namespace: `n${index}` });
      opened.push(storage);
      return storage;
    });
    await Promise.all(
      storages.map((storage, index) =>
        index % 2 === 0 ? storage.migrate() : storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') }),
      ),
    );
    expect(await storages[0]!.listNamespaces()).toEqual(['n1', 'n3', 'n5', 'n7']);
    await storages[0]!.migrate();
  });

  it('first use of different tables in a schema that does not exist yet, by several processes at once, creates the schema once', async () => {
    for (const round of [1, 2, 3]) {
      const storages = Array.from({ length: 6 }, (_, index) => {
        const storage = new PostgresTokenStorage({ connectionString: database.url }, { schema: `race_${round}`, table: `t${index}` });
        opened.push(storage);
        return storage;
      });
      const results = await Promise.allSettled(storages.map((storage) => storage.migrate()));
      expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
    }
    const tables = await database.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema LIKE 'race\\_%'",
    );
    expect(tables).toEqual([{ n: 36 }]);
  });

  it.each([
    [
      'a newer schema version',
      "UPDATE versioned.token_storage_internal SET value = '2' WHERE attribute = 'schema_version'",
      '2',
      ErrorCodes.UNSUPPORTED_FORMAT_VERSION,
    ],
    ['no schema version', "DELETE FROM versioned.token_storage_internal WHERE attribute = 'schema_version'", undefined, 'completed'],
  ])('refuses a table with %s with UnsupportedFormatVersionError, and leaves it unchanged', async (_label, change, found, migrated) => {
    await database.query('DROP SCHEMA IF EXISTS versioned CASCADE');
    const writer = storageIn({ schema: 'versioned' });
    await writer.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    await database.query(change);
    // Another process: the tables are checked once per pool.
    const reader = new PostgresTokenStorage(database.url, { schema: 'versioned' });
    opened.push(reader);
    const error = await caught(() => reader.getTokenData('rs'));
    expect(error.code).toBe(ErrorCodes.UNSUPPORTED_FORMAT_VERSION);
    expect(error).toMatchObject({ formatVersion: found });
    expect(error.message).toContain('"versioned"."token_storage"');
    expect(error.message).toMatch(/127\.0\.0\.1:\d+\/gts_storage_/);
    expect((await caught(() => reader.storeTokenDataByResourceServer({ other: sampleTokenData('other') }))).code).toBe(
      ErrorCodes.UNSUPPORTED_FORMAT_VERSION,
    );
    expect(await database.query('SELECT resource_server FROM versioned.token_storage')).toEqual([{ resource_server: 'rs' }]);
    // A newer version is never touched; a missing one (tables made by hand) is completed.
    expect(
      await reader.migrate().then(
        () => 'completed',
        (error: { code?: string }) => error.code,
      ),
    ).toBe(migrated);
  });

  it.each([
    ['a table with other columns', 'CREATE TABLE foreign1.token_storage (id integer PRIMARY KEY, payload text)'],
    [
      'a table keyed differently',
      'CREATE TABLE foreign1.token_storage (namespace text, resource_server text, token_data jsonb, PRIMARY KEY (resource_server))',
    ],
    [
      'token_data as text',
      'CREATE TABLE foreign1.token_storage (namespace text, resource_server text, token_data text, PRIMARY KEY (namespace, resource_server))',
    ],
    ['a view', 'CREATE VIEW foreign1.token_storage AS SELECT 1 AS one'],
  ])('refuses %s with TokenFileFormatError, and leaves it unchanged', async (_label, create) => {
    await database.query('DROP SCHEMA IF EXISTS foreign1 CASCADE');
    await database.query('CREATE SCHEMA foreign1');
    await database.query(create);
    await database.query('CREATE TABLE foreign1.token_storage_internal (attribute text PRIMARY KEY, value text NOT NULL)');
    const storage = storageIn({ schema: 'foreign1' });
    const error = await caught(() => storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') }));
    expect(error.code).toBe(ErrorCodes.TOKEN_FILE_FORMAT);
    expect(error.message).toContain('is not a token table');
    expect(await database.query('SELECT count(*)::int AS n FROM foreign1.token_storage_internal')).toEqual([{ n: 0 }]);
  });

  it('refuses a token table without its version table', async () => {
    await database.query('DROP SCHEMA IF EXISTS foreign2 CASCADE');
    await database.query('CREATE SCHEMA foreign2');
    await database.query(
      'CREATE TABLE foreign2.token_storage (namespace text, resource_server text, token_data jsonb, PRIMARY KEY (namespace, resource_server))',
    );
    const error = await caught(() => storageIn({ schema: 'foreign2' }).listNamespaces());
    expect(error.code).toBe(ErrorCodes.TOKEN_FILE_FORMAT);
    expect(error.message).toContain('has no version table token_storage_internal');
  });

  it('accepts extra columns that have defaults', async () => {
    const storage = storageIn({ schema: 'extra_columns' });
    await storage.migrate();
    await database.query('ALTER TABLE extra_columns.token_storage ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now()');
    const again = storageIn({ schema: 'extra_columns' });
    await again.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    expect((await again.getTokenData('rs'))?.resourceServer).toBe('rs');
  });

  it('a table dropped while in use is created again, as on first use', async () => {
    const storage = storageIn({ schema: 'dropped' });
    await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    await database.query('DROP TABLE dropped.token_storage, dropped.token_storage_internal');
    expect(await storage.getTokenData('rs')).toBeNull();
    expect(await database.query("SELECT value FROM dropped.token_storage_internal WHERE attribute = 'schema_version'")).toEqual([
      { value: '1' },
    ]);
    await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    expect((await storage.getTokenData('rs'))?.resourceServer).toBe('rs');
  });

  it('a token table dropped without its version table is refused until the version table is dropped too', async () => {
    const storage = storageIn({ schema: 'half_dropped' });
    await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    await database.query('DROP TABLE half_dropped.token_storage');
    const error = await caught(() => storage.getTokenData('rs'));
    expect(error.code).toBe(ErrorCodes.TOKEN_FILE_FORMAT);
    expect(error.message).toContain('its version table token_storage_internal exists without the token table');
    await database.query('DROP TABLE half_dropped.token_storage_internal');
    expect(await storage.getTokenData('rs')).toBeNull();
  });
});

describe('PostgresTokenStorage rows', () => {
  it('stores several entries in one statement: all or none', async () => {
    const storage = storageIn({ schema: 'atomic' });
    await storage.migrate();
    await database.query("ALTER TABLE atomic.token_storage ADD CONSTRAINT no_bad CHECK (resource_server <> 'bad')");
    const error = await caught(() =>
      storage.storeTokenDataByResourceServer({ good: sampleTokenData('good'), bad: sampleTokenData('bad') }),
    );
    expect(error.code).toBe(ErrorCodes.TOKEN_STORAGE_ERROR);
    expect(error.message).toContain('(23514)');
    expect(await storage.getTokenDataByResourceServer()).toEqual({});
  });

  it.each([[1], [3], [16], [17], [40]])('stores %i entries in one call and reads them all back', async (count) => {
    const storage = storageIn();
    const data = Object.fromEntries(
      Array.from({ length: count }, (_, index) => [`rs-${index}`, sampleTokenData(`rs-${index}`, { scope: `s"\\${index}` })]),
    );
    await storage.storeTokenDataByResourceServer(data);
    const read = await storage.getTokenDataByResourceServer();
    expect(Object.keys(read).sort()).toEqual(Object.keys(data).sort());
    for (const [key, value] of Object.entries(data)) expect(read[key]?.toDict()).toEqual(value.toDict());
  });

  it.each([
    ['a NUL character', { note: 'a\u0000b' }],
    ['an unpaired surrogate', { note: 'a\ud800b' }],
    ['a key with NUL', { 'k\u0000': 1 }],
  ])('refuses token data holding %s (jsonb cannot store it), writing nothing', async (_label, extra) => {
    const storage = storageIn();
    const error = await caught(() =>
      storage.storeTokenDataByResourceServer({ good: sampleTokenData('good'), odd: sampleTokenData('odd', { extra }) }),
    );
    expect(error.code).toBe(ErrorCodes.INVALID_TOKEN_DATA);
    expect(error.message).toContain("'odd'");
    expect(await storage.getTokenDataByResourceServer()).toEqual({});
  });

  it('keeps text that only looks like an escape (a backslash followed by u0000)', async () => {
    const storage = storageIn();
    const data = sampleTokenData('rs', { scope: 'a\\u0000b \\ud800' });
    await storage.storeTokenDataByResourceServer({ rs: data });
    expect((await storage.getTokenData('rs'))?.scope).toBe('a\\u0000b \\ud800');
  });

  it.each([
    ['an object without the token fields', '{"x": 1}'],
    ['a token instead of an entry', '"AT-secret-value"'],
    ['a list', '[1, 2]'],
    [
      'a wrong type next to a token',
      '{"resource_server": "rs", "scope": "s", "access_token": "AT-secret-value", "expires_at_seconds": "soon"}',
    ],
    ['deep nesting', `{"resource_server": "rs", "extra": ${'['.repeat(600)}${']'.repeat(600)}}`],
  ])('a row that is %s is an InvalidTokenDataError naming namespace and resource server', async (_label, json) => {
    const storage = storageIn({ namespace: 'userapp' });
    await storage.migrate();
    await database.query(`INSERT INTO "${storage.schema}".token_storage VALUES ('userapp', 'rs', $1::jsonb)`, [json]);
    for (const read of [() => storage.getTokenData('rs'), () => storage.getTokenDataByResourceServer()]) {
      const error = await caught(read);
      expect(error.code).toBe(ErrorCodes.INVALID_TOKEN_DATA);
      expect(error.message).toContain("the token data of 'rs' in namespace 'userapp'");
      expect(`${error.message} ${inspect(error)}`).not.toContain('AT-secret-value');
    }
  });

  it('reads rows written with SQL in any key order, and keeps unknown keys', async () => {
    const storage = storageIn({ namespace: 'sql' });
    await storage.migrate();
    const dict = {
      token_type: 'Bearer',
      expires_at_seconds: 2000000000,
      access_token: 'AT',
      scope: 's',
      resource_server: 'rs',
      custom: { kept: true },
    };
    await database.query(`INSERT INTO "${storage.schema}".token_storage VALUES ('sql', 'rs', $1::jsonb)`, [JSON.stringify(dict)]);
    const read = await storage.getTokenData('rs');
    expect(read?.toDict()).toEqual({ ...dict });
    expect(Object.keys(read!.toDict()).slice(0, 3)).toEqual(['resource_server', 'scope', 'access_token']);
  });

  it('lists namespaces sorted by code point, without the empty one', async () => {
    const storage = storageIn({ namespace: 'b' });
    await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    for (const namespace of ['B', 'a', '\u00e9', 'Z']) {
      const other = new PostgresTokenStorage(pool, { schema: storage.schema, namespace });
      await other.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    }
    await database.query(`INSERT INTO "${storage.schema}".token_storage VALUES ('', 'rs', '{}')`);
    expect(await storage.listNamespaces()).toEqual(['B', 'Z', 'a', 'b', '\u00e9']);
  });

  it('reuses the parsed entry while its row is unchanged, and sees changes made elsewhere', async () => {
    const storage = storageIn();
    await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    const first = await storage.getTokenData('rs');
    expect(await storage.getTokenData('rs')).toBe(first);
    const replacement = sampleTokenData('rs');
    await database.query(`UPDATE "${storage.schema}".token_storage SET token_data = $1::jsonb`, [JSON.stringify(replacement.toDict())]);
    expect((await storage.getTokenData('rs'))?.accessToken).toBe(replacement.accessToken);
  });

  it('a namespace and resource server too long for the index give InvalidArgumentError', async () => {
    // Random text: PostgreSQL compresses long values before indexing them.
    const storage = storageIn({ namespace: randomBytes(6000).toString('base64') });
    const error = await caught(() => storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') }));
    expect(error.code).toBe(ErrorCodes.INVALID_ARGUMENT);
    expect(error.message).toContain('too long');
  });

  it('round-trips data written by TokenStorageData.fromDict of the Python fixtures', async () => {
    const storage = storageIn();
    const entry = TokenStorageData.fromDict({
      resource_server: 'auth.globus.org',
      identity_id: null,
      scope: 'openid',
      access_token: 'AT',
      refresh_token: null,
      expires_at_seconds: 2000000000,
      token_type: null,
    });
    await storage.storeTokenDataByResourceServer({ 'auth.globus.org': entry });
    expect((await storage.getTokenData('auth.globus.org'))?.toDict()).toEqual(entry.toDict());
  });
});

describe('PostgresTokenStorage with createTables: false', () => {
  it('creates nothing: a missing table is an error, an existing one is used', async () => {
    const reader = storageIn({ schema: 'not_created', createTables: false });
    for (const call of [() => reader.getTokenData('rs'), () => reader.listNamespaces(), () => reader.migrate()]) {
      const error = await caught(call);
      expect(error.code).toBe(ErrorCodes.TOKEN_STORAGE_ERROR);
      expect(error.message).toContain('"not_created"."token_storage" does not exist (createTables is false');
    }
    expect(await database.query("SELECT nspname FROM pg_namespace WHERE nspname = 'not_created'")).toEqual([]);
    await storageIn({ schema: 'not_created' }).storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    expect((await reader.getTokenData('rs'))?.resourceServer).toBe('rs');
  });

  it('refuses a createTables that is not a boolean', () => {
    expect(thrownBy(() => new PostgresTokenStorage(pool, { createTables: 'no' as never }))).toBeInstanceOf(InvalidArgumentError);
  });
});
