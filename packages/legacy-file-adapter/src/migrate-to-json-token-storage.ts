import { unlink } from 'node:fs/promises';
import { InvalidArgumentError, TokenFileFormatError, type TokenStorageLike } from '@globus-tokenstorage/core';
import { assertKnownOptions } from '@globus-tokenstorage/core/backend';
import type { SimpleJSONFileAdapter } from './simple-json-file-adapter';

/** Options of {@link migrateToJSONTokenStorage}. */
export interface MigrateOptions {
  /**
   * Replace a token the storage already holds for the resource server even when it expires later
   * than the legacy one (by default the newer token is kept). @default false
   */
  overwrite?: boolean;
  /** Delete the legacy file once the token is stored and read back. @default false */
  removeLegacyFile?: boolean;
}

/** What {@link migrateToJSONTokenStorage} did. */
export interface MigrateResult {
  /** The resource server of the legacy token. */
  resourceServer: string;
  /** `migrated`: stored; `kept-existing`: the storage already held a newer token; `no-file`: nothing to migrate. */
  outcome: 'migrated' | 'kept-existing' | 'no-file';
  /** Whether the legacy file was deleted. */
  removedLegacyFile: boolean;
}

/**
 * Moves the token of a legacy single-token file into a token storage (normally a
 * `JSONTokenStorage`; any `TokenStorageLike` works), under its resource server, in the storage's
 * namespace. The token is read back from the storage and compared before the legacy file is
 * deleted (only with `removeLegacyFile`), so no step can lose it. Run it again safely: a second run
 * finds the same or a newer token and keeps it.
 *
 * @param adapter - The legacy file.
 * @param storage - The destination.
 * @param options - See {@link MigrateOptions}.
 * @returns What happened.
 * @throws {@link TokenFileFormatError} if the legacy file cannot be parsed or the stored token does
 *   not read back identically (the legacy file is then left in place).
 * @throws {@link InvalidArgumentError} for an adapter or storage of the wrong kind, options that are
 *   not an object, or an unknown option.
 */
export async function migrateToJSONTokenStorage(
  adapter: SimpleJSONFileAdapter,
  storage: TokenStorageLike,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  if (typeof adapter?.readTokenData !== 'function')
    throw new InvalidArgumentError("migrateToJSONTokenStorage: 'adapter' must be a SimpleJSONFileAdapter");
  if (typeof storage?.getTokenData !== 'function' || typeof storage.storeTokenDataByResourceServer !== 'function') {
    throw new InvalidArgumentError("migrateToJSONTokenStorage: 'storage' must be a token storage");
  }
  assertKnownOptions(options, ['overwrite', 'removeLegacyFile'], 'migrateToJSONTokenStorage');
  const legacy = await adapter.readTokenData();
  if (legacy === null) return { resourceServer: adapter.resourceServer ?? '', outcome: 'no-file', removedLegacyFile: false };
  const resourceServer = legacy.resourceServer;
  const existing = await storage.getTokenData(resourceServer);
  const keepExisting = existing !== null && !options.overwrite && existing.expiresAtSeconds > legacy.expiresAtSeconds;
  if (!keepExisting) {
    await storage.storeTokenDataByResourceServer({
      [resourceServer]: legacy.with({ identityId: legacy.identityId ?? existing?.identityId ?? null }),
    });
    const readBack = await storage.getTokenData(resourceServer);
    if (readBack === null || readBack.accessToken !== legacy.accessToken || readBack.refreshToken !== legacy.refreshToken) {
      throw new TokenFileFormatError(`the token from '${adapter.filename}' did not read back from the storage; the legacy file is kept`, {
        filePath: adapter.filename,
      });
    }
  }
  let removedLegacyFile = false;
  if (options.removeLegacyFile) {
    await unlink(adapter.filename);
    removedLegacyFile = true;
  }
  return { resourceServer, outcome: keepExisting ? 'kept-existing' : 'migrated', removedLegacyFile };
}
