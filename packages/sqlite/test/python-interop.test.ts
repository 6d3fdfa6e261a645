import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { TokenStorageData } from '@globus-tokenstorage/core';
import { toPythonJSON } from '@globus-tokenstorage/core/backend';
import { sampleTokenData } from '@globus-tokenstorage/core/conformance';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { PYTHON_FIXTURES, TempDirs } from './support';

type Entries = Record<string, Record<string, Record<string, unknown>>>;
const expected = JSON.parse(readFileSync(join(PYTHON_FIXTURES, 'expected.json'), 'utf8')) as Record<
  string,
  { namespaces: Entries; iter_namespaces?: string[] }
>;
const packageVersion = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

const opened: SQLiteTokenStorage[] = [];
afterEach(async () => {
  for (const storage of opened.splice(0)) await storage.close();
});

function storageAt(filepath: string, namespace = 'DEFAULT'): SQLiteTokenStorage {
  const storage = new SQLiteTokenStorage(filepath, { namespace });
  opened.push(storage);
  return storage;
}

/** A writable copy of a Python fixture in a fresh temporary directory. */
function fixtureCopy(name: string): string {
  const target = join(dirs.make(), name);
  copyFileSync(join(PYTHON_FIXTURES, name), target);
  // The shared fixtures are read-only; copies keep that mode, which would make SQLite open them read-only.
  chmodSync(target, 0o600);
  return target;
}

/** Reads a database's rows and internal rows with a plain connection, as any SQLite client would. */
function rawContent(filepath: string) {
  const db = new Database(filepath, { readonly: true });
  try {
    return {
      tables: db.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{
        name: string;
        sql: string;
      }>,
      internal: Object.fromEntries(
        db.prepare('SELECT attribute, value FROM sdk_storage_adapter_internal').raw().all() as Array<[string, string]>,
      ),
      rows: db
        .prepare('SELECT namespace, resource_server, token_data_json FROM token_storage ORDER BY namespace, resource_server')
        .raw()
        .all() as Array<[string, string, string]>,
    };
  } finally {
    db.close();
  }
}

