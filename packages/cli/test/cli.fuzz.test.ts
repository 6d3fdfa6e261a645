import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { ExitCodes, runCli } from '@globus-tokenstorage/cli';
import {
  applyByteMutations,
  applyJSONMutations,
  byteMutations,
  CASE_TIMEOUT_MS,
  FUZZ_RUNS,
  fuzzTimeout,
  jsonMutations,
  jsonText,
  tokenFileDocument,
} from '@globus-tokenstorage/test-support/fuzz';

const FIXTURES = resolve(__dirname, '../../../fixtures/python');
const JSON_SEEDS = ['v2.json', 'v1.json', 'legacy_simple.json'].map((name) => readFileSync(join(FIXTURES, name)));
const PARSED_SEEDS = JSON_SEEDS.map((bytes) => JSON.parse(bytes.toString('utf8')) as unknown);
const SQLITE_SEEDS = ['tokens.db', 'v1_sqlite.db'].map((name) => readFileSync(join(FIXTURES, name)));
const MAGIC = Buffer.from('SQLite format 3\u0000', 'latin1');

/** Bytes to write, with a description for counterexamples. */
interface FileInput {
  bytes: Buffer;
}

function fileInput(label: string, bytes: Buffer): FileInput {
  const shown = `${label}: ${bytes.length} bytes ${bytes.subarray(0, 160).toString(bytes.subarray(0, 16).equals(MAGIC) ? 'hex' : 'utf8')}`;
  return Object.assign({ bytes }, { [fc.toStringMethod]: () => shown });
}

/** Token files of every kind the CLI reads, intact, mutated or not token files at all. */
const fileBytes: fc.Arbitrary<FileInput> = fc.oneof(
  fc.uint8Array({ maxLength: 200 }).map((bytes) => fileInput('bytes', Buffer.from(bytes))),
  fc.tuple(fc.jsonValue(), fc.boolean()).map(([value, indented]) => fileInput('json', jsonText(value, indented))),
  fc.tuple(tokenFileDocument, fc.boolean()).map(([document, indented]) => fileInput('token file', jsonText(document, indented))),
  fc
    .tuple(fc.nat(JSON_SEEDS.length - 1), byteMutations)
    .map(([index, mutations]) => fileInput('mutated json', applyByteMutations(JSON_SEEDS[index] as Buffer, mutations))),
  fc
    .tuple(fc.nat(PARSED_SEEDS.length - 1), jsonMutations, fc.boolean())
    .map(([index, mutations, indented]) =>
      fileInput('restructured json', jsonText(applyJSONMutations(PARSED_SEEDS[index], mutations), indented)),
    ),
  fc
    .tuple(fc.nat(SQLITE_SEEDS.length - 1), byteMutations)
    .map(([index, mutations]) => fileInput('mutated sqlite', applyByteMutations(SQLITE_SEEDS[index] as Buffer, mutations))),
  fc.nat(SQLITE_SEEDS.length - 1).map((index) => fileInput('sqlite', SQLITE_SEEDS[index] as Buffer)),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => fileInput('magic and bytes', Buffer.concat([MAGIC, bytes]))),
);

/** Namespace and resource server arguments (not starting with `-`, which would make them options). */
const name = fc.oneof(
  fc.constantFrom('DEFAULT', 'userapp', 'transfer.api.globus.org', 'auth.globus.org'),
  fc.string({ minLength: 1, maxLength: 6 }).filter((text) => !text.startsWith('-')),
);

/** The command lines run on the file (`FILE` is replaced by its path); `changes` marks those that may write. */
interface CommandLine {
  args: string[];
  changes: boolean;
  codes: readonly number[];
}

