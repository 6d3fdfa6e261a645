import { createHash } from 'node:crypto';

/**
 * The key of a PostgreSQL advisory lock (a signed 64-bit integer, as decimal text for a `$n::bigint`
 * parameter) for a name made of `parts`: the first 8 bytes of their SHA-256. Advisory locks are one
 * namespace per database, shared with other applications; a collision of 64-bit hashes would only
 * make two unrelated sections exclude each other.
 *
 * @param parts - What identifies the lock, e.g. the table and the section's key.
 * @returns The key.
 */
export function advisoryKey(...parts: string[]): string {
  const digest = createHash('sha256')
    .update(JSON.stringify(['globus-tokenstorage', ...parts]))
    .digest();
  return digest.readBigInt64BE(0).toString();
}
