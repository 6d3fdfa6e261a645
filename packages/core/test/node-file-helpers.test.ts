import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePrivateDirectory, writeFileAtomic } from '@globus-tokenstorage/core/node';

const modeOf = (path: string) => statSync(path).mode & 0o777;

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

  it('writeFileAtomic leaves the old file when the write fails', async () => {
    const file = join(dir, 'tokens.json');
    writeFileSync(file, 'old');
    await expect(writeFileAtomic(file, 5 as never)).rejects.toThrow();
    expect(readFileSync(file, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['tokens.json']);
  });

  it('ensurePrivateDirectory leaves existing directories as they are', async () => {
    await ensurePrivateDirectory(dir);
    expect(modeOf(dir)).toBe(0o700);
    await ensurePrivateDirectory(join(dir, 'x', 'y'));
    expect(modeOf(join(dir, 'x', 'y'))).toBe(0o700);
  });
});
