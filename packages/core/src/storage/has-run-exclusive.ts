import type { TokenStorageLike } from './token-storage-like';

/**
 * A storage whose `runExclusive` is present: what a consumer that must not refresh a token twice at
 * once (such as `StorageBackedAuthorizer`) requires. Every backend of this project has it, except
 * `WebStorageTokenStorage` where the browser offers no Web Locks (see {@link hasRunExclusive}).
 */
export type TokenStorageWithRunExclusive = TokenStorageLike & Required<Pick<TokenStorageLike, 'runExclusive'>>;

/**
 * Whether a storage has `runExclusive`, as a type guard: for storages where it depends on the
 * environment (`WebStorageTokenStorage` without Web Locks, or a `ValidatingTokenStorage` typed
 * around any storage).
 *
 * @param storage - Any storage.
 * @returns `true` if `storage.runExclusive` is a function.
 * @example
 * ```ts
 * if (!hasRunExclusive(storage)) throw new Error('this browser offers no Web Locks (https or localhost needed)');
 * const authorizer = new StorageBackedAuthorizer(storage, 'transfer.api.globus.org', client);
 * ```
 */
export function hasRunExclusive<S extends TokenStorageLike>(storage: S): storage is S & TokenStorageWithRunExclusive {
  return typeof storage?.runExclusive === 'function';
}
