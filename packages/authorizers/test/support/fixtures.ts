import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The Python SDK's recorded behaviour, in the repository's `fixtures/python`. */
const BEHAVIOR_PATH = resolve(__dirname, '../../../../fixtures/python/behavior.json');

/** behavior.json, loosely typed: tests pick the parts they compare with. */
// biome-ignore lint/suspicious/noExplicitAny: recorded JSON of any shape; each test reads the part it compares with
export const behavior = JSON.parse(readFileSync(BEHAVIOR_PATH, 'utf8')) as Record<string, any>;

/** The client IDs and secret the Python recordings used. */
export const NATIVE_CLIENT_ID = '5c2f2a8e-0000-4000-8000-00000000c11e';
export const CONFIDENTIAL_CLIENT_ID = 'cc000000-0000-4000-8000-0000000000cc';
export const CONFIDENTIAL_CLIENT_SECRET = 'fake-secret:with/odd+chars=';
