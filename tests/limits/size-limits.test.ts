import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Scope,
  ScopeParseError,
  ScopeParser,
  TokenFileFormatError,
  TokenStorageData,
  type TokenStorageLike,
} from '@globus-tokenstorage/core';
import { NativeAppAuthClient } from '@globus-tokenstorage/authorizers';
import { runCli } from '@globus-tokenstorage/cli';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { SimpleJSONFileAdapter } from '@globus-tokenstorage/legacy-file-adapter';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { settle } from '@globus-tokenstorage/test-support/fuzz';

/**
 * Inputs far beyond anything real: each either works or fails with a typed error, without a stack
 * overflow or an allocation out of proportion to the input. Built efficiently, run once each.
 */

const MB = 1024 * 1024;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gts-limits-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const token = (resourceServer: string) =>
  new TokenStorageData({
    resourceServer,
    scope: 's',
    accessToken: `AT-${resourceServer}`,
    refreshToken: null,
    expiresAtSeconds: 2_000_000_000,
    tokenType: 'Bearer',
  });

/** Nested `s0[s1[s2[…leaf…]]]`, `depth` levels. */
function nestedScope(depth: number): string {
  const names = Array.from({ length: depth - 1 }, (_, index) => `s${index}`);
  return `${names.join('[')}[leaf${']'.repeat(depth - 1)}`;
}

describe('scope strings', () => {
  it('a scope nested 100 000 levels parses, serialises back to itself, and goes into an authorize URL', async () => {
    const text = nestedScope(100_000);
    const scope = Scope.parse(text);
    expect(scope.toString()).toBe(text);
    const client = new NativeAppAuthClient('client-id');
    client.oauth2StartFlow({ requestedScopes: scope });
    const url = new URL(client.oauth2GetAuthorizeUrl());
    expect(url.searchParams.get('scope')).toBe(text);
  });

  it('scopes sharing dependencies (a text exponentially longer when serialised) fail Scope.parse at once, with a short message', () => {
    // x0[x1 y1] y0[x1 y1] x1[x2 y2] …: 40 levels, 1 KB of text, 2^40 scopes when written out.
    const levels = Array.from(
      { length: 40 },
      (_, index) => `x${index}[x${index + 1} y${index + 1}] y${index}[x${index + 1} y${index + 1}]`,
    );
    const error = (() => {
      try {
        Scope.parse(levels.join(' '));
      } catch (caught) {
        return caught;
      }
      return null;
    })();
    expect(ScopeParseError.isInstance(error)).toBe(true);
    expect((error as Error).message.length).toBeLessThan(1200);
    expect(ScopeParser.parse(levels.join(' '))).toHaveLength(80);
  });
});

