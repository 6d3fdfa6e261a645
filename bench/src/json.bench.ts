import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '@globus-tokenstorage/core/node';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { namespaceName, rawAtomicWrite, tokenResponse, writeTokenFile } from './fixtures';
import { compare } from './harness';

/**
 * JSONTokenStorage against the raw limit of its file operations on the same file, for a small file
 * (2 namespaces) and one of 1000 namespaces (1.1 MB), 3 resource servers each:
 * - storeTokenResponse (a store that rewrites the file with the same bytes) against the raw durable
 *   replacement of the same bytes: temporary file, fsync, rename, directory fsync (target <= 2x);
 * - getTokenData on an unchanged file against readFileSync + JSON.parse (target <= 1x: the cache
 *   answers after one stat, so it must stay faster than reading the file).
 */
export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gts-bench-json-'));
  try {
    for (const [size, namespaces] of [
      ['small file (2 namespaces)', 2],
      ['1000-namespace file', 1000],
    ] as const) {
      const file = join(dir, `tokens-${namespaces}.json`);
      writeTokenFile(file, namespaces);
      const storage = new JSONTokenStorage(file, { namespace: namespaceName(1) });
      const response = tokenResponse('transfer.api.globus.org');
      await storage.storeTokenResponse(response);
      const bytes = readFileSync(file);
      const copy = join(dir, `copy-${namespaces}.json`);
      rawAtomicWrite(copy, bytes);
      console.log(`\n${size}: ${bytes.length.toLocaleString('en-US')} bytes`);

      await compare(
        `json ${size}: storeTokenResponse`,
        { label: 'raw: temp + write + fsync + rename + dir fsync', fn: () => rawAtomicWrite(copy, bytes) },
        [
          { label: 'JSONTokenStorage.storeTokenResponse', fn: () => storage.storeTokenResponse(response), targetRatio: 2 },
          { label: 'writeFileAtomic of the same bytes', fn: () => writeFileAtomic(copy, bytes) },
        ],
        // fsync times drift with the other work on the disk: more samples keep the median steady.
        { timeMs: 4000 },
      );
      if (!readFileSync(file).equals(bytes)) throw new Error('storeTokenResponse changed the bytes of the file');
      await compare(
        `json ${size}: getTokenData (unchanged file)`,
        { label: 'readFileSync + JSON.parse', fn: () => JSON.parse(readFileSync(file, 'utf8')) },
        [{ label: 'JSONTokenStorage.getTokenData', fn: () => storage.getTokenData('transfer.api.globus.org'), targetRatio: 1 }],
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
