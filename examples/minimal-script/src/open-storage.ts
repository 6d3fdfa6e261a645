import { join } from 'node:path';
import type { TokenStorageLike } from '@globus-tokenstorage/core';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
import { PostgresTokenStorage } from '@globus-tokenstorage/postgres';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import type { ExampleOptions } from './options';

/** The chosen token storage and where it keeps the tokens. */
export function openStorage(options: ExampleOptions, dataDir: string): { storage: TokenStorageLike; location: string } {
  if (options.storage === 'memory') return { storage: new MemoryTokenStorage(), location: 'memory (forgotten when the process ends)' };
  if (options.storage === 'postgres') {
    // The table is created on first use; close() ends the pool made from the URL.
    const url = options.postgresUrl as string;
    return { storage: new PostgresTokenStorage(url), location: withoutPassword(url) };
  }
  const file = options.file ?? join(dataDir, options.storage === 'json' ? 'tokens.json' : 'tokens.db');
  const storage = options.storage === 'json' ? new JSONTokenStorage(file) : new SQLiteTokenStorage(file);
  return { storage, location: file };
}

/** A database URL as it may be printed. */
function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'the PostgreSQL database';
  }
}
