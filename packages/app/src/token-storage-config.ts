import { homedir } from 'node:os';
import { InvalidArgumentError, type TokenStorageLike } from '@globus-tokenstorage/core';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { MemoryTokenStorage } from '@globus-tokenstorage/memory';
import { MissingDependencyError } from './app-errors';
import { defaultTokenFilePath } from './default-token-path';
import type { GlobusAppConfig, TokenStorageContext } from './globus-app-config';

/** The app's storage and whether the app made it (and so closes it). */
export interface OpenedTokenStorage {
  storage: TokenStorageLike;
  owned: boolean;
}

const SQLITE_PACKAGE = '@globus-tokenstorage/sqlite';

/**
 * Checks the `tokenStorage` choice without I/O, so a bad one fails in the app's constructor.
 *
 * @throws {@link InvalidArgumentError} for anything but a known name, a storage or a function, and
 *   for a `namespace` given together with a storage instance (the instance has its own).
 */
export function checkTokenStorageChoice(config: GlobusAppConfig): void {
  const choice = config.tokenStorage ?? 'json';
  if (choice === 'json' || choice === 'sqlite' || choice === 'memory' || typeof choice === 'function') return;
  if (!isStorage(choice)) {
    throw new InvalidArgumentError("'tokenStorage' must be 'json', 'sqlite', 'memory', a token storage or a function returning one");
  }
  if (config.namespace !== undefined && config.namespace !== choice.namespace) {
    throw new InvalidArgumentError(
      `'namespace' applies to storages the app creates; the given storage's namespace is '${choice.namespace}'`,
    );
  }
}

/**
 * Opens the storage the configuration names. `'sqlite'` loads `@globus-tokenstorage/sqlite` only now.
 *
 * @throws {@link MissingDependencyError} for `'sqlite'` when that package is not installed.
 * @throws {@link InvalidArgumentError} when a provider returns something that is not a storage.
 */
export async function openTokenStorage(config: GlobusAppConfig, context: TokenStorageContext): Promise<OpenedTokenStorage> {
  const choice = config.tokenStorage ?? 'json';
  const { namespace } = context;
  if (choice === 'memory') return { storage: new MemoryTokenStorage({ namespace }), owned: true };
  if (choice === 'json') return { storage: new JSONTokenStorage(defaultPath(context, 'json'), { namespace }), owned: true };
  if (choice === 'sqlite') {
    const { SQLiteTokenStorage } = await loadSQLite();
    return { storage: new SQLiteTokenStorage(defaultPath(context, 'db'), { namespace }), owned: true };
  }
  if (typeof choice === 'function') {
    const storage: unknown = await choice(context);
    if (!isStorage(storage)) throw new InvalidArgumentError("the 'tokenStorage' provider did not return a token storage");
    return { storage, owned: true };
  }
  return { storage: choice, owned: false };
}

function defaultPath(context: TokenStorageContext, extension: 'json' | 'db'): string {
  return defaultTokenFilePath({ ...context, extension }, { platform: process.platform, homedir: homedir(), env: process.env });
}

async function loadSQLite(): Promise<typeof import('@globus-tokenstorage/sqlite')> {
  try {
    return await import('@globus-tokenstorage/sqlite');
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new MissingDependencyError(`tokenStorage 'sqlite' needs the package ${SQLITE_PACKAGE}: npm install ${SQLITE_PACKAGE}`, {
        packageName: SQLITE_PACKAGE,
        cause: error,
      });
    }
    throw error;
  }
}

function isStorage(value: unknown): value is TokenStorageLike {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<TokenStorageLike>;
  return (
    typeof candidate.getTokenData === 'function' &&
    typeof candidate.storeTokenResponse === 'function' &&
    typeof candidate.namespace === 'string'
  );
}