describe('files written by the Python SDK', () => {
  it('tokens.db (schema 2) returns what Python returns, namespaces in its order', async () => {
    const filepath = fixtureCopy('tokens.db');
    const want = expected['tokens.db'] as { namespaces: Entries; iter_namespaces: string[] };
    for (const [namespace, entries] of Object.entries(want.namespaces)) {
      const storage = storageAt(filepath, namespace);
      const all = await storage.getTokenDataByResourceServer();
      expect(Object.keys(all).sort()).toEqual(Object.keys(entries).sort());
      for (const [resourceServer, dict] of Object.entries(entries)) {
        expect(JSON.stringify(all[resourceServer]?.toDict())).toBe(JSON.stringify(dict));
        expect(JSON.stringify((await storage.getTokenData(resourceServer))?.toDict())).toBe(JSON.stringify(dict));
      }
    }
    const storage = storageAt(filepath);
    const iterated: string[] = [];
    for await (const name of storage.iterNamespaces()) iterated.push(name);
    expect(iterated).toEqual(want.iter_namespaces);
    expect(await storage.listNamespaces()).toEqual(want.iter_namespaces);
  });

  it("v1_sqlite.db (schema 1, legacy dicts with nulls) returns the legacy adapter's entries", async () => {
    const filepath = fixtureCopy('v1_sqlite.db');
    const want = expected['v1_sqlite.db'] as { namespaces: Entries };
    for (const [namespace, entries] of Object.entries(want.namespaces)) {
      const all = await storageAt(filepath, namespace).getTokenDataByResourceServer();
      expect(Object.keys(all).sort()).toEqual(Object.keys(entries).sort());
      for (const [resourceServer, dict] of Object.entries(entries)) {
        const read = all[resourceServer] as TokenStorageData;
        expect(read.toDict()).toEqual(TokenStorageData.fromDict(dict).toDict());
        expect(read.identityId).toBeNull();
        expect(read.refreshToken).toBe(dict.refresh_token);
      }
    }
    expect(new Set(await storageAt(filepath).listNamespaces())).toEqual(new Set(Object.keys(want.namespaces)));
  });

  it.each([['tokens.db'], ['v1_sqlite.db']])('reading %s changes nothing in it (no schema, journal mode or row change)', async (name) => {
    const filepath = fixtureCopy(name);
    const before = { bytes: readFileSync(filepath), mtimeMs: statSync(filepath).mtimeMs };
    const storage = storageAt(filepath, 'userapp');
    await storage.getTokenDataByResourceServer();
    await storage.getTokenData('auth.globus.org');
    await storage.listNamespaces();
    await storage.close();
    expect(readFileSync(filepath).equals(before.bytes)).toBe(true);
    expect(statSync(filepath).mtimeMs).toBe(before.mtimeMs);
    expect(['-wal', '-shm', '-journal'].filter((suffix) => existsSync(filepath + suffix))).toEqual([]);
  });

  /** A copy of tokens.db whose last writer died mid-transaction, leaving a hot journal. */
  function tokensDbWithHotJournal(): string {
    const filepath = fixtureCopy('tokens.db');
    const child = spawnSync(process.execPath, [join(__dirname, 'fixtures', 'leave-hot-journal.mjs'), filepath], { encoding: 'utf8' });
    expect(child.signal).toBe('SIGKILL');
    expect(statSync(`${filepath}-journal`).size).toBeGreaterThan(0);
    return filepath;
  }

  it('a database left with an interrupted transaction (hot journal) is rolled back and read', async () => {
    const filepath = tokensDbWithHotJournal();
    const storage = storageAt(filepath, 'userapp');
    expect(Object.keys(await storage.getTokenDataByResourceServer()).sort()).toEqual(['auth.globus.org', 'transfer.api.globus.org']);
    expect(await storage.listNamespaces()).toEqual(['DEFAULT', 'userapp']);
    await storage.close();
    const check = new Database(filepath, { readonly: true });
    expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
    check.close();
  });

  it('read-only mode refuses a hot journal with a typed error and changes nothing', async () => {
    const filepath = tokensDbWithHotJournal();
    const before = [readFileSync(filepath), readFileSync(`${filepath}-journal`)];
    const storage = new SQLiteTokenStorage(filepath, { connectParams: { readonly: true } });
    opened.push(storage);
    await expect(storage.getTokenData('auth.globus.org')).rejects.toMatchObject({ code: 'TOKEN_STORAGE_ERROR' });
    await storage.close();
    expect([readFileSync(filepath).equals(before[0] as Buffer), readFileSync(`${filepath}-journal`).equals(before[1] as Buffer)]).toEqual([
      true,
      true,
    ]);
  });

  it('writing into a schema-1 database keeps its config table and internal rows', async () => {
    const filepath = fixtureCopy('v1_sqlite.db');
    const before = rawContent(filepath);
    const storage = storageAt(filepath, 'userapp');
    const data = sampleTokenData('auth.globus.org');
    await storage.storeTokenDataByResourceServer({ 'auth.globus.org': data });
    await storage.close();
    const after = rawContent(filepath);
    expect(after.tables).toEqual(before.tables);
    expect(after.internal).toEqual({ 'globus-sdk.version': '4.9.0', 'globus-sdk.database_schema_version': '1' });
    const config = new Database(filepath, { readonly: true });
    expect(config.prepare('SELECT config_name FROM config_storage').pluck().all()).toEqual(['app_config']);
    expect(config.pragma('journal_mode', { simple: true })).toBe('wal');
    config.close();
    expect(after.rows.find(([namespace, rs]) => namespace === 'userapp' && rs === 'auth.globus.org')?.[2]).toBe(
      toPythonJSON(data.toDict()),
    );
  });
});

