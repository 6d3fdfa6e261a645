import { PostgresTokenStorage } from '@globus-tokenstorage/postgres';
import { killAll, requireBuiltPackages, startChild } from './children';
import { TestDatabase } from './support';

let database: TestDatabase;
beforeAll(async () => {
  requireBuiltPackages('core', 'postgres');
  database = await TestDatabase.create('processes');
});
afterAll(async () => {
  killAll();
  await database?.drop();
});

it('8 processes x 50 concurrent stores into one namespace of a new database keep all 400 entries', async () => {
  const children = Array.from({ length: 8 }, (_, index) => startChild('store-many.mjs', [database.url, String(index), '50']));
  const results = await Promise.all(children.map(async (child) => ({ ...(await child.exited), stderr: child.stderr() })));
  expect(results).toEqual(results.map(() => ({ code: 0, signal: null, stderr: '' })));
  const storage = new PostgresTokenStorage(database.url, { namespace: 'shared' });
  try {
    const all = await storage.getTokenDataByResourceServer();
    const expected = Array.from({ length: 8 }, (_, child) => Array.from({ length: 50 }, (__, index) => `child-${child}-${index}`)).flat();
    expect(Object.keys(all).sort()).toEqual(expected.sort());
    expect(all['child-7-49']?.accessToken).toBe('AT-child-7-49');
  } finally {
    await storage.close();
  }
}, 60000);
