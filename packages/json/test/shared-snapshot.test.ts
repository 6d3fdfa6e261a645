import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { StorageClosedError } from '@globus-tokenstorage/core';
import { toPythonJSON } from '@globus-tokenstorage/core/backend';
import { sampleTokenData } from '@globus-tokenstorage/core/conformance';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { temporaryDirectory } from './support';

const RESOURCE_SERVERS = ['auth.globus.org', 'transfer.api.globus.org', 'groups.api.globus.org'];

/** Writes a format 2.0 file of `namespaces` namespaces (ns-0, ns-1, …) × 3 resource servers. */
function writeFile(path: string, namespaces: number): void {
  const entries = RESOURCE_SERVERS.map((rs) => `${toPythonJSON(rs)}: ${toPythonJSON(sampleTokenData(rs).toDict())}`).join(', ');
  const members = Array.from({ length: namespaces }, (_, index) => `"ns-${index}": {${entries}}`);
  writeFileSync(path, `{"data": {${members.join(', ')}}, "format_version": "2.0", "globus-sdk.version": "test"}`, { mode: 0o600 });
}

let tmp: ReturnType<typeof temporaryDirectory>;
beforeEach(() => {
  tmp = temporaryDirectory('gts-json-shared-');
});
afterEach(() => tmp.remove());

describe('storages on one file in one process share one snapshot', () => {
  it('1000 storages reading at once parse the file once: they return the very same token data', async () => {
    const file = join(tmp.dir, 'tokens.json');
    writeFile(file, 100);
    const storages = Array.from({ length: 1000 }, () => new JSONTokenStorage(file, { namespace: 'ns-7' }));
    const read = await Promise.all(storages.map((storage) => storage.getTokenData('transfer.api.globus.org')));
    expect(read[0]?.resourceServer).toBe('transfer.api.globus.org');
    // Token data is built once per parsed entry: a second parse would build other objects.
    expect(new Set(read).size).toBe(1);
    const later = new JSONTokenStorage(file, { namespace: 'ns-7' });
    expect(await later.getTokenData('transfer.api.globus.org')).toBe(read[0]);
    await Promise.all([...storages, later].map((storage) => storage.close()));
  });

  it('a storage sees what another wrote without parsing the file again, and a change by another process once', async () => {
    const file = join(tmp.dir, 'tokens.json');
    writeFile(file, 3);
    const writer = new JSONTokenStorage(file, { namespace: 'ns-1' });
    const readers = Array.from({ length: 50 }, () => new JSONTokenStorage(file, { namespace: 'ns-1' }));
    await Promise.all(readers.map((storage) => storage.getTokenDataByResourceServer()));
    const stored = sampleTokenData('transfer.api.globus.org', { accessToken: 'AT-new-0001' });
    await writer.storeTokenDataByResourceServer({ 'transfer.api.globus.org': stored });
    for (const reader of readers) expect(await reader.getTokenData('transfer.api.globus.org')).toBe(stored);

    // Another process's write (here: a new file renamed into place) is parsed once for all.
    writeFile(`${file}.new`, 4);
    const { renameSync } = await import('node:fs');
    renameSync(`${file}.new`, file);
    const after = await Promise.all(readers.map((reader) => reader.getTokenData('auth.globus.org')));
    expect(new Set(after).size).toBe(1);
    expect(await readers[0]?.listNamespaces()).toEqual(['ns-0', 'ns-1', 'ns-2', 'ns-3']);
    await Promise.all([writer, ...readers].map((storage) => storage.close()));
  });

  it('a closed storage is refused while the others on the file keep working', async () => {
    const file = join(tmp.dir, 'tokens.json');
    writeFile(file, 2);
    const [first, second] = [new JSONTokenStorage(file, { namespace: 'ns-0' }), new JSONTokenStorage(file, { namespace: 'ns-1' })] as const;
    await first.getTokenDataByResourceServer();
    await first.close();
    await expect(first.getTokenData('auth.globus.org')).rejects.toBeInstanceOf(StorageClosedError);
    expect(Object.keys(await second.getTokenDataByResourceServer())).toEqual(RESOURCE_SERVERS);
    await second.storeTokenDataByResourceServer({ extra: sampleTokenData('extra') });
    expect(await new JSONTokenStorage(file, { namespace: 'ns-1' }).getTokenData('extra')).not.toBeNull();
    await second.close();
  });

  it('iterAllEntries walks every namespace from one read, an invalid entry with its error', async () => {
    const file = join(tmp.dir, 'tokens.json');
    writeFile(file, 3);
    const storage = new JSONTokenStorage(file);
    await new JSONTokenStorage(file, { namespace: 'ns-1' }).storeTokenDataByResourceServer({ bad: sampleTokenData('bad') });
    const text = (await import('node:fs')).readFileSync(file, 'utf8').replace('"resource_server": "bad"', '"resource_server": 7');
    writeFileSync(file, text);
    const walked = [];
    for await (const entry of storage.iterAllEntries())
      walked.push([entry.namespace, entry.resourceServer, entry.data === null ? entry.error.code : 'ok']);
    expect(walked).toEqual([
      ...RESOURCE_SERVERS.map((rs) => ['ns-0', rs, 'ok']),
      ...RESOURCE_SERVERS.map((rs) => ['ns-1', rs, 'ok']),
      ['ns-1', 'bad', 'INVALID_TOKEN_DATA'],
      ...RESOURCE_SERVERS.map((rs) => ['ns-2', rs, 'ok']),
    ]);
    await storage.close();
    await expect(storage.iterAllEntries().next()).rejects.toBeInstanceOf(StorageClosedError);
  });
});

describe('memory of many storages on one file (a child process running the built package)', () => {
  it('1000 storages, one per namespace, hold less than 3 times the heap of one', async () => {
    const file = join(tmp.dir, 'tokens.json');
    writeFile(file, 1000);
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--expose-gc', resolve(__dirname, 'fixtures/many-instances.mjs'), file, '1000'],
      {
        cwd: resolve(__dirname, 'fixtures'),
      },
    );
    const { one, all, storages } = JSON.parse(stdout) as { one: number; all: number; storages: number };
    expect(storages).toBe(1000);
    expect(one).toBeGreaterThan(500_000);
    // Each storage keeps its own small state and the token data of its namespace is built once.
    expect(all / one).toBeLessThan(3);
  }, 120_000);

  it('a snapshot no storage uses is collected, whether its storages were closed or only dropped', async () => {
    const files = Array.from({ length: 10 }, (_, index) => join(tmp.dir, `tokens-${index}.json`));
    for (const file of files) writeFile(file, 1000);
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', resolve(__dirname, 'fixtures/released.mjs'), ...files], {
      cwd: resolve(__dirname, 'fixtures'),
    });
    const { whileHeld, after } = JSON.parse(stdout) as { whileHeld: number; after: number };
    // One parse of a 1000-namespace file is about 1 MB of heap: 10 kept would be 10 MB.
    expect(whileHeld).toBeLessThan(4_000_000);
    expect(after).toBeLessThan(1_000_000);
  }, 120_000);
});
