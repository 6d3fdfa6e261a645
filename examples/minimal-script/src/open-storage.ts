import { join } from 'node:path';
import type { TokenStorageLike } from '@globus-tokenstorage/core';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import type { ExampleOptions } from './options';

/** The chosen token storage and where it keeps the tokens. */
export function openStorage(options: ExampleOptions, dataDir: string): { storage: TokenStorageLike; location: string } {
  if (options.storage === 'memory') return { storage: new MemoryTokenStorage(), location: 'memory (forgotten when the process ends)' };
  const file = options.file ?? join(dataDir, options.storage === 'json' ? 'tokens.json' : 'tokens.db');
  const storage = options.storage === 'json' ? new JSONTokenStorage(file) : new SQLiteTokenStorage(file);
  return { storage, location: file };
}
