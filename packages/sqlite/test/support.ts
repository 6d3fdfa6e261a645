import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The files written by the real Python SDK (read-only; copy before opening). */
export const PYTHON_FIXTURES = resolve(__dirname, '../../../fixtures/python');

/** Temporary directories of one test file, removed by {@link TempDirs.removeAll}. */
export class TempDirs {
  private readonly made: string[] = [];

  /** A new empty directory under the system's temporary directory. */
  make(prefix = 'gts-sqlite-'): string {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    this.made.push(dir);
    return dir;
  }

  removeAll(): void {
    for (const dir of this.made.splice(0)) rmSync(dir, { recursive: true, force: true });
  }
}

export { caught } from '@globus-tokenstorage/test-support/thrown';
