import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ErrorCodes } from '@globus-tokenstorage/core';
import { sampleTokenData } from '@globus-tokenstorage/core/conformance';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { caught, TempDirs } from './support';

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

const opened: SQLiteTokenStorage[] = [];
afterEach(async () => {
  for (const storage of opened.splice(0)) await storage.close();
});

function storageAt(filepath: string): SQLiteTokenStorage {
  const storage = new SQLiteTokenStorage(filepath);
  opened.push(storage);
  return storage;
}

const modeOf = (path: string) => (statSync(path).mode & 0o777).toString(8);

describe('file modes', () => {
  it('creates directories 0700 and the database and its -wal/-shm files 0600 under umask 0', async () => {
    const root = dirs.make();
    const filepath = join(root, 'a', 'b', 'tokens.db');
    const previous = process.umask(0);
    try {
      const storage = storageAt(filepath);
      await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
      const second = storageAt(filepath);
      await second.getTokenData('rs');
      expect([modeOf(join(root, 'a')), modeOf(join(root, 'a', 'b'))]).toEqual(['700', '700']);
      expect(readdirSync(join(root, 'a', 'b')).sort()).toEqual(['tokens.db', 'tokens.db-shm', 'tokens.db-wal']);
      for (const name of ['tokens.db', 'tokens.db-shm', 'tokens.db-wal'])
        expect([name, modeOf(join(root, 'a', 'b', name))]).toEqual([name, '600']);
    } finally {
      process.umask(previous);
    }
  });

  it('leaves the mode of an existing database as it is', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    await storageAt(filepath).getTokenData('rs');
    for (const storage of opened.splice(0)) await storage.close();
    chmodSync(filepath, 0o640);
    await storageAt(filepath).storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    expect(modeOf(filepath)).toBe('640');
  });
});

