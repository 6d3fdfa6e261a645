import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, TokenStorageData } from '@globus-tokenstorage/core';
import { migrateToJSONTokenStorage, SimpleJSONFileAdapter } from '@globus-tokenstorage/legacy-file-adapter';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';

const FIXTURES = resolve(__dirname, '../../../fixtures/python');
const TRANSFER = 'transfer.api.globus.org';

describe('migrateToJSONTokenStorage', () => {
  let dir: string;
  let adapter: SimpleJSONFileAdapter;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gts-legacy-migrate-'));
    copyFileSync(join(FIXTURES, 'legacy_simple.json'), join(dir, 'legacy.json'));
    adapter = new SimpleJSONFileAdapter(join(dir, 'legacy.json'), { resourceServer: TRANSFER });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it.each([
    ['no adapter', () => migrateToJSONTokenStorage(null as never, new MemoryTokenStorage())],
    ['no storage', () => migrateToJSONTokenStorage(adapter, null as never)],
    ['a storage that is not one', () => migrateToJSONTokenStorage(adapter, {} as never)],
  ])('refuses %s with InvalidArgumentError, leaving the legacy file', async (_kind, call) => {
    await expect(call()).rejects.toThrow(InvalidArgumentError);
    expect(existsSync(join(dir, 'legacy.json'))).toBe(true);
  });

  it("moves the legacy token into the storage's namespace and keeps the legacy file by default", async () => {
    const storage = new MemoryTokenStorage({ namespace: 'migrated' });
    expect(await migrateToJSONTokenStorage(adapter, storage)).toEqual({
      resourceServer: TRANSFER,
      outcome: 'migrated',
      removedLegacyFile: false,
    });
    const stored = await storage.getTokenData(TRANSFER);
    expect(stored?.toDict()).toEqual({
      resource_server: TRANSFER,
      scope: 'urn:globus:auth:scope:transfer.api.globus.org:all',
      access_token: 'AT-transfer-DEFAULT-0001',
      refresh_token: 'RT-transfer-DEFAULT-0001',
      expires_at_seconds: 2000086400,
      token_type: 'Bearer',
    });
    expect(existsSync(adapter.filename)).toBe(true);
  });

  it('deletes the legacy file only when asked, after the token is stored', async () => {
    const storage = new MemoryTokenStorage();
    expect((await migrateToJSONTokenStorage(adapter, storage, { removeLegacyFile: true })).removedLegacyFile).toBe(true);
    expect(existsSync(adapter.filename)).toBe(false);
    expect((await storage.getTokenData(TRANSFER))?.accessToken).toBe('AT-transfer-DEFAULT-0001');
    expect(await migrateToJSONTokenStorage(adapter, storage)).toEqual({
      resourceServer: TRANSFER,
      outcome: 'no-file',
      removedLegacyFile: false,
    });
  });

  it('keeps a newer token already in the storage unless told to overwrite, and keeps its identity', async () => {
    const storage = new MemoryTokenStorage();
    const newer = new TokenStorageData({
      resourceServer: TRANSFER,
      identityId: 'id-1',
      scope: 's',
      accessToken: 'AT-newer',
      refreshToken: 'RT-newer',
      expiresAtSeconds: 2100000000,
    });
    await storage.storeTokenDataByResourceServer({ [TRANSFER]: newer });
    expect((await migrateToJSONTokenStorage(adapter, storage)).outcome).toBe('kept-existing');
    expect((await storage.getTokenData(TRANSFER))?.accessToken).toBe('AT-newer');
    expect((await migrateToJSONTokenStorage(adapter, storage, { overwrite: true })).outcome).toBe('migrated');
    const replaced = await storage.getTokenData(TRANSFER);
    expect([replaced?.accessToken, replaced?.identityId]).toEqual(['AT-transfer-DEFAULT-0001', 'id-1']);
  });
});
