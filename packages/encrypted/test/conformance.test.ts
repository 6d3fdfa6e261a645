import { join } from 'node:path';
import { inspect } from 'node:util';
import { OAuthTokenResponse } from '@globus-tokenstorage/core';
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
      create: ({ namespace }) =>
        new EncryptedTokenStorage(new JSONTokenStorage(join(dir, `tokens-${(counter += 1)}.json`), { namespace }), { keys }),
      reopen: (storage, { namespace }) =>
        new EncryptedTokenStorage(new JSONTokenStorage((storage.inner as JSONTokenStorage).filepath, { namespace }), { keys }),
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
      create: ({ namespace }) =>
        new EncryptedTokenStorage(new SQLiteTokenStorage(join(dir, `tokens-${(counter += 1)}.db`), { namespace }), { keys }),
      reopen: (storage, { namespace }) =>
        new EncryptedTokenStorage(new SQLiteTokenStorage((storage.inner as SQLiteTokenStorage).filepath, { namespace }), { keys }),
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
        new EncryptedTokenStorage(
          new PostgresTokenStorage(database.url, { namespace, schema: (storage.inner as PostgresTokenStorage).schema }),
          { keys },
        ),
      cleanup: async () => {
        for (const schema of schemas.splice(0)) await database.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      },
      capabilities,
      inspect,
    },
  );
});

describe('the PostgreSQL table after a store', () => {
  it('holds no token byte sequence', async () => {
    const database = await TestDatabase.create('encrypted_canary');
    try {
      const storage = new EncryptedTokenStorage(new PostgresTokenStorage(database.url, { schema: 'canary' }), { keys });
      await storage.storeTokenResponse(
        OAuthTokenResponse.fromJSON({
          access_token: 'AT-canary-pg-4411',
          refresh_token: 'RT-canary-pg-8822',
          expires_in: 3600,
          token_type: 'Bearer',
          resource_server: 'transfer.api.globus.org',
          scope: 'urn:globus:auth:scope:transfer.api.globus.org:all',
          other_tokens: [],
        }),
      );
      await storage.close();
      const rows = await database.query('SELECT namespace, resource_server, token_data::text AS data FROM canary.token_storage');
      const dump = JSON.stringify(rows);
      expect(dump).toContain('transfer.api.globus.org');
      expect(dump).toContain('gts-enc:v1:a:');
      expect(dump).not.toContain('canary');
    } finally {
      await database.drop();
    }
  });
});
