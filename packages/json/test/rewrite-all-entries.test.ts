import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, TokenStorageData } from '@globus-tokenstorage/core';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { caught } from '@globus-tokenstorage/test-support/thrown';
import { copyFixture, fixtureText, temporaryDirectory, withOurVersion } from './support';

let tmp: ReturnType<typeof temporaryDirectory>;
beforeEach(() => {
  tmp = temporaryDirectory('gts-json-rewrite-');
});
afterEach(() => tmp.remove());

describe('JSONTokenStorage.rewriteAllEntries', () => {
  it('hands every entry of every namespace to change; returning them unchanged writes the Python file back byte for byte', async () => {
    const file = copyFixture('v2.json', tmp.dir);
    const python = JSON.parse(fixtureText('v2.json')) as { data: Record<string, Record<string, unknown>> };
    const storage = new JSONTokenStorage(file, { namespace: 'unused' });
    let seen: Record<string, string[]> = {};
    const written = await storage.rewriteAllEntries(async (entries) => {
      seen = Object.fromEntries([...entries].map(([namespace, mapping]) => [namespace, Object.keys(mapping)]));
      return entries;
    });
    const expected = Object.fromEntries(Object.entries(python.data).map(([namespace, mapping]) => [namespace, Object.keys(mapping)]));
    expect(seen).toEqual(expected);
    expect(written).toBe(Object.values(expected).flat().length);
    expect(readFileSync(file, 'utf8')).toBe(withOurVersion(fixtureText('v2.json')));
    await storage.close();
  });

  it('writes the returned entries in one replacement, keeping every other one', async () => {
    const file = copyFixture('v2.json', tmp.dir);
    const storage = new JSONTokenStorage(file);
    const changed = TokenStorageData.fromDict({
      resource_server: 'transfer.api.globus.org',
      scope: 's',
      access_token: 'AT-rewritten',
      expires_at_seconds: 1,
    });
    expect(await storage.rewriteAllEntries(async () => new Map([['DEFAULT', { 'transfer.api.globus.org': changed }]]))).toBe(1);
    expect((await storage.getTokenData('transfer.api.globus.org'))?.accessToken).toBe('AT-rewritten');
    expect(Object.keys(await storage.getTokenDataByResourceServer())).toEqual(['auth.globus.org', 'transfer.api.globus.org']);
    await storage.close();
  });

  it('writes nothing when change throws', async () => {
    const file = copyFixture('v2.json', tmp.dir);
    const storage = new JSONTokenStorage(file);
    await expect(storage.rewriteAllEntries(() => Promise.reject(new Error('change failed')))).rejects.toThrow('change failed');
    expect(readFileSync(file, 'utf8')).toBe(fixtureText('v2.json'));
    await storage.close();
  });

  it('leaves a format 1.0 file for a migration: UnsupportedFormatVersionError with formatVersion 1.0', async () => {
    const file = copyFixture('v1.json', tmp.dir);
    const storage = new JSONTokenStorage(file);
    const failure = await caught(() => storage.rewriteAllEntries(async (entries) => entries));
    expect(failure).toMatchObject({ code: ErrorCodes.UNSUPPORTED_FORMAT_VERSION, formatVersion: '1.0' });
    expect(readFileSync(file, 'utf8')).toBe(fixtureText('v1.json'));
    await storage.close();
  });

  it('refuses an invalid entry with InvalidTokenDataError before change runs, and a missing file stays missing', async () => {
    const file = join(tmp.dir, 'tokens.json');
    writeFileSync(
      file,
      JSON.stringify({
        data: { DEFAULT: { bad: { resource_server: 'bad', scope: 42 } } },
        format_version: '2.0',
        'globus-sdk.version': 'x',
      }),
    );
    const storage = new JSONTokenStorage(file);
    let called = false;
    const change = async (entries: Map<string, Record<string, TokenStorageData>>) => ((called = true), entries);
    expect(await caught(() => storage.rewriteAllEntries(change))).toMatchObject({ code: ErrorCodes.INVALID_TOKEN_DATA });
    expect(called).toBe(false);
    const missing = new JSONTokenStorage(join(tmp.dir, 'missing.json'));
    expect(await missing.rewriteAllEntries(change)).toBe(0);
    expect(await missing.fileExists()).toBe(false);
    await missing.close();
    await storage.close();
  });
});
