import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The Python SDK's files and recorded behaviour, in the repository's `fixtures/python`. */
export const PYTHON_FIXTURES = resolve(__dirname, '../../../../fixtures/python');

/** Parses a JSON fixture. */
export function readFixtureJson<T = unknown>(name: string): T {
  return JSON.parse(readFileSync(join(PYTHON_FIXTURES, name), 'utf8')) as T;
}

/** Recorded error of a Python call in behavior.json. */
export interface RecordedError {
  ok: false;
  error: { type: string; message: string; [key: string]: unknown };
}

/** behavior.json, loosely typed: tests pick the parts they compare with. */
// biome-ignore lint/suspicious/noExplicitAny: recorded JSON of any shape; each test reads the part it compares with
export const behavior = readFixtureJson<Record<string, any>>('behavior.json');
