import { readdirSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { StorageClosedError } from '@globus-tokenstorage/core';
import { sampleTokenData } from '@globus-tokenstorage/core/conformance';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { TempDirs } from './support';

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());

/** How many descriptors this process has open on `file` itself (not its -wal or -shm files). */
function openDescriptors(file: string): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`) === file) count += 1;
    } catch {
      // Closed meanwhile (the descriptor of readdir itself).
    }
  }
  return count;
}

const onLinux = process.platform === 'linux' ? describe : describe.skip;

onLinux('storages on one database file in one process share one connection', () => {
  it('1000 storages keep one connection, each closed storage is refused, and the last close closes it', async () => {
    const file = join(dirs.make(), 'tokens.db');
    const storages = Array.from({ length: 1000 }, (_, index) => new SQLiteTokenStorage(file, { namespace: `user-${index}` }));
    await Promise.all(
      storages.map((storage, index) => storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs', { expiresAtSeconds: index }) })),
    );
    expect(openDescriptors(file)).toBe(1);
    for (const storage of storages.slice(0, 999)) await storage.close();
    await expect(storages[0]?.getTokenData('rs')).rejects.toBeInstanceOf(StorageClosedError);
    const last = storages[999] as SQLiteTokenStorage;
    expect((await last.getTokenData('rs'))?.expiresAtSeconds).toBe(999);
    expect(openDescriptors(file)).toBe(1);
    await last.close();
    expect(openDescriptors(file)).toBe(0);

    // A new storage opens a new connection, and sees every row.
    const again = new SQLiteTokenStorage(file, { namespace: 'user-500' });
    expect((await again.getTokenData('rs'))?.expiresAtSeconds).toBe(500);
    expect(await again.listNamespaces()).toHaveLength(1000);
    await again.close();
    expect(openDescriptors(file)).toBe(0);
  }, 120_000);

  it('read-only storages share their own connection, and the last one leaves no -wal or -shm file', async () => {
    const dir = dirs.make();
    const file = join(dir, 'tokens.db');
    const writer = new SQLiteTokenStorage(file);
    await writer.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    await writer.close();
    const readers = Array.from({ length: 20 }, () => new SQLiteTokenStorage(file, { connectParams: { readonly: true } }));
    await Promise.all(readers.map((reader) => reader.getTokenData('rs')));
    expect(openDescriptors(file)).toBe(1);
    for (const reader of readers) await reader.close();
    expect(readdirSync(dir)).toEqual(['tokens.db']);
  });

  it('runExclusive still runs one holder at a time across storages sharing the connection', async () => {
    const file = join(dirs.make(), 'tokens.db');
    const storages = Array.from({ length: 5 }, () => new SQLiteTokenStorage(file));
    let inside = 0;
    let most = 0;
    await Promise.all(
      storages.map((storage) =>
        storage.runExclusive('DEFAULT/rs', async () => {
          inside += 1;
          most = Math.max(most, inside);
          await new Promise((settle) => setTimeout(settle, 20));
          await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
          inside -= 1;
        }),
      ),
    );
    expect(most).toBe(1);
    // A storage closed while its section is held still gives the section back to the others
    // (its close() settles once the section it accepted has ended).
    let release: () => void = () => undefined;
    const held = storages[0]?.runExclusive('key', () => new Promise<void>((settle) => (release = settle)));
    await new Promise((settle) => setTimeout(settle, 20));
    const closing = storages[0]?.close();
    release();
    await Promise.all([held, closing]);
    await expect(storages[1]?.runExclusive('key', async () => 'next')).resolves.toBe('next');
    for (const storage of storages) await storage.close();
  });

  it('iterAllEntries walks every namespace in pages, an invalid row with its error', async () => {
    const file = join(dirs.make(), 'tokens.db');
    const count = 2500;
    const first = new SQLiteTokenStorage(file);
    await first.getTokenData('none');
    const raw = new Database(file);
    const insert = raw.prepare('INSERT INTO token_storage VALUES (?, ?, ?)');
    const text = JSON.stringify(sampleTokenData('rs').toDict());
    raw.transaction(() => {
      for (let index = 0; index < count; index += 1) insert.run(`ns-${String(index).padStart(5, '0')}`, 'rs', text);
      insert.run('ns-00007', 'bad', '{"scope": 7}');
    })();
    raw.close();
    const walked: string[] = [];
    const invalid: string[] = [];
    for await (const entry of first.iterAllEntries()) {
      if (entry.data === null) invalid.push(`${entry.namespace}/${entry.resourceServer} ${entry.error.code}`);
      else walked.push(`${entry.namespace}/${entry.resourceServer}`);
    }
    expect(walked).toHaveLength(count);
    expect(walked[0]).toBe('ns-00000/rs');
    expect(walked[count - 1]).toBe(`ns-0${count - 1}/rs`);
    expect(invalid).toEqual(['ns-00007/bad INVALID_TOKEN_DATA']);
    await first.close();
  });
});
