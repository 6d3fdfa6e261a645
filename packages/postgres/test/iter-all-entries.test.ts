import { Pool } from 'pg';
import { sampleTokenData } from '@globus-tokenstorage/core/conformance';
import { PostgresTokenStorage } from '@globus-tokenstorage/postgres';
import { TestDatabase } from './support';

let database: TestDatabase;
let pool: Pool;
beforeAll(async () => {
  database = await TestDatabase.create('iter');
  pool = new Pool({ connectionString: database.url, max: 4 });
  pool.on('error', () => undefined);
});
afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

describe('PostgresTokenStorage.iterAllEntries', () => {
  it('walks every namespace in pages, in listNamespaces order, an invalid row with its error', async () => {
    const storage = new PostgresTokenStorage(pool, { schema: 'walk' });
    await storage.migrate();
    const text = JSON.stringify(sampleTokenData('rs').toDict());
    const count = 1234;
    await pool.query(
      `INSERT INTO walk.token_storage (namespace, resource_server, token_data)
       SELECT 'ns-' || n, rs, $1::jsonb FROM generate_series(0, ${count - 1}) AS n, unnest(ARRAY['b', 'a']) AS rs`,
      [text],
    );
    await pool.query(`INSERT INTO walk.token_storage VALUES ('ns-7', 'bad', '{"scope": 7}')`);
    const walked: string[] = [];
    const invalid: string[] = [];
    for await (const entry of storage.iterAllEntries()) {
      if (entry.data === null) invalid.push(`${entry.namespace}/${entry.resourceServer} ${entry.error.code}`);
      else walked.push(`${entry.namespace}/${entry.resourceServer}`);
    }
    const namespaces = await storage.listNamespaces();
    expect(walked).toEqual(namespaces.flatMap((namespace) => [`${namespace}/a`, `${namespace}/b`]));
    expect(walked).toHaveLength(2 * count);
    expect(invalid).toEqual(['ns-7/bad INVALID_TOKEN_DATA']);
    await storage.close();
  }, 60_000);
});