describe('files that are not token databases', () => {
  /** Opens `filepath` through the storage and checks it fails with `code`, leaving the file as it was. */
  async function expectRefusedAndUntouched(filepath: string, code: string, sideFiles: string[] = [], mayCreate: string[] = []) {
    const before = { bytes: readFileSync(filepath), mtimeMs: statSync(filepath).mtimeMs, mode: modeOf(filepath) };
    const sideBefore = sideFiles.map((suffix) => readFileSync(filepath + suffix));
    const storage = storageAt(filepath);
    const error = await caught(() => storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') }));
    expect(error.code).toBe(code);
    expect(error.message).toContain(filepath);
    expect((error as unknown as { filePath: string }).filePath).toBe(filepath);
    // A second call fails the same way (the check is not skipped after a failure).
    await expect(storage.getTokenData('rs')).rejects.toMatchObject({ code });
    await storage.close();
    expect(readFileSync(filepath).equals(before.bytes)).toBe(true);
    expect(statSync(filepath).mtimeMs).toBe(before.mtimeMs);
    expect(modeOf(filepath)).toBe(before.mode);
    expect(sideFiles.map((suffix) => readFileSync(filepath + suffix).equals(sideBefore[sideFiles.indexOf(suffix)] as Buffer))).toEqual(
      sideFiles.map(() => true),
    );
    const leftovers = ['-wal', '-shm', '-journal'].filter(
      (suffix) => !sideFiles.includes(suffix) && !mayCreate.includes(suffix) && existsSync(filepath + suffix),
    );
    expect(leftovers).toEqual([]);
    return error;
  }

  function foreignDatabase(filepath: string, sql: string): void {
    const db = new Database(filepath);
    db.exec(sql);
    db.close();
  }

  it('refuses a foreign SQLite database with other tables', async () => {
    const filepath = join(dirs.make(), 'app.db');
    foreignDatabase(filepath, "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada');");
    const error = await expectRefusedAndUntouched(filepath, ErrorCodes.TOKEN_FILE_FORMAT);
    expect(error.message).toContain('no token_storage table');
  });

  it('refuses a non-SQLite file', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    writeFileSync(filepath, '{"data": {}, "format_version": "2.0", "globus-sdk.version": "4.9.0"}');
    await expectRefusedAndUntouched(filepath, ErrorCodes.TOKEN_FILE_FORMAT);
  });

  it('refuses a large non-SQLite file', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    writeFileSync(filepath, Buffer.alloc(64 * 1024, 'x'));
    await expectRefusedAndUntouched(filepath, ErrorCodes.TOKEN_FILE_FORMAT);
  });

  it('refuses a token_storage table of the wrong shape', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    foreignDatabase(
      filepath,
      `CREATE TABLE token_storage (namespace VARCHAR NOT NULL, resource_server VARCHAR NOT NULL, data VARCHAR NOT NULL, PRIMARY KEY (namespace, resource_server));
       CREATE TABLE sdk_storage_adapter_internal (attribute VARCHAR NOT NULL, value VARCHAR NOT NULL, PRIMARY KEY (attribute));`,
    );
    const error = await expectRefusedAndUntouched(filepath, ErrorCodes.TOKEN_FILE_FORMAT);
    expect(error.message).toContain('token_storage table does not have the columns');
  });

  it('refuses a token_storage table keyed differently', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    foreignDatabase(
      filepath,
      `CREATE TABLE token_storage (namespace VARCHAR NOT NULL, resource_server VARCHAR NOT NULL, token_data_json VARCHAR NOT NULL, PRIMARY KEY (resource_server));
       CREATE TABLE sdk_storage_adapter_internal (attribute VARCHAR NOT NULL, value VARCHAR NOT NULL, PRIMARY KEY (attribute));`,
    );
    await expectRefusedAndUntouched(filepath, ErrorCodes.TOKEN_FILE_FORMAT);
  });

  it('refuses a token_storage table without the internal table', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    foreignDatabase(
      filepath,
      'CREATE TABLE token_storage (namespace VARCHAR NOT NULL, resource_server VARCHAR NOT NULL, token_data_json VARCHAR NOT NULL, PRIMARY KEY (namespace, resource_server));',
    );
    const error = await expectRefusedAndUntouched(filepath, ErrorCodes.TOKEN_FILE_FORMAT);
    expect(error.message).toContain('no sdk_storage_adapter_internal table');
  });

  it('refuses a token database of an unknown schema version with UnsupportedFormatVersionError', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    await storageAt(filepath).getTokenData('rs');
    for (const storage of opened.splice(0)) await storage.close();
    foreignDatabase(
      filepath,
      "PRAGMA journal_mode = DELETE; UPDATE sdk_storage_adapter_internal SET value = '3' WHERE attribute = 'globus-sdk.database_schema_version';",
    );
    const error = await expectRefusedAndUntouched(filepath, ErrorCodes.UNSUPPORTED_FORMAT_VERSION);
    expect((error as unknown as { formatVersion: unknown }).formatVersion).toBe('3');
  });

  it('leaves a foreign WAL database and its uncheckpointed -wal file untouched (readers only add the -shm index)', async () => {
    const source = join(dirs.make(), 'app.db');
    const db = new Database(source);
    db.pragma('journal_mode = WAL');
    db.exec("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('kept in the WAL only')");
    // Copy the files while the writer is open: a database whose last commits live only in its -wal,
    // as after a crash. Opening it read-write and closing it would checkpoint them into the file.
    const filepath = join(dirs.make(), 'app.db');
    copyFileSync(source, filepath);
    copyFileSync(`${source}-wal`, `${filepath}-wal`);
    db.close();
    expect(statSync(`${filepath}-wal`).size).toBeGreaterThan(0);
    await expectRefusedAndUntouched(filepath, ErrorCodes.TOKEN_FILE_FORMAT, ['-wal'], ['-shm']);
    const check = new Database(filepath, { readonly: true });
    expect(check.prepare('SELECT body FROM notes').pluck().all()).toEqual(['kept in the WAL only']);
    check.close();
  });

  it('refuses a directory in place of the file with a typed error', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    mkdirSync(filepath);
    const error = await caught(() => storageAt(filepath).getTokenData('rs'));
    expect(error.code).toBe(ErrorCodes.TOKEN_FILE_ACCESS);
    expect(error.message).toBe(`cannot use the token file '${filepath}': it is a directory (EISDIR)`);
  });
});

describe('empty files', () => {
  it('initialises an existing 0-byte file', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    writeFileSync(filepath, '');
    const storage = storageAt(filepath);
    await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    expect((await storage.getTokenData('rs'))?.resourceServer).toBe('rs');
    expect(readFileSync(filepath).subarray(0, 16).toString('latin1')).toBe('SQLite format 3\0');
  });

  it('initialises a SQLite database that has no schema objects at all', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    const db = new Database(filepath);
    db.pragma('user_version = 7');
    db.close();
    await storageAt(filepath).storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    const check = new Database(filepath, { readonly: true });
    expect(check.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all()).toEqual([
      'sdk_storage_adapter_internal',
      'token_storage',
    ]);
    check.close();
  });
});
