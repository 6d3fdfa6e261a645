import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import Database from 'better-sqlite3';
import { ErrorCodes, InvalidArgumentError, TokenStorageData } from '@globus-tokenstorage/core';
import { runTokenStorageConformance, sampleTokenData } from '@globus-tokenstorage/core/conformance';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { caught, TempDirs } from './support';
import { thrownBy } from '@globus-tokenstorage/test-support/thrown';

const dirs = new TempDirs();
const conformanceRoot = dirs.make('gts-sqlite-conformance-');
let caseNumber = 0;
const caseDirs: string[] = [];

runTokenStorageConformance<SQLiteTokenStorage>(
  { describe, it, expect },
  {
    create: ({ namespace }) => {
      const dir = join(conformanceRoot, `case-${(caseNumber += 1)}`);
      caseDirs.push(dir);
      return new SQLiteTokenStorage(join(dir, 'tokens.db'), { namespace });
    },
    reopen: (storage, { namespace }) => new SQLiteTokenStorage(storage.filepath, { namespace }),
    cleanup: () => {
      for (const dir of caseDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
    capabilities: { listNamespaces: true, closeRejectsCalls: true, runExclusive: true },
    inspect,
  },
);

afterAll(() => dirs.removeAll());

const opened: SQLiteTokenStorage[] = [];
const rawOpened: Database.Database[] = [];
afterEach(async () => {
  for (const storage of opened.splice(0)) await storage.close();
  for (const db of rawOpened.splice(0)) if (db.open) db.close();
});

function storageAt(filepath: string, options: ConstructorParameters<typeof SQLiteTokenStorage>[1] = {}): SQLiteTokenStorage {
  const storage = new SQLiteTokenStorage(filepath, options);
  opened.push(storage);
  return storage;
}

function rawAt(filepath: string, options: Database.Options = {}): Database.Database {
  const db = new Database(filepath, options);
  rawOpened.push(db);
  return db;
}

describe('SQLiteTokenStorage arguments', () => {
  it("refuses ':memory:' with Python's advice to use MemoryTokenStorage", () => {
    const error = thrownBy(() => new SQLiteTokenStorage(':memory:'));
    expect(error).toBeInstanceOf(InvalidArgumentError);
    expect((error as Error).message).toContain('use MemoryTokenStorage instead');
  });

  it.each([[''], [5], [null], [undefined], ['tokens.db '], ['bad\0name.db']])('refuses the filepath %p', (filepath) => {
    expect(thrownBy(() => new SQLiteTokenStorage(filepath as string))).toBeInstanceOf(InvalidArgumentError);
  });

  it.each<[string, Record<string, unknown>]>([
    ['an empty namespace', { namespace: '' }],
    ['a negative lockTimeoutMs', { lockTimeoutMs: -1 }],
    ['a fractional lockTimeoutMs', { lockTimeoutMs: 1.5 }],
    ['a string lockTimeoutMs', { lockTimeoutMs: '100' }],
    ['connectParams that are not an object', { connectParams: 'readonly' }],
    ['connectParams that are an array', { connectParams: [] }],
    ['a non-boolean readonly', { connectParams: { readonly: 'yes' } }],
    ['a non-boolean fileMustExist', { connectParams: { fileMustExist: 1 } }],
    ['the misspelled readOnly', { connectParams: { readOnly: true } }],
    ['a negative timeout', { connectParams: { timeout: -5 } }],
    ['a verbose logger (it would log tokens)', { connectParams: { verbose: console.log } }],
    ['a non-string nativeBinding', { connectParams: { nativeBinding: 5 } }],
  ])('refuses %s', (_label, options) => {
    expect(thrownBy(() => new SQLiteTokenStorage('tokens.db', options as never))).toBeInstanceOf(InvalidArgumentError);
  });

  it('keeps the filepath as given and touches no file before the first call', async () => {
    const dir = dirs.make();
    const filepath = join(dir, 'new', 'sub', 'tokens.db');
    const storage = storageAt(filepath);
    expect(storage.filepath).toBe(filepath);
    expect(storage.namespace).toBe('DEFAULT');
    expect(existsSync(join(dir, 'new'))).toBe(false);
    expect(await storage.getTokenData('rs')).toBeNull();
    expect(existsSync(filepath)).toBe(true);
  });

  it('shows only the class and namespace in String, JSON and inspect', () => {
    const storage = storageAt(join(dirs.make(), 'tokens.db'), { namespace: 'userapp' });
    expect(String(storage)).toBe('SQLiteTokenStorage(namespace="userapp")');
    expect(inspect(storage)).toBe('SQLiteTokenStorage(namespace="userapp")');
    expect(JSON.stringify(storage)).toBe('{"storage":"SQLiteTokenStorage","namespace":"userapp"}');
  });
});

describe('SQLiteTokenStorage reading and writing', () => {
  it('switches a database it creates to WAL journal mode', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    await storageAt(filepath).storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    expect(rawAt(filepath).pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('stores several entries in one transaction: all or none', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    const storage = storageAt(filepath);
    await storage.getTokenData('rs');
    // A trigger that fails on the second row of one call proves the first row is rolled back with it.
    rawAt(filepath).exec(
      "CREATE TRIGGER refuse_b BEFORE INSERT ON token_storage WHEN NEW.resource_server = 'b' BEGIN SELECT RAISE(ABORT, 'refused'); END",
    );
    await expect(storage.storeTokenDataByResourceServer({ a: sampleTokenData('a'), b: sampleTokenData('b') })).rejects.toMatchObject({
      code: ErrorCodes.TOKEN_STORAGE_ERROR,
    });
    expect(await storage.getTokenDataByResourceServer()).toEqual({});
  });

  it('a read sees a row changed through another handle, even after reading the old row', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    const reader = storageAt(filepath);
    const writer = storageAt(filepath);
    await writer.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    const first = await reader.getTokenData('rs');
    expect(await reader.getTokenData('rs')).toEqual(first);
    const replacement = sampleTokenData('rs', { tokenType: null });
    await writer.storeTokenDataByResourceServer({ rs: replacement });
    expect((await reader.getTokenData('rs'))?.toDict()).toEqual(replacement.toDict());
    expect((await reader.getTokenDataByResourceServer()).rs?.toDict()).toEqual(replacement.toDict());
    rawAt(filepath).prepare('UPDATE token_storage SET token_data_json = ?').run('not json');
    await expect(reader.getTokenData('rs')).rejects.toMatchObject({ code: ErrorCodes.INVALID_TOKEN_DATA });
    expect(await writer.removeTokenData('rs')).toBe(true);
    expect(await reader.getTokenData('rs')).toBeNull();
  });

  it('lists and iterates namespaces in code unit order, across several pages', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    const storage = storageAt(filepath);
    await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    const raw = rawAt(filepath);
    const insert = raw.prepare('INSERT INTO token_storage VALUES (?, ?, ?)');
    const text = JSON.stringify(sampleTokenData('rs').toDict());
    raw.transaction(() => {
      for (let index = 0; index < 1234; index += 1) {
        insert.run(`ns-${String(index).padStart(4, '0')}`, 'a', text);
        insert.run(`ns-${String(index).padStart(4, '0')}`, 'b', text);
      }
      insert.run('\u00e9t\u00e9', 'a', text);
      insert.run('Zeta', 'a', text);
    })();
    const expected = [
      'DEFAULT',
      'Zeta',
      ...Array.from({ length: 1234 }, (_, index) => `ns-${String(index).padStart(4, '0')}`),
      '\u00e9t\u00e9',
    ];
    expect(await storage.listNamespaces()).toEqual(expected);
    const iterated: string[] = [];
    for await (const name of storage.iterNamespaces()) iterated.push(name);
    expect(iterated).toEqual(expected);
  });

  it('names with an unpaired UTF-16 surrogate are refused everywhere, so what is stored and what is listed always agree', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    for (const name of ['\ud800', 'a\udfffb', '\udc00\ud800']) {
      expect(() => storageAt(filepath, { namespace: name })).toThrow(
        new InvalidArgumentError(
          'the namespace holds an unpaired UTF-16 surrogate, which has no UTF-8 form: this storage cannot keep it apart from other names',
        ),
      );
    }
    const storage = storageAt(filepath);
    for (const call of [
      () => storage.storeTokenDataByResourceServer({ '\ud800': sampleTokenData('\ud800') }),
      () => storage.getTokenData('x\udbff'),
      () => storage.removeTokenData('\udfff'),
    ]) {
      expect(InvalidArgumentError.isInstance(await caught(call))).toBe(true);
    }
    // A well-formed pair (an emoji) is fine, and every stored name is listed as itself.
    const emoji = storageAt(filepath, { namespace: 'ns-\ud83d\ude00' });
    await emoji.storeTokenDataByResourceServer({ 'rs-\ud83d\ude00': sampleTokenData('rs-\ud83d\ude00') });
    expect(await storage.listNamespaces()).toEqual(['ns-\ud83d\ude00']);
    expect(Object.keys(await emoji.getTokenDataByResourceServer())).toEqual(['rs-\ud83d\ude00']);
  });

  it('iterNamespaces rejects with StorageClosedError after close', async () => {
    const storage = storageAt(join(dirs.make(), 'tokens.db'));
    await storage.close();
    const error = await caught(async () => {
      for await (const name of storage.iterNamespaces()) void name;
    });
    expect(error.code).toBe(ErrorCodes.STORAGE_CLOSED);
    await expect(storage.listNamespaces()).rejects.toMatchObject({ code: ErrorCodes.STORAGE_CLOSED });
  });

  it('a call started before close() rejects with StorageClosedError and leaves no connection open', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    const storage = storageAt(filepath);
    const pending = storage.getTokenData('rs');
    await storage.close();
    await expect(pending).rejects.toMatchObject({ code: ErrorCodes.STORAGE_CLOSED });
    // With our connection closed, a fresh one is alone and can take an exclusive lock at once.
    const raw = rawAt(filepath, { timeout: 0 });
    expect(() => raw.exec('BEGIN EXCLUSIVE; ROLLBACK')).not.toThrow();
  });

  it('a row with corrupt JSON rejects with InvalidTokenDataError naming it, and other rows stay readable', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    const storage = storageAt(filepath, { namespace: 'userapp' });
    const good = sampleTokenData('good');
    await storage.storeTokenDataByResourceServer({ good });
    const secret = 'AT-SECRET-IN-CORRUPT-ROW';
    rawAt(filepath)
      .prepare('INSERT INTO token_storage VALUES (?, ?, ?)')
      .run('userapp', 'broken.example.org', `{"resource_server": "broken.example.org", "access_token": "${secret}", `);
    const error = await caught(() => storage.getTokenData('broken.example.org'));
    expect(error.code).toBe(ErrorCodes.INVALID_TOKEN_DATA);
    expect(error.message).toContain("'broken.example.org'");
    expect(error.message).toContain("'userapp'");
    expect(inspect(error)).not.toContain(secret);
    expect(error.cause).toBeUndefined();
    expect((await storage.getTokenData('good'))?.accessToken).toBe(good.accessToken);
    await expect(storage.getTokenDataByResourceServer()).rejects.toMatchObject({ code: ErrorCodes.INVALID_TOKEN_DATA });
  });

  it("a row that is JSON but not token data rejects with Python's field message", async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    const storage = storageAt(filepath);
    await storage.getTokenData('rs');
    rawAt(filepath)
      .prepare('INSERT INTO token_storage VALUES (?, ?, ?)')
      .run('DEFAULT', 'rs', '{"resource_server": "rs", "scope": 5, "access_token": "AT", "expires_at_seconds": 1}');
    const error = await caught(() => storage.getTokenData('rs'));
    expect(error.code).toBe(ErrorCodes.INVALID_TOKEN_DATA);
    expect(error.message).toContain("'scope' must be a string");
  });

  it('a damaged database page rejects with TokenFileFormatError naming the file', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    const storage = new SQLiteTokenStorage(filepath);
    await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    await storage.close();
    const raw = new Database(filepath);
    const pages = raw.prepare("SELECT rootpage FROM sqlite_master WHERE tbl_name = 'token_storage'").pluck().all() as number[];
    const pageSize = raw.pragma('page_size', { simple: true }) as number;
    raw.close();
    const bytes = readFileSync(filepath);
    for (const page of pages) bytes.fill(0xff, (page - 1) * pageSize, (page - 1) * pageSize + 16);
    writeFileSync(filepath, bytes);
    const error = await caught(() => storageAt(filepath).getTokenData('rs'));
    expect(error.code).toBe(ErrorCodes.TOKEN_FILE_FORMAT);
    expect(error.message).toContain(filepath);
    expect((error as unknown as { filePath: string }).filePath).toBe(filepath);
  });
});

