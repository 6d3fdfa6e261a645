import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inspect } from 'node:util';
import {
  ErrorCodes,
  InvalidArgumentError,
  InvalidTokenDataError,
  StorageClosedError,
  StorageLockTimeoutError,
  TokenFileFormatError,
  TokenStorageData,
  UnsupportedFormatVersionError,
  validateTokenFile,
} from '@globus-tokenstorage/core';
import { toPythonJSON } from '@globus-tokenstorage/core/backend';
import { runTokenStorageConformance, sampleTokenData } from '@globus-tokenstorage/core/conformance';
import { withFileLock } from '@globus-tokenstorage/core/node';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { behavior, copyFixture, fixtureText, temporaryDirectory, withOurVersion, WRITER } from './support';
import { caught } from '@globus-tokenstorage/test-support/thrown';

const edge = behavior.json_edge_cases;
const modeOf = (path: string) => statSync(path).mode & 0o777;

let conformanceDir: ReturnType<typeof temporaryDirectory>;
let fileCounter = 0;
beforeAll(() => {
  conformanceDir = temporaryDirectory('gts-json-conformance-');
});
afterAll(() => conformanceDir.remove());

runTokenStorageConformance<JSONTokenStorage>(
  { describe, it, expect },
  {
    create: ({ namespace }) => new JSONTokenStorage(join(conformanceDir.dir, `tokens-${(fileCounter += 1)}.json`), { namespace }),
    reopen: (storage, { namespace }) => new JSONTokenStorage(storage.filepath, { namespace }),
    capabilities: { listNamespaces: true, closeRejectsCalls: true, runExclusive: true },
    inspect,
  },
);

/** Python's `to_dict` form of token data (what the fixtures hold). */
function entriesOf(dicts: Record<string, unknown>): Record<string, TokenStorageData> {
  return Object.fromEntries(Object.entries(dicts).map(([key, dict]) => [key, TokenStorageData.fromDict(dict)]));
}

function dictsOf(mapping: Record<string, TokenStorageData>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(mapping).map(([key, data]) => [key, data.toDict()]));
}

