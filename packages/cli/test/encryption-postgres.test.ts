import { runCli } from '@globus-tokenstorage/cli';
import { TestDatabase } from '@globus-tokenstorage/postgres-server/test-database';
import { PostgresTokenStorage } from '@globus-tokenstorage/postgres';
import { TokenStorageData } from '@globus-tokenstorage/core';

const KEY = Buffer.alloc(32, 0x33).toString('base64');
const CANARY = /canary-pg-\d/;

let database: TestDatabase;
beforeAll(async () => {
  database = await TestDatabase.create('cli_encryption');
});
afterAll(async () => {
  await database?.drop();
});

async function cli(...args: string[]) {
  const out: string[] = [];
  const code = await runCli(args, { stdout: (text) => out.push(text), stderr: (text) => out.push(text), now: () => 1_800_000_000 });
  expect(out.join('\n')).not.toMatch(CANARY);
  expect(out.join('\n')).not.toContain(KEY);
  return { code, output: out.join('\n') };
}

it('encrypt and decrypt convert a PostgreSQL token table in one transaction; a wrong key changes nothing', async () => {
  const url = `${database.url}?schema=enc&table=token_storage`;
  for (const namespace of ['DEFAULT', 'user-2']) {
    const storage = new PostgresTokenStorage(database.url, { namespace, schema: 'enc' });
    await storage.storeTokenDataByResourceServer({
      rs: new TokenStorageData({
        resourceServer: 'rs',
        scope: 's',
        accessToken: 'canary-pg-1',
        refreshToken: 'canary-pg-2',
        expiresAtSeconds: 1_900_000_000,
      }),
    });
    await storage.close();
  }
  const dump = async () =>
    JSON.stringify(await database.query('SELECT namespace, resource_server, token_data FROM enc.token_storage ORDER BY 1, 2'));
  process.env.GTS_CLI_PG_KEY = `pg:${KEY}`;
  process.env.GTS_CLI_PG_WRONG = `pg:${Buffer.alloc(32, 0x44).toString('base64')}`;
  try {
    expect(await cli('encrypt', url, '--key-env', 'GTS_CLI_PG_KEY')).toMatchObject({ code: 0 });
    const encrypted = await dump();
    expect(encrypted).not.toMatch(CANARY);
    expect(encrypted.match(/gts-enc:v1:pg:/g)).toHaveLength(4);
    expect((await cli('show', url, 'user-2', 'rs')).output).toMatch(/refresh token\s+encrypted \(key id pg\)/);

    const wrong = await cli('decrypt', url, '--key-env', 'GTS_CLI_PG_WRONG');
    expect(wrong.code).not.toBe(0);
    expect(wrong.output).toMatch(/does not decrypt with key id 'pg'/);
    expect(await dump()).toBe(encrypted);

    expect(await cli('decrypt', url, '--key-env', 'GTS_CLI_PG_KEY')).toMatchObject({ code: 0 });
    expect((await dump()).match(/canary-pg-\d/g)).toHaveLength(4);
  } finally {
    delete process.env.GTS_CLI_PG_KEY;
    delete process.env.GTS_CLI_PG_WRONG;
  }
});