describe('SQLiteTokenStorage connectParams', () => {
  async function existingDatabase(): Promise<string> {
    const filepath = join(dirs.make(), 'tokens.db');
    const writer = new SQLiteTokenStorage(filepath);
    await writer.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    await writer.close();
    return filepath;
  }

  it('readonly inspection of a WAL database leaves no -wal or -shm file behind, and no byte changed', async () => {
    const filepath = await existingDatabase();
    const directory = join(filepath, '..');
    expect(readdirSync(directory)).toEqual(['tokens.db']);
    const before = readFileSync(filepath);
    const storage = new SQLiteTokenStorage(filepath, { connectParams: { readonly: true } });
    expect(await storage.listNamespaces()).toEqual(['DEFAULT']);
    expect(readdirSync(directory).sort()).toEqual(['tokens.db', 'tokens.db-shm', 'tokens.db-wal']);
    await storage.close();
    expect(readdirSync(directory)).toEqual(['tokens.db']);
    expect(readFileSync(filepath).equals(before)).toBe(true);

    // While another connection uses them, they stay (SQLite removes them with its last connection).
    const other = rawAt(filepath);
    other.prepare('SELECT count(*) FROM token_storage').get();
    const second = new SQLiteTokenStorage(filepath, { connectParams: { readonly: true } });
    await second.getTokenData('rs');
    await second.close();
    expect(readdirSync(directory).sort()).toEqual(['tokens.db', 'tokens.db-shm', 'tokens.db-wal']);
    other.close();
    expect(readdirSync(directory)).toEqual(['tokens.db']);
  });

  it('readonly reads an existing database and refuses writes with a typed error', async () => {
    const filepath = await existingDatabase();
    const before = readFileSync(filepath);
    const storage = storageAt(filepath, { connectParams: { readonly: true } });
    expect((await storage.getTokenData('rs'))?.resourceServer).toBe('rs');
    expect(await storage.listNamespaces()).toEqual(['DEFAULT']);
    const error = await caught(() => storage.storeTokenDataByResourceServer({ other: sampleTokenData('other') }));
    expect(error.code).toBe(ErrorCodes.TOKEN_FILE_ACCESS);
    expect(error.message).toContain('read-only');
    await expect(storage.removeTokenData('rs')).rejects.toMatchObject({ code: ErrorCodes.TOKEN_FILE_ACCESS });
    await storage.close();
    expect(readFileSync(filepath).equals(before)).toBe(true);
  });

  it.each([[{ readonly: true }], [{ fileMustExist: true }]])('%p on a missing file rejects and creates nothing', async (connectParams) => {
    const dir = dirs.make();
    const filepath = join(dir, 'sub', 'tokens.db');
    const error = await caught(() => storageAt(filepath, { connectParams }).getTokenData('rs'));
    expect(error.code).toBe(ErrorCodes.TOKEN_STORAGE_ERROR);
    expect(error.message).toContain(filepath);
    expect(existsSync(join(dir, 'sub'))).toBe(false);
  });

  it('fileMustExist opens an existing database for writing', async () => {
    const filepath = await existingDatabase();
    const storage = storageAt(filepath, { connectParams: { fileMustExist: true } });
    await storage.storeTokenDataByResourceServer({ other: sampleTokenData('other') });
    expect(Object.keys(await storage.getTokenDataByResourceServer()).sort()).toEqual(['other', 'rs']);
  });
});

