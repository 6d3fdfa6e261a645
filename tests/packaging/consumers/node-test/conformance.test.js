// The same suite under node:test, with the four-line expect adapter of core's README.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { runTokenStorageConformance } from '@globus-tokenstorage/core/conformance';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';

const expect = (actual) => ({
  toBe: (expected) => assert.equal(actual, expected),
  toEqual: (expected) => assert.deepEqual(actual, expected),
  not: { toBe: (expected) => assert.notEqual(actual, expected), toEqual: (expected) => assert.notDeepEqual(actual, expected) },
});

runTokenStorageConformance(
  { describe, it, expect },
  {
    create: ({ namespace }) => new MemoryTokenStorage({ namespace }),
    inspect,
  },
);

const directory = mkdtempSync(join(tmpdir(), 'gts-node-test-'));
let files = 0;
after(() => rmSync(directory, { recursive: true, force: true }));
runTokenStorageConformance(
  { describe, it, expect },
  {
    create: ({ namespace }) => new JSONTokenStorage(join(directory, `tokens-${++files}.json`), { namespace }),
    reopen: (storage, { namespace }) => new JSONTokenStorage(storage.filepath, { namespace }),
    capabilities: { listNamespaces: true, closeRejectsCalls: true, runExclusive: true },
    inspect,
  },
);
