import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError } from '@globus-tokenstorage/core';
import { ensurePrivateDirectory, removeAbandonedTemporaryFiles, writeFileAtomic } from '@globus-tokenstorage/core/node';

const modeOf = (path: string) => statSync(path).mode & 0o777;
/** The module object itself (what the compiled helpers call into), not an import's read-only copy. */
const fs = require('node:fs') as typeof import('node:fs');

describe('node file helpers', () => {
  let dir: string;
  let umask: number;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'gts-core-node-'));
    umask = process.umask(0);
  });
  afterEach(() => {
    process.umask(umask);
    rmSync(dir, { recursive: true, force: true });
  });

  it('writeFileAtomic creates the file 0600 and missing parents 0700 under umask 0', async () => {
    const file = join(dir, 'a', 'b', 'tokens.json');
    await writeFileAtomic(file, '{"x": 1}');
    expect(readFileSync(file, 'utf8')).toBe('{"x": 1}');
    expect(modeOf(file)).toBe(0o600);
    expect(modeOf(join(dir, 'a'))).toBe(0o700);
    expect(modeOf(join(dir, 'a', 'b'))).toBe(0o700);
  });

  it('writeFileAtomic replaces the content, tightens a 0644 file to 0600 and leaves no temporary files', async () => {
    const file = join(dir, 'tokens.json');
    writeFileSync(file, 'old', { mode: 0o644 });
    await writeFileAtomic(file, new TextEncoder().encode('new'));
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(modeOf(file)).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['tokens.json']);
  });

  it('writeFileAtomic writes through a symbolic link to its target', async () => {
    const target = join(dir, 'real.json');
    const link = join(dir, 'link.json');
    writeFileSync(target, 'old');
    symlinkSync(target, link);
    await writeFileAtomic(link, 'new');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, 'utf8')).toBe('new');
  });

  it('writeFileAtomic writes through a linked directory and a chain of links into the real file', async () => {
    mkdirSync(join(dir, 'real'));
    symlinkSync(join(dir, 'real'), join(dir, 'linked-dir'));
    symlinkSync(join(dir, 'real', 'tokens.json'), join(dir, 'real', 'first-link.json'));
    symlinkSync(join(dir, 'linked-dir', 'first-link.json'), join(dir, 'second-link.json'));
    await writeFileAtomic(join(dir, 'linked-dir', 'tokens.json'), 'one');
    await writeFileAtomic(join(dir, 'second-link.json'), 'two');
    expect(readFileSync(join(dir, 'real', 'tokens.json'), 'utf8')).toBe('two');
    expect(lstatSync(join(dir, 'linked-dir')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(dir, 'second-link.json')).isSymbolicLink()).toBe(true);
    expect(readdirSync(join(dir, 'real')).sort()).toEqual(['first-link.json', 'tokens.json']);
  });

  it('writeFileAtomic leaves the old file when the write fails', async () => {
    const file = join(dir, 'tokens.json');
    writeFileSync(file, 'old');
    await expect(writeFileAtomic(file, 5 as never)).rejects.toThrow();
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['tokens.json']);
  });

  it('writeFileAtomic writes chunks in order, across several writev batches and empty chunks', async () => {
    const file = join(dir, 'tokens.json');
    const chunks = Array.from({ length: 2500 }, (_, index) => Buffer.from(index % 7 === 0 ? '' : `${index},`));
    await writeFileAtomic(file, chunks);
    expect(readFileSync(file)).toEqual(Buffer.concat(chunks));
    expect(readdirSync(dir)).toEqual(['tokens.json']);
  });

  it('writeFileAtomic writes a file over 64 KiB (flushed off the event loop) whole and 0600', async () => {
    const file = join(dir, 'tokens.json');
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 5, 'x');
    await writeFileAtomic(file, [bytes.subarray(0, 1000), bytes.subarray(1000)]);
    expect(readFileSync(file).equals(bytes)).toBe(true);
    expect(modeOf(file)).toBe(0o600);
  });

  it('writeFileAtomic gives the file 0600 even when the umask removes owner permissions', async () => {
    process.umask(0o277);
    const file = join(dir, 'tokens.json');
    await writeFileAtomic(file, 'x');
    expect(modeOf(file)).toBe(0o600);
  });

  it('writeFileAtomic rejects data that is not text or bytes with InvalidArgumentError and creates nothing', async () => {
    const error = await writeFileAtomic(join(dir, 'tokens.json'), [Buffer.from('a'), 'b'] as never).catch((caught: unknown) => caught);
    expect(InvalidArgumentError.isInstance(error)).toBe(true);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('removeAbandonedTemporaryFiles removes the temporary file of a writer stopped before its rename, and nothing else', async () => {
    const file = join(dir, 'tokens.json');
    writeFileSync(file, 'old');
    // A writer killed between writing its temporary file and renaming it: the rename never happens, nor the clean-up.
    const rename = jest.spyOn(fs, 'renameSync').mockImplementation(() => {
      throw Object.assign(new Error('killed'), { code: 'EIO' });
    });
    const unlink = jest.spyOn(fs, 'unlinkSync').mockImplementation(() => undefined);
    try {
      await expect(writeFileAtomic(file, 'new')).rejects.toThrow();
    } finally {
      rename.mockRestore();
      unlink.mockRestore();
    }
    const others = [
      'tokens.json.lock',
      '.tokens.json.lock.0123456789ab.tmp',
      '.other.json.0123456789ab.tmp',
      '.tokens.json.0123456789ab.tmp.keep',
      '.tokens.json.xyz.tmp',
    ];
    for (const name of others) writeFileSync(join(dir, name), 'x');
    const leftovers = readdirSync(dir).filter((name) => !others.includes(name) && name !== 'tokens.json');
    expect(leftovers).toHaveLength(1);
    removeAbandonedTemporaryFiles(file);
    expect(readdirSync(dir).sort()).toEqual([...others, 'tokens.json'].sort());
    expect(readFileSync(file, 'utf8')).toBe('old');
  });

  it('ensurePrivateDirectory leaves existing directories as they are', async () => {
    await ensurePrivateDirectory(dir);
    expect(modeOf(dir)).toBe(0o700);
    await ensurePrivateDirectory(join(dir, 'x', 'y'));
    expect(modeOf(join(dir, 'x', 'y'))).toBe(0o700);
  });
});