describe('a 50 MB token file', () => {
  it('with a 50 MB value in an entry: read, and rewritten when another entry is stored', async () => {
    const path = join(dir, 'big.json');
    const blob = 'x'.repeat(50 * MB);
    const entry = { resource_server: 'big', scope: 's', access_token: 'AT', expires_at_seconds: 2_000_000_000, blob };
    writeFileSync(path, JSON.stringify({ data: { DEFAULT: { big: entry } }, format_version: '2.0', 'globus-sdk.version': '4.9.0' }));
    const storage = new JSONTokenStorage(path);
    expect((await storage.getTokenData('big'))?.extra.blob).toHaveLength(50 * MB);
    await storage.storeTokenDataByResourceServer({ small: token('small') });
    expect(statSync(path).size).toBeGreaterThan(50 * MB);
    const reopened = new JSONTokenStorage(path);
    expect(Object.keys(await reopened.getTokenDataByResourceServer())).toEqual(['big', 'small']);
  });

  it('of 50 MB of "[": typed errors from every reader, at once (JSON.parse alone would take 2.7 GB and seconds), the file kept', async () => {
    const path = join(dir, 'brackets.json');
    writeFileSync(path, '['.repeat(50 * MB));
    const storage = new JSONTokenStorage(path);
    const error = await settle(() => storage.getTokenDataByResourceServer());
    expect(TokenFileFormatError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/nest deeper than 512 levels at line 1 column 513/);
    expect(TokenFileFormatError.isInstance(await settle(() => storage.storeTokenDataByResourceServer({ rs: token('rs') })))).toBe(true);
    const legacy = await settle(() => new SimpleJSONFileAdapter(path, { resourceServer: 'rs' }).readTokenData());
    expect(TokenFileFormatError.isInstance(legacy)).toBe(true);
    for (const command of [
      ['list', path],
      ['check', path],
      ['migrate', path],
    ]) {
      const err: string[] = [];
      const code = await runCli(command, { stdout: () => undefined, stderr: (text) => err.push(text), now: () => 1_900_000_000 });
      expect({ command: command[0], code }).toEqual({ command: command[0], code: command[0] === 'check' ? 1 : 4 });
    }
    expect(statSync(path).size).toBe(50 * MB);
  });

  it('with an entry nested 1 000 000 levels deep: refused as a whole (Python cannot read it either), the file kept', async () => {
    const path = join(dir, 'deep.json');
    const depth = 1_000_000;
    const deep = `{"resource_server": "deep", "scope": "s", "access_token": "AT", "expires_at_seconds": 1, "nested": ${'['.repeat(depth)}${']'.repeat(depth)}}`;
    const text = `{"data": {"DEFAULT": {"deep": ${deep}}}, "format_version": "2.0", "globus-sdk.version": "4.9.0"}`;
    writeFileSync(path, text);
    const storage = new JSONTokenStorage(path);
    expect(TokenFileFormatError.isInstance(await settle(() => storage.getTokenData('deep')))).toBe(true);
    expect(TokenFileFormatError.isInstance(await settle(() => storage.storeTokenDataByResourceServer({ rs: token('rs') })))).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });
});

describe('a namespace name of 1 MB', () => {
  const namespace = `ns-${'n'.repeat(MB)}`;

  it.each([
    ['memory', () => new MemoryTokenStorage({ namespace })],
    ['json', () => new JSONTokenStorage(join(dir, 'long-namespace.json'), { namespace })],
    ['sqlite', () => new SQLiteTokenStorage(join(dir, 'long-namespace.db'), { namespace })],
  ] as Array<[string, () => TokenStorageLike & { listNamespaces?: () => Promise<string[]> }]>)('works with %s', async (_, make) => {
    const storage = make();
    await storage.storeTokenDataByResourceServer({ rs: token('rs') });
    expect((await storage.getTokenData('rs'))?.accessToken).toBe('AT-rs');
    if (storage.listNamespaces) expect(await storage.listNamespaces()).toEqual([namespace]);
    expect(await storage.removeTokenData('rs')).toBe(true);
    await storage.close?.();
  });
});

describe('100 000 resource servers in one namespace', () => {
  const count = 100_000;
  const mapping = () => {
    const data: Record<string, TokenStorageData> = {};
    for (let index = 0; index < count; index += 1) data[`rs${index}.example.org`] = token(`rs${index}.example.org`);
    return data;
  };

  it.each([
    ['json', join('many.json')],
    ['sqlite', join('many.db')],
  ])('%s: stored in one call, read back, looked up, removed, listed by the CLI', async (kind, name) => {
    const path = join(dir, name);
    const open = () => (kind === 'json' ? new JSONTokenStorage(path) : new SQLiteTokenStorage(path));
    const storage = open();
    await storage.storeTokenDataByResourceServer(mapping());
    await storage.close();
    const reopened = open();
    expect(Object.keys(await reopened.getTokenDataByResourceServer())).toHaveLength(count);
    expect((await reopened.getTokenData(`rs${count - 1}.example.org`))?.accessToken).toBe(`AT-rs${count - 1}.example.org`);
    expect(await reopened.removeTokenData('rs0.example.org')).toBe(true);
    await reopened.close();

    const out: string[] = [];
    const code = await runCli(['list', path], {
      stdout: (text) => out.push(text),
      stderr: (text) => out.push(text),
      now: () => 1_900_000_000,
    });
    expect(code).toBe(0);
    expect(out.join('\n').split('\n')).toHaveLength(count - 1 + 3);
  });
});