describe('SQLiteTokenStorage locking', () => {
  async function lockedDatabase(): Promise<{ filepath: string; holder: Database.Database }> {
    const filepath = join(dirs.make(), 'tokens.db');
    const writer = new SQLiteTokenStorage(filepath);
    await writer.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    await writer.close();
    const holder = rawAt(filepath);
    holder.exec('BEGIN IMMEDIATE');
    holder.prepare('DELETE FROM token_storage').run();
    return { filepath, holder };
  }

  it('a store rejects with StorageLockTimeoutError while another connection holds the write lock', async () => {
    const { filepath } = await lockedDatabase();
    const storage = storageAt(filepath, { lockTimeoutMs: 50 });
    const error = await caught(() => storage.storeTokenDataByResourceServer({ other: sampleTokenData('other') }));
    expect(error.code).toBe(ErrorCodes.STORAGE_LOCK_TIMEOUT);
    expect(error).toMatchObject({ resource: filepath, timeoutMs: 50 });
    expect(String((error.cause as { code?: string }).code)).toMatch(/^SQLITE_BUSY/);
    await expect(storage.removeTokenData('rs')).rejects.toMatchObject({ code: ErrorCodes.STORAGE_LOCK_TIMEOUT });
  });

  it('reads go on while another connection holds the write lock (WAL), seeing the last commit', async () => {
    const { filepath } = await lockedDatabase();
    const storage = storageAt(filepath, { lockTimeoutMs: 50 });
    expect((await storage.getTokenData('rs'))?.resourceServer).toBe('rs');
    expect(await storage.listNamespaces()).toEqual(['DEFAULT']);
  });

  it('a store waits without blocking the event loop and succeeds once the lock is released', async () => {
    const { filepath, holder } = await lockedDatabase();
    const storage = storageAt(filepath, { lockTimeoutMs: 20000 });
    setTimeout(() => holder.exec('COMMIT'), 100);
    await storage.storeTokenDataByResourceServer({ other: sampleTokenData('other') });
    expect(Object.keys(await storage.getTokenDataByResourceServer())).toEqual(['other']);
  });

  it('connectParams.timeout takes precedence over lockTimeoutMs', async () => {
    const { filepath } = await lockedDatabase();
    const storage = storageAt(filepath, { lockTimeoutMs: 600000, connectParams: { timeout: 30 } });
    const error = await caught(() => storage.storeTokenDataByResourceServer({ other: sampleTokenData('other') }));
    expect(error).toMatchObject({ code: ErrorCodes.STORAGE_LOCK_TIMEOUT, timeoutMs: 30 });
  });

  it('close() stops a call that is waiting for a lock', async () => {
    const { filepath } = await lockedDatabase();
    const storage = storageAt(filepath, { lockTimeoutMs: 600000 });
    const pending = storage.storeTokenDataByResourceServer({ other: sampleTokenData('other') });
    await new Promise((resolve) => setTimeout(resolve, 20));
    await storage.close();
    await expect(pending).rejects.toMatchObject({ code: ErrorCodes.STORAGE_CLOSED });
  });

  it('two storages on one file in one process see each other at once', async () => {
    const filepath = join(dirs.make(), 'shared', 'tokens.db');
    mkdirSync(join(filepath, '..'));
    const first = storageAt(filepath);
    const second = storageAt(filepath);
    const [a, b] = [sampleTokenData('a'), sampleTokenData('b')];
    await Promise.all([first.storeTokenDataByResourceServer({ a }), second.storeTokenDataByResourceServer({ b })]);
    expect(Object.keys(await first.getTokenDataByResourceServer()).sort()).toEqual(['a', 'b']);
    expect(TokenStorageData.isInstance(await second.getTokenData('a'))).toBe(true);
  });
});
