import { execFileSync, spawn } from 'node:child_process';
import {
  chmodSync,
  closeSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ExitCodes } from '@globus-tokenstorage/cli';
import { BIN, requireBuiltCli, runBuiltCli } from './run-built-cli';
import { canRead, NOBODY } from '@globus-tokenstorage/test-support/unprivileged';

const FIXTURES = resolve(__dirname, '../../../fixtures/python');
const README = resolve(__dirname, '../README.md');

let dir: string;
beforeAll(requireBuiltCli);
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gts-cli-errors-'));
  for (const file of ['v2.json', 'tokens.db']) {
    copyFileSync(join(FIXTURES, file), join(dir, file));
    chmodSync(join(dir, file), 0o600);
  }
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const run = (...args: string[]) => runBuiltCli(args, { cwd: dir });

/** The `{"error": …}` line that `--json` prints on stderr. */
const jsonError = (stderr: string) => (JSON.parse(stderr) as { error: { code: string; exitCode: number; message: string } }).error;

describe('globus-tokens and its output streams', () => {
  it('ends quietly, with the exit code of the command, when the reader of stdout is gone (| head)', async () => {
    for (const args of [['list', 'v2.json'], ['check', 'v2.json', '--json'], ['--help']]) {
      const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      // Closed before the child writes: its first write fails with EPIPE.
      child.stdout.destroy();
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      expect([args, code, stderr]).toEqual([args, 0, '']);
    }
  });

  it('says in one line that the output cannot be written to a full disk, and exits OUTPUT_FAILED', () => {
    const full = openSync('/dev/full', 'w');
    try {
      const text = runBuiltCli(['list', 'v2.json'], { cwd: dir, stdio: ['ignore', full, 'pipe'] });
      expect([text.code, text.stderr]).toEqual([
        ExitCodes.OUTPUT_FAILED,
        'globus-tokens: cannot write the output: no space left on the device (ENOSPC)\n',
      ]);
      const json = runBuiltCli(['show', 'v2.json', 'DEFAULT', 'auth.globus.org', '--json'], { cwd: dir, stdio: ['ignore', full, 'pipe'] });
      expect([json.code, jsonError(json.stderr)]).toEqual([
        ExitCodes.OUTPUT_FAILED,
        { code: 'OUTPUT_FAILED', exitCode: 8, message: expect.stringContaining('(ENOSPC)') },
      ]);
    } finally {
      closeSync(full);
    }
  });
});

