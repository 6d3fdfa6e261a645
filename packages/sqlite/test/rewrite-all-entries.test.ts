import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ErrorCodes, TokenStorageData } from '@globus-tokenstorage/core';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { caught, TempDirs } from './support';

const dirs = new TempDirs();
afterEach(() => dirs.removeAll());

const entry = (resourceServer: string, accessToken: string) =>
  TokenStorageData.fromDict({ resource_server: resourceServer, scope: 's', access_token: accessToken, expires_at_seconds: 2000000000 });

async function seeded(): Promise<string> {
  const file = join(dirs.make(), 'tokens.db');
  for (const [namespace, tokens] of [
    ['DEFAULT', ['a.org', 'b.org']],
    ['userapp', ['c.org']],
  ] as const) {
    const storage = new SQLiteTokenStorage(file, { namespace });
    await storage.storeTokenDataByResourceServer(Object.fromEntries(tokens.map((key) => [key, entry(key, `AT-${namespace}-${key}`)])));
    await storage.close();
  }
  return file;
}

describe('SQLiteTokenStorage.rewriteAllEntries', () => {
  it('hands every entry of every namespace to change and writes back what it returns, in one transaction', async () => {
    const file = await seeded();
    const storage = new SQLiteTokenStorage(file, { namespace: 'other' });
    let seen: Record<string, string[]> = {};
    const written = await storage.rewriteAllEntries(async (entries) => {
      seen = Object.fromEntries([...entries].map(([namespace, mapping]) => [namespace, Object.keys(mapping)]));
      return new Map(
        [...entries].map(([namespace, mapping]) => [
          namespace,
          Object.fromEntries(Object.entries(mapping).map(([key, data]) => [key, entry(key, `${data.accessToken}-new`)])),
        ]),
      );
    });
    expect(seen).toEqual({ DEFAULT: ['a.org', 'b.org'], userapp: ['c.org'] });
    expect(written).toBe(3);
    const reader = new SQLiteTokenStorage(file, { namespace: 'userapp' });
    expect((await reader.getTokenData('c.org'))?.accessToken).toBe('AT-userapp-c.org-new');
    expect(Object.keys(await storage.getTokenDataByResourceServer())).toEqual([]);
    await reader.close();
    await storage.close();
  });

  it('writes nothing when change throws, and other connections wait for the transaction', async () => {
    const file = await seeded();
    const storage = new SQLiteTokenStorage(file);
    await expect(
      storage.rewriteAllEntries(async (entries) => {
        // A write through another connection waits for this transaction, then fails: the lock is held.
        const other = new Database(file, { timeout: 50 });
        try {
          expect(() => other.prepare("UPDATE token_storage SET token_data_json = '{}'").run()).toThrow(/locked|busy/i);
        } finally {
          other.close();
        }
        void entries;
        throw new Error('change failed');
      }),
    ).rejects.toThrow('change failed');
    expect((await storage.getTokenData('a.org'))?.accessToken).toBe('AT-DEFAULT-a.org');
    await storage.close();
  });

  it('refuses an invalid stored entry with InvalidTokenDataError naming it, before change runs', async () => {
    const file = await seeded();
    const db = new Database(file);
    db.prepare("UPDATE token_storage SET token_data_json = 'not json' WHERE resource_server = 'b.org'").run();
    db.close();
    const storage = new SQLiteTokenStorage(file);
    let called = false;
    const failure = await caught(() =>
      storage.rewriteAllEntries(async (entries) => {
        called = true;
        return entries;
      }),
    );
    expect(failure).toMatchObject({ code: ErrorCodes.INVALID_TOKEN_DATA });
    expect((failure as Error).message).toContain("'b.org' in namespace 'DEFAULT'");
    expect(called).toBe(false);
    await storage.close();
  });

  it('refuses a read-only storage with InvalidArgumentError', async () => {
    const file = await seeded();
    const storage = new SQLiteTokenStorage(file, { connectParams: { readonly: true } });
    expect(await caught(() => storage.rewriteAllEntries(async (entries) => entries))).toMatchObject({ code: ErrorCodes.INVALID_ARGUMENT });
    await storage.close();
  });
});