describe('JSONTokenStorage', () => {
  let temp: ReturnType<typeof temporaryDirectory>;
  let dir: string;
  beforeEach(() => {
    temp = temporaryDirectory('gts-json-');
    dir = temp.dir;
  });
  afterEach(() => temp.remove());

  describe('files written by the Python SDK', () => {
    it('reads both namespaces of v2.json as the Python SDK does', async () => {
      const file = copyFixture('v2.json', dir);
      const readback = behavior.v2_readback;
      for (const namespace of ['DEFAULT', 'userapp', 'nonexistent']) {
        const storage = new JSONTokenStorage(file, { namespace });
        expect(dictsOf(await storage.getTokenDataByResourceServer())).toEqual(readback[namespace]);
      }
      expect(await new JSONTokenStorage(file).listNamespaces()).toEqual(['DEFAULT', 'userapp']);
    });

    it('reads v1.json as namespace DEFAULT only and leaves it untouched', async () => {
      const file = copyFixture('v1.json', dir);
      const defaults = new JSONTokenStorage(file);
      expect(dictsOf(await defaults.getTokenDataByResourceServer())).toEqual(behavior.v1_read_by_JSONTokenStorage_DEFAULT);
      expect(await defaults.getTokenData('auth.globus.org')).not.toBeNull();
      const userapp = new JSONTokenStorage(file, { namespace: 'userapp' });
      expect(await userapp.getTokenDataByResourceServer()).toEqual(behavior.v1_read_by_JSONTokenStorage_userapp);
      expect(await userapp.getTokenData('auth.globus.org')).toBeNull();
      expect(await defaults.listNamespaces()).toEqual(['DEFAULT']);
      expect(readFileSync(file, 'utf8')).toBe(fixtureText('v1.json'));
      expect(readdirSync(dir)).toEqual(['v1.json']);
    });

    it('rejects the contrib single-token file (legacy_simple.json) as the Python SDK does, saying what it is and how to migrate it', async () => {
      const file = copyFixture('legacy_simple.json', dir);
      const error = await caught(() => new JSONTokenStorage(file).getTokenData('transfer.api.globus.org'));
      expect(UnsupportedFormatVersionError.isInstance(error)).toBe(true);
      expect(error.message).toBe(
        `token file '${file}' looks like the single-token file of SimpleJSONFileAdapter (globus_sdk_tokenstorage), not a token storage file: ` +
          `convert it with 'globus-tokens migrate ${file}' (or migrateToJSONTokenStorage of @globus-tokenstorage/legacy-file-adapter), or read it with SimpleJSONFileAdapter`,
      );
      expect(behavior.legacy_simple_read_by_JSONTokenStorage.error.message).toContain('format_version=None');
      expect(readFileSync(file, 'utf8')).toBe(fixtureText('legacy_simple.json'));
    });

    it('writes v2.json byte for byte (apart from the writer version) from the same data', async () => {
      const python = JSON.parse(fixtureText('v2.json'));
      const file = join(dir, 'tokens.json');
      for (const namespace of ['DEFAULT', 'userapp']) {
        await new JSONTokenStorage(file, { namespace }).storeTokenDataByResourceServer(entriesOf(python.data[namespace]));
      }
      expect(readFileSync(file, 'utf8')).toBe(withOurVersion(fixtureText('v2.json')));
    });

    it('rewrites v2.json unchanged apart from the writer version when an entry is stored again', async () => {
      const file = copyFixture('v2.json', dir);
      const storage = new JSONTokenStorage(file, { namespace: 'userapp' });
      const entry = await storage.getTokenData('auth.globus.org');
      await storage.storeTokenDataByResourceServer({ 'auth.globus.org': entry as TokenStorageData });
      expect(readFileSync(file, 'utf8')).toBe(withOurVersion(fixtureText('v2.json')));
    });

    it('escapes non-ASCII text as the Python SDK does (non_ascii_raw_bytes)', async () => {
      const file = join(dir, 'tokens.json');
      const data = TokenStorageData.fromDict({ resource_server: 'rs', scope: 'sc\u00f6pe', access_token: 'a', expires_at_seconds: 5 });
      await new JSONTokenStorage(file, { namespace: 'n\u00e4me' }).storeTokenDataByResourceServer({ rs: data });
      expect(readFileSync(file, 'utf8')).toBe(withOurVersion(edge.non_ascii_raw_bytes));
    });

    it('keeps namespaces emptied by removal and created by an empty store (empty_namespace_persistence)', async () => {
      const file = join(dir, 'tokens.json');
      await new JSONTokenStorage(file, { namespace: 'ns-empty' }).storeTokenDataByResourceServer({});
      const one = new JSONTokenStorage(file, { namespace: 'ns-one' });
      await one.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
      expect(await one.removeTokenData('rs')).toBe(true);
      expect(readFileSync(file, 'utf8')).toBe(withOurVersion(toPythonJSON(edge.empty_namespace_persistence)));
      expect(await one.listNamespaces()).toEqual([]);
    });

    it('stores under the mapping key, not the resource_server field (mapping_key_vs_resource_server)', async () => {
      const file = join(dir, 'tokens.json');
      const storage = new JSONTokenStorage(file);
      const data = TokenStorageData.fromDict({ resource_server: 'inner-rs', scope: 's', access_token: 'a', expires_at_seconds: 5 });
      await storage.storeTokenDataByResourceServer({ 'key-rs': data });
      expect(readFileSync(file, 'utf8')).toBe(withOurVersion(toPythonJSON(edge.mapping_key_vs_resource_server_file)));
      expect((await storage.getTokenData('inner-rs')) !== null).toBe(edge.mapping_key_vs_resource_server_get_token_data_inner);
    });

    it('keeps the key order and unknown top-level keys of an existing file (extra_after_restore_file)', async () => {
      const file = join(dir, 'tokens.json');
      const restored = edge.extra_after_restore_file;
      const before = structuredClone(restored);
      before.data.DEFAULT.rs.custom_field = 'kept-in-extra';
      writeFileSync(file, toPythonJSON(before));
      const storage = new JSONTokenStorage(file);
      const read = (await storage.getTokenData('rs')) as TokenStorageData;
      expect(read.extra).toEqual(edge.extra_on_read.extra);
      await storage.storeTokenDataByResourceServer({ rs: read });
      // Python drops `extra` on write; we keep it (documented), so the entry also has custom_field.
      expect(readFileSync(file, 'utf8')).toBe(withOurVersion(toPythonJSON(before)));
      await storage.storeTokenDataByResourceServer({ rs: read.with({ extra: {} }) });
      expect(readFileSync(file, 'utf8')).toBe(withOurVersion(toPythonJSON(restored)));
    });

    it('keeps the file order of integer-like namespaces and resource servers, as Python does', async () => {
      const file = join(dir, 'tokens.json');
      const entry = (rs: string) => `{"resource_server": "${rs}", "scope": "s", "access_token": "a", "expires_at_seconds": 5}`;
      const namespaces = (extra: string) =>
        `{"DEFAULT": {"b": ${entry('b')}, "0": ${entry('0')}${extra}}, "123": {"x": ${entry('x')}}, "7": {}}`;
      writeFileSync(file, `{"data": ${namespaces('')}, "format_version": "2.0", "globus-sdk.version": "4.9.0"}`);
      const storage = new JSONTokenStorage(file);
      expect(Object.keys(await storage.getTokenDataByResourceServer()).sort()).toEqual(['0', 'b']);
      expect(await storage.listNamespaces()).toEqual(['DEFAULT', '123']);
      await storage.storeTokenDataByResourceServer({ '5': TokenStorageData.fromDict(JSON.parse(entry('5'))) });
      expect(readFileSync(file, 'utf8')).toBe(
        `{"data": ${namespaces(`, "5": ${entry('5')}`)}, "format_version": "2.0", "globus-sdk.version": ${JSON.stringify(WRITER)}}`,
      );
    });
  });

  describe('format 1.0 upgrade', () => {
    it('the first store, in any namespace, writes 2.0 with the 1.0 entries verbatim', async () => {
      const file = copyFixture('v1.json', dir);
      const v1 = JSON.parse(fixtureText('v1.json'));
      const data = sampleTokenData('rs');
      await new JSONTokenStorage(file, { namespace: 'userapp' }).storeTokenDataByResourceServer({ rs: data });
      const expected = { data: { DEFAULT: v1.by_rs, userapp: { rs: data.toDict() } }, format_version: '2.0', 'globus-sdk.version': WRITER };
      const written = readFileSync(file, 'utf8');
      expect(written).toBe(toPythonJSON(expected));
      expect(validateTokenFile(JSON.parse(written))).toEqual({ valid: true, kind: '2.0', problems: [] });
      expect(dictsOf(await new JSONTokenStorage(file).getTokenDataByResourceServer())).toEqual(
        behavior.v1_read_by_JSONTokenStorage_DEFAULT,
      );
    });

    it('keeps nulls of 1.0 entries and unknown top-level keys through the upgrade', async () => {
      const file = join(dir, 'tokens.json');
      const byRs = {
        rs: { scope: 's', access_token: 'a', refresh_token: null, token_type: null, expires_at_seconds: 1, resource_server: 'rs' },
      };
      writeFileSync(file, toPythonJSON({ custom: [1, { x: 'y' }], by_rs: byRs, format_version: '1.0', 'globus-sdk.version': '3.0.0' }));
      expect((await new JSONTokenStorage(file).getTokenData('rs'))?.refreshToken).toBeNull();
      await new JSONTokenStorage(file, { namespace: 'other' }).storeTokenDataByResourceServer({});
      expect(readFileSync(file, 'utf8')).toBe(
        toPythonJSON({ data: { DEFAULT: byRs, other: {} }, format_version: '2.0', 'globus-sdk.version': WRITER, custom: [1, { x: 'y' }] }),
      );
    });

    it('a removal upgrades the file even when there is nothing to remove, as in Python', async () => {
      const file = copyFixture('v1.json', dir);
      const v1 = JSON.parse(fixtureText('v1.json'));
      expect(await new JSONTokenStorage(file, { namespace: 'other' }).removeTokenData('auth.globus.org')).toBe(false);
      expect(readFileSync(file, 'utf8')).toBe(
        toPythonJSON({ data: { DEFAULT: v1.by_rs }, format_version: '2.0', 'globus-sdk.version': WRITER }),
      );
      expect(await new JSONTokenStorage(file).removeTokenData('auth.globus.org')).toBe(true);
      expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')).data.DEFAULT)).toEqual(['transfer.api.globus.org']);
    });
  });

  describe('removal', () => {
    it('on a missing file returns false and creates nothing (Python creates the file)', async () => {
      const file = join(dir, 'missing', 'tokens.json');
      expect(edge.remove_on_missing_file.returned).toBe(false);
      expect(await new JSONTokenStorage(file).removeTokenData('rs')).toBe(false);
      expect(existsSync(join(dir, 'missing'))).toBe(false);
    });

    it('of an absent entry leaves a 2.0 file byte for byte, including another writer version', async () => {
      const file = copyFixture('v2.json', dir);
      expect(await new JSONTokenStorage(file).removeTokenData('nothing.example.org')).toBe(false);
      expect(readFileSync(file, 'utf8')).toBe(fixtureText('v2.json'));
    });

    it('keeps the writer version, as in Python', async () => {
      const file = copyFixture('v2.json', dir);
      expect(await new JSONTokenStorage(file).removeTokenData('auth.globus.org')).toBe(true);
      expect(JSON.parse(readFileSync(file, 'utf8'))['globus-sdk.version']).toBe('4.9.0');
    });
  });

  describe('files that are not token files', () => {
    const canaryToken = 'CANARY-SECRET-TOKEN-2f9a';
    const v2 = (data: unknown, extra: Record<string, unknown> = {}) =>
      JSON.stringify({ data, format_version: '2.0', 'globus-sdk.version': '4.9.0', ...extra });
    const v1 = (byRs: unknown) => JSON.stringify({ by_rs: byRs, format_version: '1.0', 'globus-sdk.version': '4.9.0' });
    const cases: Array<[string, string | Buffer, typeof TokenFileFormatError, string?]> = [
      ['an empty file', '', TokenFileFormatError, 'empty'],
      ['a blank file', ' \n', TokenFileFormatError, 'empty'],
      ['truncated JSON (corrupt_json)', '{', TokenFileFormatError, 'line 1 column 2 (char 1)'],
      [
        'JSON cut inside a token',
        `{"data": {"DEFAULT": {"rs": {"access_token": "${canaryToken}`,
        TokenFileFormatError,
        'unterminated string',
      ],
      ['a bare token', `{"access_token": ${canaryToken}}`, TokenFileFormatError, 'line 1 column 18 (char 17)'],
      ['data after the JSON value', `{"data": "${canaryToken}"} ${canaryToken}`, TokenFileFormatError, 'after the JSON value'],
      ['a list at the top level', '[]', TokenFileFormatError, 'does not hold a JSON object at the top level (it holds an array)'],
      [
        'a string at the top level',
        JSON.stringify(canaryToken),
        TokenFileFormatError,
        'does not hold a JSON object at the top level (it holds a string)',
      ],
      ['null at the top level', 'null', TokenFileFormatError, 'does not hold a JSON object at the top level (it holds null)'],
      [
        'a single-token file without its version key',
        JSON.stringify({ access_token: canaryToken, resource_server: 'rs', expires_at_seconds: 1 }),
        UnsupportedFormatVersionError,
        'globus-tokens migrate',
      ],
      ['format_version 3.0', v2({}, { format_version: '3.0' }), UnsupportedFormatVersionError, 'format_version="3.0"'],
      [
        'no format_version',
        JSON.stringify({ data: {}, 'globus-sdk.version': '4.9.0' }),
        UnsupportedFormatVersionError,
        'format_version=missing',
      ],
      [
        'a numeric format_version',
        '{"data": {}, "format_version": 2.0, "globus-sdk.version": "4.9.0"}',
        UnsupportedFormatVersionError,
        '=2',
      ],
      ['a secret as format_version', v2({}, { format_version: canaryToken.repeat(3) }), UnsupportedFormatVersionError, 'a string'],
      [
        'format 1.0 without by_rs',
        JSON.stringify({ format_version: '1.0', 'globus-sdk.version': '4.9.0' }),
        TokenFileFormatError,
        "'by_rs'",
      ],
      [
        'format 2.0 without globus-sdk.version',
        JSON.stringify({ data: {}, format_version: '2.0' }),
        TokenFileFormatError,
        'missing required keys',
      ],
      ['format 2.0 without data', JSON.stringify({ format_version: '2.0', 'globus-sdk.version': '4.9.0' }), TokenFileFormatError, "'data'"],
      ['data that is a list', v2([{ access_token: canaryToken }]), TokenFileFormatError, "'data' is an array, not a JSON object"],
      ['data that is a string', v2(canaryToken), TokenFileFormatError, "'data' is a string, not a JSON object"],
      ['data that is a number', v2(1), TokenFileFormatError, "'data' is a number, not a JSON object"],
      ['data that is null', v2(null), TokenFileFormatError, "'data' is null, not a JSON object"],
      [
        'a namespace that is a list',
        v2({ DEFAULT: [canaryToken] }),
        TokenFileFormatError,
        "namespace 'DEFAULT' is an array, not a JSON object",
      ],
      [
        'a namespace that is a string',
        v2({ other: canaryToken }),
        TokenFileFormatError,
        "namespace 'other' is a string, not a JSON object",
      ],
      ['a namespace that is null', v2({ DEFAULT: {}, other: null }), TokenFileFormatError, "namespace 'other' is null, not a JSON object"],
      ['a namespace that is a number, under an odd name', v2({ [`${canaryToken}\n`]: 7 }), TokenFileFormatError, 'a namespace is a number'],
      ['format 1.0 with by_rs an empty string', v1(''), TokenFileFormatError, "'by_rs' is a string, not a JSON object"],
      ['format 1.0 with by_rs a token', v1(canaryToken), TokenFileFormatError, "'by_rs' is a string, not a JSON object"],
      ['format 1.0 with by_rs a list', v1([]), TokenFileFormatError, "'by_rs' is an array, not a JSON object"],
      ['format 1.0 with by_rs a number', v1(1), TokenFileFormatError, "'by_rs' is a number, not a JSON object"],
      ['format 1.0 with by_rs null', v1(null), TokenFileFormatError, "'by_rs' is null, not a JSON object"],
      ['format 1.0 with by_rs true', v1(true), TokenFileFormatError, "'by_rs' is a boolean, not a JSON object"],
      ['a numeric globus-sdk.version', v2({}, { 'globus-sdk.version': 4 }), TokenFileFormatError, "'globus-sdk.version'"],
      ['bytes that are not UTF-8', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), TokenFileFormatError, 'UTF-8'],
      ['a UTF-8 byte order mark', `\ufeff${v2({})}`, TokenFileFormatError, 'byte order mark'],
    ];
    for (const [label, content, errorClass, detail] of cases) {
      it(`${label}: every call throws ${errorClass.errorName} naming the file, and the file is never changed`, async () => {
        const file = join(dir, 'tokens.json');
        writeFileSync(file, content);
        const before = readFileSync(file);
        const storage = new JSONTokenStorage(file);
        const calls: Array<() => Promise<unknown>> = [
          () => storage.getTokenData('rs'),
          () => storage.getTokenDataByResourceServer(),
          () => storage.listNamespaces(),
          () => storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') }),
          () => storage.removeTokenData('rs'),
          () => new JSONTokenStorage(file, { namespace: 'other' }).storeTokenDataByResourceServer({}),
        ];
        for (const call of calls) {
          const error = await caught(call);
          expect(errorClass.isInstance(error)).toBe(true);
          expect(TokenFileFormatError.isInstance(error)).toBe(true);
          expect((error as TokenFileFormatError).filePath).toBe(file);
          expect(error.message).toContain(file);
          if (detail) expect(error.message).toContain(detail);
          const shown = `${error.message}\n${error.stack}\n${inspect(error)}\n${String(error.cause)}`;
          expect(shown.includes('CANARY')).toBe(false);
        }
        expect(readFileSync(file).equals(before)).toBe(true);
        expect(readdirSync(dir)).toEqual(['tokens.json']);
      });
    }

    it('a number beyond the double range is read, but a write is refused with TokenFileFormatError and the file kept', async () => {
      const file = join(dir, 'tokens.json');
      const good = sampleTokenData('good').toDict();
      // 1e999 parses as Infinity, which no JSON writer can put back (Python would write `Infinity`).
      const text = `{"data": {"DEFAULT": {"good": ${JSON.stringify(good)}}}, "format_version": "2.0", "globus-sdk.version": "4.9.0", "x": 1e999}`;
      writeFileSync(file, text);
      const storage = new JSONTokenStorage(file);
      expect((await storage.getTokenData('good'))?.toDict()).toEqual(good);
      for (const call of [
        () => storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') }),
        () => storage.removeTokenData('good'),
      ]) {
        const error = await caught(call);
        expect(error.code).toBe(ErrorCodes.TOKEN_FILE_FORMAT);
        expect((error as TokenFileFormatError).filePath).toBe(file);
        expect(error.message).toContain('too large for JSON');
      }
      expect(readFileSync(file, 'utf8')).toBe(text);
      expect(readdirSync(dir)).toEqual(['tokens.json']);
    });

    it('an invalid entry throws InvalidTokenDataError naming file, namespace and resource server; the rest stays usable', async () => {
      const file = join(dir, 'tokens.json');
      const good = sampleTokenData('good').toDict();
      const badEntries = {
        bad: { resource_server: 'bad', scope: 's', access_token: 5, refresh_token: canaryToken, expires_at_seconds: 1 },
        float: { resource_server: 'float', scope: 's', access_token: canaryToken, expires_at_seconds: 1.5 },
        nothing: null,
      };
      writeFileSync(file, v2({ DEFAULT: { ...badEntries, good }, other: { good } }));
      const storage = new JSONTokenStorage(file);
      const problems: Record<string, string> = {
        bad: edge.entry_missing_access_token.error.message,
        float: edge.entry_expires_float.error.message,
        nothing: 'must be a JSON object',
      };
      for (const [key, problem] of Object.entries(problems)) {
        for (let attempt = 0; attempt < 2; attempt += 1) {
          const error = await caught(() => storage.getTokenData(key));
          expect(InvalidTokenDataError.isInstance(error)).toBe(true);
          expect(error.message).toContain(file);
          expect(error.message).toContain(`resource server '${key}'`);
          expect(error.message).toContain("namespace 'DEFAULT'");
          expect(error.message).toContain(problem);
          expect(`${error.message}${error.stack}${inspect(error)}`.includes(canaryToken)).toBe(false);
        }
      }
      expect((await caught(() => storage.getTokenDataByResourceServer())).code).toBe(ErrorCodes.INVALID_TOKEN_DATA);
      expect((await storage.getTokenData('good'))?.toDict()).toEqual(good);
      expect(Object.keys(await new JSONTokenStorage(file, { namespace: 'other' }).getTokenDataByResourceServer())).toEqual(['good']);
      await storage.storeTokenDataByResourceServer({ added: sampleTokenData('added') });
      const written = JSON.parse(readFileSync(file, 'utf8')).data.DEFAULT;
      expect(Object.keys(written)).toEqual(['bad', 'float', 'nothing', 'good', 'added']);
      expect(written.bad).toEqual(badEntries.bad);
    });
  });

  describe('files on disk', () => {
    let umask: number;
    beforeEach(() => {
      umask = process.umask(0);
    });
    afterEach(() => {
      process.umask(umask);
    });

    it('creates the file 0600 and missing directories 0700 under umask 0, and leaves no lock or temporary file', async () => {
      const file = join(dir, 'a', 'b', 'tokens.json');
      const storage = new JSONTokenStorage(file);
      expect(existsSync(join(dir, 'a'))).toBe(false);
      expect(await storage.fileExists()).toBe(false);
      await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
      expect(await storage.fileExists()).toBe(true);
      expect(modeOf(file)).toBe(0o600);
      expect(modeOf(join(dir, 'a'))).toBe(0o700);
      expect(modeOf(join(dir, 'a', 'b'))).toBe(0o700);
      expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['tokens.json']);
    });

    it('tightens a pre-existing 0644 file to 0600 when it rewrites it (Python keeps 0644), and reads it before that', async () => {
      const file = copyFixture('v2.json', dir);
      chmodSync(file, 0o644);
      expect(behavior.json_edge_cases.preexisting_file_mode_after_store).toBe('644');
      const storage = new JSONTokenStorage(file);
      expect(await storage.getTokenData('auth.globus.org')).not.toBeNull();
      expect(modeOf(file)).toBe(0o644);
      await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
      expect(modeOf(file)).toBe(0o600);
    });

    it('creates the lock file 0600 next to the token file while a write holds it', async () => {
      const file = join(dir, 'tokens.json');
      const storage = new JSONTokenStorage(file, { lockTimeoutMs: 5000 });
      let modeWhileHeld = -1;
      await withFileLock(`${file}.lock`, () => {
        modeWhileHeld = modeOf(`${file}.lock`);
      });
      expect(modeWhileHeld).toBe(0o600);
      await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
      expect(existsSync(`${file}.lock`)).toBe(false);
    });

    it('accepts a bare file name, relative to the working directory at construction (Python raises)', async () => {
      expect(edge.bare_filename.ok).toBe(false);
      const cwd = process.cwd();
      let storage: JSONTokenStorage;
      try {
        process.chdir(dir);
        storage = new JSONTokenStorage('bare-name.json');
      } finally {
        process.chdir(cwd);
      }
      expect(storage.filepath).toBe('bare-name.json');
      await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
      expect(readdirSync(dir)).toEqual(['bare-name.json']);
      expect(await storage.getTokenData('rs')).not.toBeNull();
    });

    it('accepts a file: URL', async () => {
      const file = join(dir, 'url.json');
      const storage = new JSONTokenStorage(pathToFileURL(file));
      expect(storage.filepath).toBe(file);
      await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
      expect(existsSync(file)).toBe(true);
    });

    it('writes through a symbolic link and locks next to its target', async () => {
      const target = join(dir, 'real', 'v2.json');
      mkdirSync(join(dir, 'real'));
      copyFixture('v2.json', join(dir, 'real'));
      const link = join(dir, 'link.json');
      symlinkSync(target, link);
      const storage = new JSONTokenStorage(link, { lockTimeoutMs: 100 });
      const error = await withFileLock(`${realpathSync(target)}.lock`, () => caught(() => storage.storeTokenDataByResourceServer({})));
      expect(StorageLockTimeoutError.isInstance(error)).toBe(true);
      await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
      expect(statSync(link).isFile()).toBe(true);
      expect(Object.keys(JSON.parse(readFileSync(target, 'utf8')).data.DEFAULT)).toContain('rs');
      expect(readdirSync(dir).sort()).toEqual(['link.json', 'real']);
    });
  });

  describe('locking', () => {
    it('a write waiting longer than lockTimeoutMs for another handle throws StorageLockTimeoutError and changes nothing', async () => {
      const file = copyFixture('v2.json', dir);
      const storage = new JSONTokenStorage(file, { lockTimeoutMs: 50 });
      const results = await withFileLock(`${file}.lock`, async () =>
        Promise.all([
          caught(() => storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') })),
          caught(() => storage.removeTokenData('auth.globus.org')),
        ]),
      );
      for (const error of results) {
        expect(StorageLockTimeoutError.isInstance(error)).toBe(true);
        expect(error.code).toBe(ErrorCodes.STORAGE_LOCK_TIMEOUT);
        expect(error.message).toContain(`${file}.lock`);
      }
      expect(readFileSync(file, 'utf8')).toBe(fixtureText('v2.json'));
      expect(await storage.getTokenData('auth.globus.org')).not.toBeNull();
    });

    it('reads do not wait for the lock', async () => {
      const file = copyFixture('v2.json', dir);
      const storage = new JSONTokenStorage(file, { lockTimeoutMs: 0 });
      const read = await withFileLock(`${file}.lock`, () => storage.getTokenData('auth.globus.org'));
      expect(read?.accessToken).toBe('AT-auth-DEFAULT-0001');
    });
  });

  describe('caching', () => {
    it('returns the same immutable token data while the file is unchanged, in a fresh mapping each time', async () => {
      const file = copyFixture('v2.json', dir);
      const storage = new JSONTokenStorage(file);
      const first = await storage.getTokenDataByResourceServer();
      const second = await storage.getTokenDataByResourceServer();
      expect(first).not.toBe(second);
      expect(second['auth.globus.org']).toBe(first['auth.globus.org']);
      expect(await storage.getTokenData('auth.globus.org')).toBe(first['auth.globus.org']);
    });

    it('serves its own writes from the cache and sees every write of another handle', async () => {
      const file = join(dir, 'tokens.json');
      const storage = new JSONTokenStorage(file);
      const other = new JSONTokenStorage(file);
      const data = sampleTokenData('rs');
      await storage.storeTokenDataByResourceServer({ rs: data });
      expect(await storage.getTokenData('rs')).toBe(data);
      for (let round = 0; round < 5; round += 1) {
        const replacement = sampleTokenData('rs');
        await other.storeTokenDataByResourceServer({ rs: replacement });
        expect((await storage.getTokenData('rs'))?.accessToken).toBe(replacement.accessToken);
      }
    });

    it('sees a rewrite in place by another program, as the Python SDK writes', async () => {
      const file = join(dir, 'tokens.json');
      const storage = new JSONTokenStorage(file);
      await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
      const text = readFileSync(file, 'utf8');
      const token = (await storage.getTokenData('rs'))?.accessToken as string;
      const replaced = token.replace(/.$/, (last) => (last === 'x' ? 'y' : 'x'));
      writeFileSync(file, text.replace(token, replaced));
      expect((await storage.getTokenData('rs'))?.accessToken).toBe(replaced);
    });

    it('sees the file disappear and come back', async () => {
      const file = copyFixture('v2.json', dir);
      const storage = new JSONTokenStorage(file);
      expect(await storage.listNamespaces()).toEqual(['DEFAULT', 'userapp']);
      temp.remove();
      expect(await storage.listNamespaces()).toEqual([]);
      expect(await storage.getTokenData('auth.globus.org')).toBeNull();
      mkdirSync(dir);
      copyFixture('v1.json', dir);
      expect(await new JSONTokenStorage(join(dir, 'v1.json')).listNamespaces()).toEqual(['DEFAULT']);
    });
  });

  describe('construction and closing', () => {
    it('has the Python class attributes', () => {
      expect(JSONTokenStorage.formatVersion).toBe('2.0');
      expect(JSONTokenStorage.supportedVersions).toEqual(['1.0', '2.0']);
    });

    it.each<[string, unknown, unknown]>([
      ['an empty path', '', {}],
      ['a number as path', 5, {}],
      ['null as path', null, {}],
      ['a path with a NUL byte', 'a\0b', {}],
      ['an http: URL', new URL('https://example.org/tokens.json'), {}],
      ['a negative lockTimeoutMs', 'tokens.json', { lockTimeoutMs: -1 }],
      ['a string lockTimeoutMs', 'tokens.json', { lockTimeoutMs: '5' }],
      ['NaN as lockTimeoutMs', 'tokens.json', { lockTimeoutMs: NaN }],
      ['an empty namespace', 'tokens.json', { namespace: '' }],
      ['null options', 'tokens.json', null],
    ])('rejects %s with InvalidArgumentError', (_label, filepath, options) => {
      expect(() => new JSONTokenStorage(filepath as string, options as object)).toThrow(InvalidArgumentError);
    });

    it('does no I/O when constructed', () => {
      new JSONTokenStorage(join(dir, 'x', 'y', 'tokens.json'), { namespace: 'n', lockTimeoutMs: Infinity });
      expect(readdirSync(dir)).toEqual([]);
    });

    it('rejects every call after close() with StorageClosedError', async () => {
      const storage = new JSONTokenStorage(copyFixture('v2.json', dir));
      await storage.close();
      for (const call of [() => storage.fileExists(), () => storage.listNamespaces(), () => storage.getTokenData('auth.globus.org')]) {
        expect(StorageClosedError.isInstance(await caught(call))).toBe(true);
      }
    });

    it('names the file and namespace, never a token, in String, JSON and inspect', async () => {
      const file = copyFixture('v2.json', dir);
      const storage = new JSONTokenStorage(file, { namespace: 'userapp' });
      await storage.getTokenDataByResourceServer();
      for (const text of [String(storage), JSON.stringify(storage), inspect(storage)]) {
        expect(text).toContain('userapp');
        expect(text).toContain('v2.json');
        expect(text.includes('AT-auth')).toBe(false);
      }
    });
  });
});
