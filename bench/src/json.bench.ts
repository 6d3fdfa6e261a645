import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OAuthTokenResponse, TokenStorageData } from '@globus-tokenstorage/core';
import { writeFileAtomic } from '@globus-tokenstorage/core/node';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { compare } from './harness';

const NOW = 2_000_000_000;

function tokenData(resourceServer: string): TokenStorageData {
  return new TokenStorageData({
    resourceServer,
    identityId: '11111111-2222-4333-8444-555555555555',
    scope: `urn:globus:auth:scope:${resourceServer}:all`,
    accessToken: `AT-${resourceServer}-0123456789abcdef0123456789abcdef`,
    refreshToken: `RT-${resourceServer}-0123456789abcdef0123456789abcdef`,
    expiresAtSeconds: NOW + 172_800,
    tokenType: 'Bearer',
  });
}

/** A token response for one resource server; with a fixed clock, storing it again writes the same bytes. */
function tokenResponse(resourceServer: string): OAuthTokenResponse {
  const data = tokenData(resourceServer);
  return OAuthTokenResponse.fromJSON(
    {
      access_token: data.accessToken,
      refresh_token: data.refreshToken,
      expires_in: 172_800,
      resource_server: resourceServer,
      scope: data.scope,
      token_type: 'Bearer',
      other_tokens: [],
    },
    { now: () => NOW },
  );
}

/**
 * JSONTokenStorage against the raw cost of its file operations on the same file, for a small file
 * (2 namespaces x 2 resource servers) and a large one (1000 namespaces x 3):
 * - getTokenData on an unchanged file against readFileSync + JSON.parse (target <= 1.5x);
 * - storeTokenResponse against writeFileAtomic of the same bytes (target <= 2x).
 */
export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gts-bench-json-'));
  try {
    for (const [size, namespaceCount, perNamespace] of [
      ['small file (2 namespaces x 2)', 2, 2],
      ['large file (1000 namespaces x 3)', 1000, 3],
    ] as const) {
      const file = join(dir, `tokens-${namespaceCount}.json`);
      for (let namespace = 0; namespace < namespaceCount; namespace += 1) {
        const entries: Record<string, TokenStorageData> = {};
        for (let index = 0; index < perNamespace; index += 1) entries[`rs-${index}.example.org`] = tokenData(`rs-${index}.example.org`);
        await new JSONTokenStorage(file, { namespace: `namespace-${namespace}` }).storeTokenDataByResourceServer(entries);
      }
      const storage = new JSONTokenStorage(file, { namespace: 'namespace-1' });
      const response = tokenResponse('rs-1.example.org');
      await storage.storeTokenResponse(response);
      const bytes = readFileSync(file);
      const copy = join(dir, `copy-${namespaceCount}.json`);
      await writeFileAtomic(copy, bytes);
      console.log(`\n${size}: ${bytes.length.toLocaleString('en-US')} bytes`);

      await compare(
        `json ${size}: getTokenData (unchanged file)`,
        { label: 'readFileSync + JSON.parse', fn: () => JSON.parse(readFileSync(file, 'utf8')) },
        [{ label: 'JSONTokenStorage.getTokenData', fn: () => storage.getTokenData('rs-1.example.org'), targetRatio: 1.5 }],
      );
      await compare(
        `json ${size}: storeTokenResponse`,
        { label: 'writeFileAtomic of the same bytes', fn: () => writeFileAtomic(copy, bytes) },
        [{ label: 'JSONTokenStorage.storeTokenResponse', fn: () => storage.storeTokenResponse(response), targetRatio: 2 }],
      );
      if (!readFileSync(file).equals(bytes)) throw new Error('storeTokenResponse changed the bytes of the file');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
