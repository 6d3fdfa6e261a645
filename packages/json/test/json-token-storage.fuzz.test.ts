import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { InvalidArgumentError, TokenFileFormatError, TokenStorageData, TokenStorageError } from '@globus-tokenstorage/core';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import {
  applyByteMutations,
  applyJSONMutations,
  byteMutations,
  CASE_TIMEOUT_MS,
  FUZZ_RUNS,
  fuzzTimeout,
  jsonMutations,
  jsonText,
  settle,
  tokenFileDocument,
} from '@globus-tokenstorage/test-support/fuzz';
import { fixtureText, temporaryDirectory } from './support';

const FIXTURES = ['v2.json', 'v1.json', 'legacy_simple.json'].map((name) => Buffer.from(fixtureText(name), 'utf8'));
const PARSED_FIXTURES = FIXTURES.map((bytes) => JSON.parse(bytes.toString('utf8')) as unknown);

/** File contents: arbitrary bytes and text, arbitrary JSON, generated token files, and mutated Python fixtures. */
const fileBytes: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.string({ unit: 'binary', maxLength: 100 }).map((text) => Buffer.from(text, 'utf8')),
  fc.tuple(fc.jsonValue(), fc.boolean()).map(([value, indented]) => jsonText(value, indented)),
  fc.tuple(tokenFileDocument, fc.boolean()).map(([document, indented]) => jsonText(document, indented)),
  fc
    .tuple(fc.nat(FIXTURES.length - 1), byteMutations)
    .map(([index, mutations]) => applyByteMutations(FIXTURES[index] as Buffer, mutations)),
  fc
    .tuple(fc.nat(FIXTURES.length - 1), jsonMutations, fc.boolean())
    .map(([index, mutations, indented]) => jsonText(applyJSONMutations(PARSED_FIXTURES[index], mutations), indented)),
);

const namespace = fc.oneof(
  fc.constantFrom('DEFAULT', 'userapp', '__proto__', 'constructor', '0'),
  fc.string({ minLength: 1, maxLength: 8 }),
);

let temp: ReturnType<typeof temporaryDirectory>;
beforeAll(() => {
  temp = temporaryDirectory('gts-json-fuzz-');
});
afterAll(() => temp.remove());

function expectTokenDataRecord(value: unknown): void {
  expect(typeof value).toBe('object');
  for (const data of Object.values(value as object)) expect(TokenStorageData.isInstance(data)).toBe(true);
}

describe('fuzzing JSONTokenStorage (each read ends in a result or a TokenStorageError and leaves the file as it was)', () => {
  it(
    `reads arbitrary files (${FUZZ_RUNS} cases); an unreadable file is never overwritten`,
    async () => {
      const path = join(temp.dir, 'tokens.json');
      let writes = 0;
      await fc.assert(
        fc.asyncProperty(fileBytes, namespace, fc.nat(19), async (bytes, space, dice) => {
          writeFileSync(path, bytes);
          const storage = new JSONTokenStorage(path, { namespace: space, lockTimeoutMs: 2000 });
          const all = await settle(() => storage.getTokenDataByResourceServer());
          const one = await settle(() => storage.getTokenData('transfer.api.globus.org'));
          const namespaces = await settle(() => storage.listNamespaces());
          if (!TokenStorageError.isInstance(all)) expectTokenDataRecord(all);
          if (!TokenStorageError.isInstance(one) && one !== null) expect(TokenStorageData.isInstance(one)).toBe(true);
          if (!TokenStorageError.isInstance(namespaces)) {
            expect(Array.isArray(namespaces)).toBe(true);
            for (const name of namespaces) expect(typeof name).toBe('string');
          }
          expect(readFileSync(path).equals(bytes)).toBe(true);

          const unreadable = TokenFileFormatError.isInstance(namespaces);
          if (unreadable || dice === 0) {
            // A write to a file that cannot be read must fail and change nothing; a write to a readable
            // one (a few cases: writes fsync) must keep the other namespaces and read back.
            const data = TokenStorageData.fromDict({ resource_server: 'rs', scope: 's', access_token: 'AT', expires_at_seconds: 1 });
            const stored = await settle(() => storage.storeTokenDataByResourceServer({ rs: data }));
            if (unreadable || TokenStorageError.isInstance(stored)) {
              expect(TokenStorageError.isInstance(stored)).toBe(true);
              expect(InvalidArgumentError.isInstance(stored)).toBe(false);
              expect(readFileSync(path).equals(bytes)).toBe(true);
            } else {
              writes += 1;
              const reopened = new JSONTokenStorage(path, { namespace: space });
              expect((await reopened.getTokenData('rs'))?.toDict()).toEqual(data.toDict());
              const after = await reopened.listNamespaces();
              for (const name of namespaces as string[]) expect(after).toContain(name);
            }
          }
          await storage.close();
          expect(readdirSync(temp.dir)).toEqual(['tokens.json']);
        }),
        { numRuns: FUZZ_RUNS, timeout: CASE_TIMEOUT_MS },
      );
      rmSync(path, { force: true });
      // The generators must reach the write path, or the property above proves less than it says.
      expect(writes).toBeGreaterThan(0);
    },
    fuzzTimeout(2.5),
  );
});

describe('files the fuzzer found mishandled', () => {
  it('a namespace with the empty name, which no storage can open, is not listed', async () => {
    const path = join(temp.dir, 'empty-name.json');
    const entry = { resource_server: 'rs', scope: 's', access_token: 'AT', expires_at_seconds: 1 };
    writeFileSync(
      path,
      JSON.stringify({ data: { '': { rs: entry }, DEFAULT: { rs: entry } }, format_version: '2.0', 'globus-sdk.version': '4.9.0' }),
    );
    expect(await new JSONTokenStorage(path).listNamespaces()).toEqual(['DEFAULT']);
    rmSync(path);
  });
});