describe('files we write, as the Python SDK sees them', () => {
  /** A new database holding the tokens.db entries, stored through our API. */
  async function ourCopyOfTokensDb(): Promise<string> {
    const filepath = join(dirs.make(), 'tokens.db');
    for (const [namespace, entries] of Object.entries((expected['tokens.db'] as { namespaces: Entries }).namespaces)) {
      const mapping = Object.fromEntries(Object.entries(entries).map(([rs, dict]) => [rs, TokenStorageData.fromDict(dict)]));
      await storageAt(filepath, namespace).storeTokenDataByResourceServer(mapping);
    }
    for (const storage of opened.splice(0)) await storage.close();
    return filepath;
  }

  it("creates both tables with the Python SDK's exact SQL, and its internal rows", async () => {
    const ours = rawContent(await ourCopyOfTokensDb());
    const python = rawContent(join(PYTHON_FIXTURES, 'tokens.db'));
    expect(ours.tables).toEqual(python.tables);
    expect(ours.internal).toEqual({
      'globus-sdk.version': `@globus-tokenstorage/sqlite ${packageVersion}`,
      'globus-sdk.database_schema_version': '2',
    });
  });

  it('writes every row byte for byte as the Python SDK did', async () => {
    const ours = rawContent(await ourCopyOfTokensDb());
    const python = rawContent(join(PYTHON_FIXTURES, 'tokens.db'));
    expect(ours.rows).toEqual(python.rows);
  });

  const python3 = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  const hasPython = python3.status === 0;
  const pythonIt = hasPython ? it : it.skip;
  const pythonLabel = hasPython ? '' : ' [skipped: python3 is not installed]';

  /** Runs a Python script with the database path as argv[1] (and `args` after it); returns its JSON output. */
  function runPython(script: string, filepath: string, ...args: string[]): unknown {
    const result = spawnSync('python3', ['-c', script, filepath, ...args], { encoding: 'utf8', timeout: 20000 });
    if (result.status !== 0) throw new Error(`python3 failed: ${result.stderr}`);
    return JSON.parse(result.stdout);
  }

  pythonIt(`python3 (sqlite3 + json) reads our file as the Python SDK's SQLiteTokenStorage does${pythonLabel}`, async () => {
    const filepath = join(dirs.make(), 'nested', 'tokens.db');
    const odd = sampleTokenData('odd.example.org', {
      scope: 'sc\u00f6pe \u2603 \ud83d\ude00 "q" \\ \n\t\u0001',
      identityId: null,
      tokenType: null,
    });
    const plain = sampleTokenData('transfer.api.globus.org', { refreshToken: null });
    await storageAt(filepath, 'n\u00e4me').storeTokenDataByResourceServer({ 'odd.example.org': odd });
    await storageAt(filepath, 'DEFAULT').storeTokenDataByResourceServer({ 'transfer.api.globus.org': plain });
    // The writers stay open (WAL, uncheckpointed) while Python reads, as with a running application.
    const seen = runPython(
      `
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
out = {"namespaces": [r[0] for r in conn.execute("SELECT DISTINCT namespace FROM token_storage")], "data": {}, "same_text": True}
for ns in out["namespaces"]:
    out["data"][ns] = {}
    for rs, text in conn.execute("SELECT resource_server, token_data_json FROM token_storage WHERE namespace=?", (ns,)):
        d = json.loads(text)
        out["data"][ns][rs] = d
        out["same_text"] = out["same_text"] and json.dumps(d) == text
out["internal"] = dict(conn.execute("SELECT attribute, value FROM sdk_storage_adapter_internal"))
print(json.dumps(out))
`,
      filepath,
    );
    expect(seen).toEqual({
      namespaces: ['DEFAULT', 'n\u00e4me'],
      data: { DEFAULT: { 'transfer.api.globus.org': plain.toDict() }, 'n\u00e4me': { 'odd.example.org': odd.toDict() } },
      same_text: true,
      internal: { 'globus-sdk.version': `@globus-tokenstorage/sqlite ${packageVersion}`, 'globus-sdk.database_schema_version': '2' },
    });
  });

  pythonIt(`we read what python3 writes into our open database, as the Python SDK writes it${pythonLabel}`, async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    const storage = storageAt(filepath, 'userapp');
    await storage.storeTokenDataByResourceServer({ mine: sampleTokenData('mine') });
    const dict = (expected['tokens.db'] as { namespaces: Entries }).namespaces.userapp?.['auth.globus.org'];
    runPython(
      `
import json, sqlite3, sys
conn = sqlite3.connect(sys.argv[1])
conn.executemany("REPLACE INTO token_storage(namespace, resource_server, token_data_json) VALUES(?, ?, ?)",
                 [("userapp", "auth.globus.org", json.dumps(json.loads(sys.argv[2])))])
conn.commit()
print("true")
`,
      filepath,
      JSON.stringify(dict),
    );
    expect((await storage.getTokenData('auth.globus.org'))?.toDict()).toEqual(dict);
    expect(Object.keys(await storage.getTokenDataByResourceServer()).sort()).toEqual(['auth.globus.org', 'mine']);
  });
});
