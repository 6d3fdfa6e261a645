import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');
/** Folders that are not part of a clone: installs, build output, reports. */
const NOT_IN_A_CLONE = new Set(['.git', 'node_modules', 'dist', 'reports', '.tools', '.data', 'coverage']);
/** Built from parts so that this file does not match itself. */
const OUTSIDE_FOLDER = ['..', 'shared'].join('/');

function* repositoryFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (NOT_IN_A_CLONE.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* repositoryFiles(path);
    else if (entry.isFile()) yield path;
  }
}

describe('the repository stands on its own', () => {
  it('no file refers to a reference folder beside the clone', () => {
    const referring = [...repositoryFiles(ROOT)]
      .filter((path) => !path.endsWith('pnpm-lock.yaml'))
      .filter((path) => readFileSync(path).includes(OUTSIDE_FOLDER))
      .map((path) => relative(ROOT, path));
    expect(referring).toEqual([]);
  });

  it('the Python fixtures the tests read are in the repository', () => {
    const fixtures = readdirSync(join(ROOT, 'fixtures/python')).sort();
    expect(fixtures).toEqual(
      [
        'README.md',
        'behavior.json',
        'expected.json',
        'globus-app-paths.json',
        'legacy_simple.json',
        'tokens.db',
        'v1.json',
        'v1_sqlite.db',
        'v2.json',
      ].sort(),
    );
  });
});
