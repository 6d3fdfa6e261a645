import { join } from 'node:path';
import { inspect } from 'node:util';
import { runTokenStorageConformance } from '@globus-tokenstorage/core/conformance';
import { EncryptedTokenStorage } from '@globus-tokenstorage/encrypted';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
import { PostgresTokenStorage } from '@globus-tokenstorage/postgres';
import { TestDatabase } from '@globus-tokenstorage/postgres-server/test-database';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { envKeys, TempDirs } from './support';

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());
const keys = envKeys();
let counter = 0;
const capabilities = { listNamespaces: true, closeRejectsCalls: true, runExclusive: true };

describe('around MemoryTokenStorage', () => {
  runTokenStorageConformance<EncryptedTokenStorage>(
    { describe, it, expect },
    {
      create: ({ namespace }) => new EncryptedTokenStorage(new MemoryTokenStorage({ namespace }), { keys }),
      reopen: (storage, { namespace }) =>
        new EncryptedTokenStorage(new MemoryTokenStorage({ namespace, shareWith: storage.inner as MemoryTokenStorage }), { keys }),
      capabilities,
      inspect,
    },
  );
});

describe('around JSONTokenStorage', () => {
  const dir = dirs.make();
  runTokenStorageConformance<EncryptedTokenStorage>(
    { describe, it, expect },
    {
      create: ({ namespace }) => new EncryptedTokenStorage(new JSONTokenStorage(join(dir, `tokens-${(counter += 1)}.json`), { namespace }), { keys }),
      reopen: (storage, { namespace }) => new EncryptedTokenStorage(new JSONTokenStorage((storage.inner as JSONTokenStorage).filepath, { namespace }), { keys }),
      capabilities,
      inspect,
    },
  );
});

describe('around SQLiteTokenStorage', () => {
  const dir = dirs.make();
  runTokenStorageConformance<EncryptedTokenStorage>(
    { describe, it, expect },
    {
      create: ({ namespace }) => new EncryptedTokenStorage(new SQLiteTokenStorage(join(dir, `tokens-${(counter += 1)}.db`), { namespace }), { keys }),
      reopen: (storage, { namespace }) => new EncryptedTokenStorage(new SQLiteTokenStorage((storage.inner as SQLiteTokenStorage).filepath, { namespace }), { keys }),
      capabilities,
      inspect,
    },
  );
});

describe('around PostgresTokenStorage', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await TestDatabase.create('encrypted');
  });
  afterAll(async () => {
    await database?.drop();
  });
  const schemas: string[] = [];
  runTokenStorageConformance<EncryptedTokenStorage>(
    { describe, it, expect },
    {
      create: ({ namespace }) => {
        const schema = `enc_${(counter += 1)}`;
        schemas.push(schema);
        return new EncryptedTokenStorage(new PostgresTokenStorage(database.url, { namespace, schema }), { keys });
      },
      reopen: (storage, { namespace }) =>
        new EncryptedTokenStorage(new PostgresTokenStorage(database.url, { namespace, schema: (storage.inner as PostgresTokenStorage).schema }), { keys }),
      cleanup: async () => {
        for (const schema of schemas.splice(0)) await database.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      },
      capabilities,
      inspect,
    },
  );
});
