import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes } from '@globus-tokenstorage/core';
import { sampleTokenData } from '@globus-tokenstorage/core/conformance';
import { PostgresTokenStorage } from '@globus-tokenstorage/postgres';
import { caught, TestDatabase } from './support';

// The README's "Tables" SQL, run as written, makes tables the package uses; without its version
// rows, the error says how to complete them, and migrate() does.

/** The first ```sql block of the README's "Tables" section. */
function readmeTablesSql(): string {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Tables\n'));
  const block = /```sql\n([\s\S]*?)```/.exec(section.slice(0, section.indexOf('\n## ', 1)));
  if (!block?.[1]) throw new Error('the README has no sql block in its Tables section');
  return block[1];
}

const databases: TestDatabase[] = [];
const opened: PostgresTokenStorage[] = [];
afterEach(async () => {
  for (const storage of opened.splice(0)) await storage.close();
});
afterAll(async () => {
  for (const database of databases) await database.drop();
});

async function freshDatabase(): Promise<TestDatabase> {
  const database = await TestDatabase.create('readme_tables');
  databases.push(database);
  return database;
}

function storageOn(database: TestDatabase, createTables = false): PostgresTokenStorage {
  const storage = new PostgresTokenStorage(database.url, { createTables });
  opened.push(storage);
  return storage;
}

describe("the README's Tables SQL", () => {
  it('makes tables the storage uses as they are (createTables: false)', async () => {
    const database = await freshDatabase();
    await database.query(readmeTablesSql());
    const storage = storageOn(database);
    await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    expect((await storage.getTokenData('rs'))?.resourceServer).toBe('rs');
    await storage.migrate();
  });

  it('without its version rows: refused with an error that says how to complete them, and migrate() completes them', async () => {
    const database = await freshDatabase();
    await database.query(readmeTablesSql().replace(/^INSERT INTO .*$/m, ''));
    const error = await caught(() => storageOn(database).getTokenData('rs'));
    expect(error.code).toBe(ErrorCodes.UNSUPPORTED_FORMAT_VERSION);
    expect(error.message).toContain('has no schema version');
    expect(error.message).toContain('migrate()');
    expect(error.message).toContain('globus-tokens migrate URL');
    expect(error.message).toContain(`INSERT INTO "public"."token_storage_internal" (attribute, value) VALUES ('schema_version', '1')`);

    // With createTables: false, migrate() writes nothing.
    expect((await caught(() => storageOn(database).migrate())).code).toBe(ErrorCodes.UNSUPPORTED_FORMAT_VERSION);
    await storageOn(database, true).migrate();
    expect(await database.query("SELECT value FROM token_storage_internal WHERE attribute = 'schema_version'")).toEqual([{ value: '1' }]);
    const storage = storageOn(database);
    await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    expect((await storage.getTokenData('rs'))?.resourceServer).toBe('rs');
  });
});
