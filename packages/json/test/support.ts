import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { version } from '../package.json';

/** Files written by the real Python SDK (read-only; tests copy them before use). */
export const PYTHON_FIXTURES = resolve(__dirname, '../../../fixtures/python');

/** What our files carry as `"globus-sdk.version"`. */
export const WRITER = `@globus-tokenstorage/json ${version}`;

/** The Python SDK's recorded behaviour (`behavior.json`). */
// biome-ignore lint/suspicious/noExplicitAny: recorded JSON of any shape; each test reads the part it compares with
export const behavior = JSON.parse(readFileSync(join(PYTHON_FIXTURES, 'behavior.json'), 'utf8')) as Record<string, any>;

/** The text of a Python fixture file. */
export function fixtureText(name: string): string {
  return readFileSync(join(PYTHON_FIXTURES, name), 'utf8');
}

/** Copies a Python fixture into `dir` and returns the copy's path. */
export function copyFixture(name: string, dir: string): string {
  const target = join(dir, name);
  copyFileSync(join(PYTHON_FIXTURES, name), target);
  return target;
}

/** Python's bytes with its `"globus-sdk.version"` value replaced by ours. */
export function withOurVersion(pythonText: string): string {
  const replaced = pythonText.replace('"globus-sdk.version": "4.9.0"', `"globus-sdk.version": ${JSON.stringify(WRITER)}`);
  if (replaced === pythonText) throw new Error('the Python text has no "globus-sdk.version": "4.9.0"');
  return replaced;
}

/** A temporary directory removed by the returned function. */
export function temporaryDirectory(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