const commandLine: fc.Arbitrary<CommandLine> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.tuple(fc.boolean(), fc.option(name, { nil: undefined })).map(
      ([json, namespace]): CommandLine => ({
        args: ['list', 'FILE', ...(json ? ['--json'] : []), ...(namespace === undefined ? [] : ['--namespace', namespace])],
        changes: false,
        // 1: some entries are invalid (listed as such, with the others); 5: the namespace named is not in the file.
        codes: [ExitCodes.OK, ExitCodes.PROBLEMS_FOUND, ExitCodes.BAD_FILE, ...(namespace === undefined ? [] : [ExitCodes.NOT_FOUND])],
      }),
    ),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(name, name, fc.boolean()).map(
      ([namespace, resourceServer, json]): CommandLine => ({
        args: ['show', 'FILE', namespace, resourceServer, ...(json ? ['--json'] : [])],
        changes: false,
        codes: [ExitCodes.OK, ExitCodes.BAD_FILE, ExitCodes.NOT_FOUND],
      }),
    ),
  },
  {
    weight: 3,
    arbitrary: fc.boolean().map(
      (json): CommandLine => ({
        args: ['check', 'FILE', ...(json ? ['--json'] : [])],
        changes: false,
        codes: [ExitCodes.OK, ExitCodes.PROBLEMS_FOUND],
      }),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.tuple(name, name).map(
      ([namespace, resourceServer]): CommandLine => ({
        args: ['remove', 'FILE', namespace, resourceServer],
        changes: true,
        codes: [ExitCodes.OK, ExitCodes.BAD_FILE, ExitCodes.NOT_FOUND, ExitCodes.REFUSED],
      }),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constant<CommandLine>({ args: ['migrate', 'FILE'], changes: true, codes: [ExitCodes.OK, ExitCodes.BAD_FILE] }),
  },
);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gts-cli-fuzz-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('fuzzing globus-tokens (runCli on arbitrary files: an exit code of its table, never a crash)', () => {
  it(
    `list, show, check, remove and migrate arbitrary files (${FUZZ_RUNS} cases)`,
    async () => {
      const path = join(dir, 'tokens');
      const seen = new Set<number>();
      await fc.assert(
        fc.asyncProperty(fileBytes, commandLine, async ({ bytes }, command) => {
          for (const entry of readdirSync(dir)) rmSync(join(dir, entry), { force: true });
          writeFileSync(path, bytes, { mode: 0o600 });
          const out: string[] = [];
          const err: string[] = [];
          const code = await runCli(
            command.args.map((arg) => (arg === 'FILE' ? path : arg)),
            { stdout: (text) => out.push(text), stderr: (text) => err.push(text), now: () => 2_000_000_000 },
          );
          seen.add(code);
          // Each command has its own codes: 1 means "problems found" only for check and list; elsewhere
          // it would be an error the CLI did not expect (a raw TypeError, RangeError…).
          expect({ allowed: command.codes.includes(code), code, stderr: err }).toEqual({ allowed: true, code, stderr: err });
          if (code === ExitCodes.OK || code === ExitCodes.PROBLEMS_FOUND) expect(err).toEqual([]);
          else expect(err).toHaveLength(1);
          if (command.args[0] === 'list' && code === ExitCodes.PROBLEMS_FOUND) expect(out.join('\n')).toMatch(/INVALID|"invalid": \[\n/);
          if (command.args.includes('--json') && code === ExitCodes.OK) expect(() => JSON.parse(out.join('\n'))).not.toThrow();
          // A file that cannot be read is never changed. (A removal that finds nothing may still upgrade
          // the file: a 1.0 JSON file to 2.0 as in Python, a SQLite file to WAL mode.)
          if (!command.changes || (code !== ExitCodes.OK && code !== ExitCodes.NOT_FOUND))
            expect(readFileSync(path).equals(bytes)).toBe(true);
          // Inspection leaves nothing behind, not even the -wal/-shm files of a read-only SQLite connection.
          expect(
            readdirSync(dir).filter((entry) => entry !== 'tokens' && (command.changes ? !/^tokens-(wal|shm)$/.test(entry) : true)),
          ).toEqual([]);
        }),
        { numRuns: FUZZ_RUNS, timeout: CASE_TIMEOUT_MS },
      );
      expect([...seen].sort()).toEqual(
        expect.arrayContaining([ExitCodes.OK, ExitCodes.PROBLEMS_FOUND, ExitCodes.BAD_FILE, ExitCodes.NOT_FOUND]),
      );
    },
    fuzzTimeout(2),
  );
});

describe('files the fuzzer found mishandled', () => {
  const CANARY = 'CANARY-cli-5e1d';
  async function run(...args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(args, { stdout: (text) => out.push(text), stderr: (text) => err.push(text), now: () => 2_000_000_000 });
    return { code, out: out.join('\n'), err: err.join('\n') };
  }
  function write(content: unknown): string {
    const path = join(dir, 'found.json');
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content), { mode: 0o600 });
    return path;
  }
  afterEach(() => rmSync(join(dir, 'found.json'), { force: true }));

  it('migrate of a file that is not JSON exits 4 without quoting the file (V8 parse errors do)', async () => {
    const text = `{"format_version": "1.0", "by_rs": {"rs": {"access_token": "${CANARY}" x}}}`;
    const path = write(text);
    const result = await run('migrate', path);
    expect(result.code).toBe(ExitCodes.BAD_FILE);
    expect(`${result.out}${result.err}`).not.toContain(CANARY);
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect((await run('migrate', write('null'))).code).toBe(ExitCodes.BAD_FILE);
  });

  it('migrate of a file holding a number beyond the double range exits 4 and leaves the file as it was', async () => {
    const text = readFileSync(join(FIXTURES, 'v1.json'), 'utf8').replace('"token_type": "Bearer"', '"token_type": 1e999');
    const path = write(text);
    const result = await run('migrate', path);
    expect(result.code).toBe(ExitCodes.BAD_FILE);
    expect(result.err).toContain('too large for JSON');
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('list and show a token that expires past the range of a JavaScript Date', async () => {
    const entry = { resource_server: 'rs', scope: 's', access_token: CANARY, expires_at_seconds: Number.MAX_SAFE_INTEGER };
    const path = write({ data: { DEFAULT: { rs: entry } }, format_version: '2.0', 'globus-sdk.version': '4.9.0' });
    const listed = await run('list', path, '--json');
    expect(listed.code).toBe(ExitCodes.OK);
    expect(JSON.parse(listed.out).tokens[0]).toMatchObject({ expiresAtSeconds: Number.MAX_SAFE_INTEGER, expiresAt: null });
    const shown = await run('show', path, 'DEFAULT', 'rs');
    expect(shown.code).toBe(ExitCodes.OK);
    expect(shown.out).toMatch(/expires\s+9007199254740991 \(epoch seconds\)/);
  });

  it('a namespace with the empty name, which no storage can open, is not listed', async () => {
    const entry = { resource_server: 'rs', scope: 's', access_token: CANARY, expires_at_seconds: 1 };
    const path = write({ data: { '': { rs: entry }, DEFAULT: { rs: entry } }, format_version: '2.0', 'globus-sdk.version': '4.9.0' });
    const listed = await run('list', path, '--json');
    expect(listed.code).toBe(ExitCodes.OK);
    expect(JSON.parse(listed.out).namespaces).toEqual(['DEFAULT']);
  });
});
