import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { OAuthTokenResponse, TokenFileFormatError, TokenStorageData, TokenStorageError } from '@globus-tokenstorage/core';
import { SimpleJSONFileAdapter } from '@globus-tokenstorage/legacy-file-adapter';
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

const FIXTURES = resolve(__dirname, '../../../fixtures/python');
const SEEDS = ['legacy_simple.json', 'v1.json', 'v2.json'].map((name) => readFileSync(join(FIXTURES, name)));
const PARSED_SEEDS = SEEDS.map((bytes) => JSON.parse(bytes.toString('utf8')) as unknown);

const fileBytes: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.tuple(fc.jsonValue(), fc.boolean()).map(([value, indented]) => jsonText(value, indented)),
  fc.tuple(tokenFileDocument, fc.boolean()).map(([document, indented]) => jsonText(document, indented)),
  fc.tuple(fc.nat(SEEDS.length - 1), byteMutations).map(([index, mutations]) => applyByteMutations(SEEDS[index] as Buffer, mutations)),
  fc
    .tuple(fc.nat(PARSED_SEEDS.length - 1), jsonMutations, fc.boolean())
    .map(([index, mutations, indented]) => jsonText(applyJSONMutations(PARSED_SEEDS[index], mutations), indented)),
);

/** What the adapter may replace: a JSON object (read as lossy UTF-8, like `readFile`) that is no token storage file. */
function isReplaceable(bytes: Buffer): boolean {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && !Object.hasOwn(parsed, 'format_version');
  } catch {
    return false;
  }
}

const response = OAuthTokenResponse.fromJSON(
  { access_token: 'AT', refresh_token: 'RT', resource_server: 'rs', scope: 's', expires_in: 60 },
  { now: () => 1_000 },
);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gts-legacy-fuzz-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fuzzing SimpleJSONFileAdapter (reads end in a result or a TokenFileFormatError; only single-token files are replaced)', () => {
  it(
    `reads and stores over arbitrary files (${FUZZ_RUNS} cases)`,
    async () => {
      const path = join(dir, 'tokens.json');
      const adapter = new SimpleJSONFileAdapter(path, { resourceServer: 'rs' });
      let replaced = 0;
      await fc.assert(
        fc.asyncProperty(fileBytes, fc.nat(39), async (bytes, dice) => {
          writeFileSync(path, bytes);
          // readTokenData reads through readAsDict, and validates what it returns.
          const data = await settle(() => adapter.readTokenData());
          if (TokenStorageError.isInstance(data)) expect(TokenFileFormatError.isInstance(data)).toBe(true);
          else if (data !== null) expect(TokenStorageData.isInstance(data)).toBe(true);
          expect(readFileSync(path).equals(bytes)).toBe(true);
          // Stores that would write run in a few cases only: each write is fsynced.
          const replaceable = isReplaceable(bytes);
          if (replaceable && dice !== 0) return;
          const stored = await settle(() => adapter.store(response));
          if (replaceable) {
            expect(TokenStorageError.isInstance(stored)).toBe(false);
            expect((await adapter.readTokenData())?.accessToken).toBe('AT');
            replaced += 1;
          } else {
            expect(TokenFileFormatError.isInstance(stored)).toBe(true);
            expect(readFileSync(path).equals(bytes)).toBe(true);
          }
        }),
        { numRuns: FUZZ_RUNS, timeout: CASE_TIMEOUT_MS },
      );
      expect(replaced).toBeGreaterThan(0);
    },
    fuzzTimeout(1),
  );
});

describe('files the fuzzer found mishandled', () => {
  it('a storage file of an unknown format_version (a later Python SDK) is not overwritten', async () => {
    const path = join(dir, 'future.json');
    const text = JSON.stringify({ format_version: '3.0', data: { DEFAULT: { rs: { access_token: 'AT' } } } });
    writeFileSync(path, text);
    expect(
      TokenFileFormatError.isInstance(await settle(() => new SimpleJSONFileAdapter(path, { resourceServer: 'rs' }).store(response))),
    ).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });
});
