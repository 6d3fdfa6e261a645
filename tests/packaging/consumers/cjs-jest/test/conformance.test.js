// A plugin author's CommonJS jest project: no jest configuration at all, so no transform reaches
// node_modules. Runs the conformance suite against two published backends.
const { mkdtempSync, rmSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');
const { inspect } = require('node:util');
const { TokenStorageError } = require('@globus-tokenstorage/core');
const { runTokenStorageConformance } = require('@globus-tokenstorage/core/conformance');
const { PRIVATE_FILE_MODE } = require('@globus-tokenstorage/core/node');
const { JSONTokenStorage } = require('@globus-tokenstorage/json');
const { MemoryTokenStorage } = require('@globus-tokenstorage/memory');

test('every entry of core loads', () => {
  expect(typeof TokenStorageError.isInstance).toBe('function');
  expect(PRIVATE_FILE_MODE).toBe(0o600);
});

runTokenStorageConformance(
  { describe, it, expect },
  {
    create: ({ namespace }) => new MemoryTokenStorage({ namespace }),
    inspect,
  },
);

const directory = mkdtempSync(join(tmpdir(), 'gts-cjs-jest-'));
let files = 0;
afterAll(() => rmSync(directory, { recursive: true, force: true }));
runTokenStorageConformance(
  { describe, it, expect },
  {
    create: ({ namespace }) => new JSONTokenStorage(join(directory, `tokens-${++files}.json`), { namespace }),
    reopen: (storage, { namespace }) => new JSONTokenStorage(storage.filepath, { namespace }),
    capabilities: { listNamespaces: true, closeRejectsCalls: true, runExclusive: true },
    inspect,
  },
);
