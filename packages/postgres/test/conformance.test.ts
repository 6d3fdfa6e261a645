import { inspect } from 'node:util';
import { runTokenStorageConformance } from '@globus-tokenstorage/core/conformance';
import { PostgresTokenStorage } from '@globus-tokenstorage/postgres';
import { TestDatabase } from './support';

// Each case gets its own schema in this file's database; each storage its own pool (made from the
// URL and ended by close()), as separate processes would have, so sections and concurrent writes
// go through the server's locks.
let database: TestDatabase;
beforeAll(async () => {
  database = await TestDatabase.create('conformance');
});
afterAll(async () => {
  await database?.drop();
});

let caseNumber = 0;
const schemas: string[] = [];

runTokenStorageConformance<PostgresTokenStorage>(
  { describe, it, expect },
  {
    create: ({ namespace }) => {
      const schema = `case_${(caseNumber += 1)}`;
      schemas.push(schema);
      return new PostgresTokenStorage(database.url, { namespace, schema });
    },
    reopen: (storage, { namespace }) => new PostgresTokenStorage(database.url, { namespace, schema: storage.schema }),
    cleanup: async () => {
      for (const schema of schemas.splice(0)) await database.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    },
    capabilities: { listNamespaces: true, closeRejectsCalls: true, runExclusive: true },
    inspect,
  },
);
