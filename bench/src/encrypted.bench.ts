import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenStorageData, type TokenStorageLike } from '@globus-tokenstorage/core';
import { EncryptedTokenStorage, EnvironmentKeyProvider } from '@globus-tokenstorage/encrypted';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { compare } from './harness';

const RS = 'transfer.api.globus.org';

function entry(): TokenStorageData {
  return new TokenStorageData({
    resourceServer: RS,
    identityId: '11111111-2222-4333-8444-555555555555',
    scope: 'urn:globus:auth:scope:transfer.api.globus.org:all',
    accessToken: 'AT-bench-0123456789abcdefghijklmnopqrstuvwxyz',
    refreshToken: 'RT-bench-0123456789abcdefghijklmnopqrstuvwxyz',
    expiresAtSeconds: 2000000000,
    tokenType: 'Bearer',
  });
}

/**
 * EncryptedTokenStorage against the storage it wraps, doing the same call on its own copy of the
 * same data:
 * - getTokenData of an unchanged entry (target <= 1.3x): decrypted values are cached by ciphertext;
 * - storeTokenDataByResourceServer of one entry on a JSON file (target <= 1.2x): two AES-GCM
 *   encryptions beside a durable file replacement.
 */
export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gts-bench-encrypted-'));
  const keys = new EnvironmentKeyProvider({ variable: 'BENCH_KEY', env: { BENCH_KEY: Buffer.alloc(32, 7).toString('base64') } });
  const opened: TokenStorageLike[] = [];
  const pair = async (name: string, make: (suffix: string) => TokenStorageLike) => {
    const plain = make('plain');
    const encrypted = new EncryptedTokenStorage(make('encrypted'), { keys });
    opened.push(plain, encrypted);
    await plain.storeTokenDataByResourceServer({ [RS]: entry() });
    await encrypted.storeTokenDataByResourceServer({ [RS]: entry() });
    return { name, plain, encrypted };
  };
  try {
    const pairs = [
      await pair('JSON', (suffix) => new JSONTokenStorage(join(dir, `tokens-${suffix}.json`))),
      await pair('SQLite', (suffix) => new SQLiteTokenStorage(join(dir, `tokens-${suffix}.db`))),
      await pair('memory', () => new MemoryTokenStorage()),
    ];
    for (const { name, plain, encrypted } of pairs) {
      await compare(
        `encrypted around ${name}: getTokenData (unchanged entry)`,
        { label: `${name} getTokenData`, fn: () => plain.getTokenData(RS) },
        // Memory returns fresh objects on every read, so the wrapper builds a new entry each time (informative).
        [
          {
            label: `EncryptedTokenStorage(${name}).getTokenData`,
            fn: () => encrypted.getTokenData(RS),
            ...(name === 'memory' ? {} : { targetRatio: 1.3 }),
          },
        ],
      );
    }
    const [json] = pairs;
    const data = { [RS]: entry() };
    await compare(
      'encrypted around JSON: storeTokenDataByResourceServer',
      { label: 'JSON storeTokenDataByResourceServer', fn: () => json!.plain.storeTokenDataByResourceServer(data) },
      [
        {
          label: 'EncryptedTokenStorage(JSON).storeTokenDataByResourceServer',
          fn: () => json!.encrypted.storeTokenDataByResourceServer(data),
          targetRatio: 1.2,
        },
      ],
      { timeMs: 4000 },
    );
  } finally {
    for (const storage of opened) await storage.close?.();
    rmSync(dir, { recursive: true, force: true });
  }
}
