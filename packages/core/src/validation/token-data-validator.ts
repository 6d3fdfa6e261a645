import type { TokenStorageData } from '../tokens/token-storage-data';

/** What a validator knows about identities when it runs. */
export interface TokenValidationContext {
  /** The identity the storage was associated with before this operation, or `null`. */
  priorIdentityId: string | null;
  /** The identity of the token data being stored or read, or `null` if it has none. */
  tokenDataIdentityId: string | null;
}

/**
 * A check run by `ValidatingTokenStorage` before token data is stored and after it is read. Throw a
 * `TokenValidationError` subclass to reject; either method may be async or absent, but not both
 * (see {@link TokenDataValidatorWithHook}).
 */
export interface TokenDataValidator {
  /**
   * @param data - The token data about to be stored, keyed by resource server.
   * @param context - The identities involved.
   */
  beforeStore?(data: Readonly<Record<string, TokenStorageData>>, context: TokenValidationContext): void | Promise<void>;
  /**
   * @param data - The token data just read, keyed by resource server.
   * @param context - The identities involved.
   */
  afterRetrieve?(data: Readonly<Record<string, TokenStorageData>>, context: TokenValidationContext): void | Promise<void>;
}

/**
 * A {@link TokenDataValidator} with at least one of its two hooks: what `ValidatingTokenStorage`
 * accepts (a validator with neither would check nothing, and is refused).
 */
export type TokenDataValidatorWithHook = TokenDataValidator &
  (Required<Pick<TokenDataValidator, 'beforeStore'>> | Required<Pick<TokenDataValidator, 'afterRetrieve'>>);
