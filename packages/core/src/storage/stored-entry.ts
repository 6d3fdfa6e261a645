import type { InvalidTokenDataError } from '../errors';
import type { TokenStorageData } from '../tokens/token-storage-data';

/**
 * One entry of a store, as a walk of every namespace yields it (`iterAllEntries` of the JSON,
 * SQLite and PostgreSQL storages): the entry's token data, or, for an entry that is not valid
 * token data, the error a read of it would throw, so that one bad entry hides no other.
 */
export type StoredEntry =
  | {
      /** The namespace holding the entry. */
      readonly namespace: string;
      /** The key the entry is stored under. */
      readonly resourceServer: string;
      /** The entry. */
      readonly data: TokenStorageData;
      readonly error: null;
    }
  | {
      readonly namespace: string;
      readonly resourceServer: string;
      readonly data: null;
      /** Why the entry cannot be read; names the namespace and resource server, never a token. */
      readonly error: InvalidTokenDataError;
    };