describe('globus-tokens reports file-system errors as the library does', () => {
  it.each([
    ['a directory', (path: string) => mkdirSync(path), 'it is a directory (EISDIR)'],
    ['a FIFO', (path: string) => execFileSync('mkfifo', [path]), 'it is not a regular file but a FIFO (named pipe) (EFTYPE)'],
    [
      'a loop of symbolic links',
      (path: string) => {
        symlinkSync(`${path}.other`, path);
        symlinkSync(path, `${path}.other`);
      },
      'too many levels of symbolic links (ELOOP)',
    ],
  ])('%s exists but cannot be read: exit 4, TOKEN_FILE_ACCESS', (_what, make, meaning) => {
    make(join(dir, 'tokens.json'));
    for (const args of [
      ['list', 'tokens.json'],
      ['check', 'tokens.json'],
      ['show', 'tokens.json', 'DEFAULT', 'rs'],
      ['migrate', 'tokens.json'],
    ]) {
      const result = run(...args, '--json');
      expect([args, result.code, jsonError(result.stderr)]).toEqual([
        args,
        ExitCodes.BAD_FILE,
        { code: 'TOKEN_FILE_ACCESS', exitCode: 4, message: `cannot read the token file 'tokens.json': ${meaning}` },
      ]);
    }
  });

  it('a missing file, or a dangling symbolic link, is still "no such file" (exit 3)', () => {
    symlinkSync(join(dir, 'gone.json'), join(dir, 'dangling.json'));
    for (const file of ['missing.json', 'dangling.json']) {
      const result = run('list', file);
      expect([result.code, result.stderr]).toEqual([ExitCodes.FILE_NOT_FOUND, `globus-tokens: no such file: '${file}'\n`]);
    }
  });

  // Only root may switch users, and `nobody` must be able to read the checkout (not a clone inside a 0700 directory).
  (NOBODY !== null && canRead(BIN, NOBODY) ? it : it.skip)(
    'a file this user may not read, or in a directory it may not enter, is TOKEN_FILE_ACCESS (exit 4), run as nobody [needs root to switch users]',
    () => {
      const nobody = { uid: Number(execFileSync('id', ['-u', 'nobody'])), gid: Number(execFileSync('id', ['-g', 'nobody'])) };
      // mkdtemp makes the directory 0700: let nobody in, to meet the file (0600, root's) and the closed directory.
      chmodSync(dir, 0o755);
      mkdirSync(join(dir, 'closed'), { mode: 0o700 });
      copyFileSync(join(dir, 'v2.json'), join(dir, 'closed', 'v2.json'));
      for (const file of ['v2.json', 'tokens.db', join('closed', 'v2.json')]) {
        for (const command of ['list', 'check']) {
          const result = runBuiltCli([command, file, '--json'], { cwd: dir, ...nobody });
          expect([command, file, result.code, jsonError(result.stderr)]).toEqual([
            command,
            file,
            ExitCodes.BAD_FILE,
            { code: 'TOKEN_FILE_ACCESS', exitCode: 4, message: `cannot read the token file '${file}': permission denied (EACCES)` },
          ]);
        }
      }
      // convert cannot see whether the destination exists in a directory it may not enter: that is no "does not exist".
      const converted = runBuiltCli(['convert', 'v2.json', join('closed', 'copy.json'), '--json'], { cwd: dir, ...nobody });
      expect(converted.code).toBe(ExitCodes.BAD_FILE);
    },
  );

  it('a SQLite driver that does not load (a native module for another system) says how to rebuild it: exit 7', () => {
    // A real failed dlopen: better-sqlite3's own module, marked as built for another machine (ELF
    // e_machine = AArch64), loaded in its place by a preload that redirects only this one file.
    const nativeModule = createRequire(resolve(__dirname, '../../sqlite/package.json')).resolve(
      'better-sqlite3/build/Release/better_sqlite3.node',
    );
    const foreign = readFileSync(realpathSync(nativeModule));
    foreign.writeUInt16LE(183, 18);
    mkdirSync(join(dir, 'other-system'));
    writeFileSync(join(dir, 'other-system', 'better_sqlite3.node'), foreign);
    writeFileSync(
      join(dir, 'redirect.cjs'),
      `const dlopen = process.dlopen;
process.dlopen = (module, filename, ...rest) => dlopen(module, filename.endsWith('better_sqlite3.node') ? ${JSON.stringify(join(dir, 'other-system', 'better_sqlite3.node'))} : filename, ...rest);\n`,
    );
    for (const command of ['list', 'check', 'show']) {
      const args = command === 'show' ? ['show', 'tokens.db', 'DEFAULT', 'auth.globus.org'] : [command, 'tokens.db'];
      const result = runBuiltCli([...args, '--json'], { cwd: dir, nodeOptions: ['--require', join(dir, 'redirect.cjs')] });
      expect([command, result.code, result.stdout]).toEqual([command, ExitCodes.STORE_UNAVAILABLE, '']);
      expect(jsonError(result.stderr)).toEqual({
        code: 'STORE_UNAVAILABLE',
        exitCode: 7,
        message: expect.stringMatching(
          /^the SQLite driver cannot be loaded: better-sqlite3's native module better_sqlite3\.node does not load: .*\(ERR_DLOPEN_FAILED\)\. Rebuild it .*'npm rebuild better-sqlite3'/,
        ),
      });
    }
  });
});

describe('globus-tokens documents what it does', () => {
  it("convert --help says that the destination's directory must exist unless --parents is given", () => {
    const help = run('convert', '--help').stdout.replace(/\s+/g, ' ');
    expect(help).toContain('The destination must not exist; its directory must exist, unless --parents is given');
    expect(help).not.toContain('neither its directory');
  });

  it("the README's table of exit codes, and --help, list exactly the exported ExitCodes", () => {
    const section = /## Exit codes\n([\s\S]*?)\n## /.exec(readFileSync(README, 'utf8'))?.[1] ?? '';
    const rows = [...section.matchAll(/^\| (\d+) \| `([A-Z_]+)` \|/gm)].map((match) => [match[2], Number(match[1])]);
    expect(rows).toEqual(Object.entries(ExitCodes));
    const listed = /Exit codes: (.*)\./.exec(run('--help').stdout)?.[1];
    expect(listed?.split(', ').map((entry) => Number(entry.split(' ')[0]))).toEqual(Object.values(ExitCodes));
  });
});
