import { assertKnownOptions } from '../arguments/assert-known-options';
import { ExpiredTokenError, InvalidArgumentError } from '../errors';
import type { TokenStorageData } from '../tokens/token-storage-data';
import type { TokenDataValidator } from './token-data-validator';
import { checkedClock } from '../arguments/checked-clock';

/** Options of {@link NotExpiredValidator}. */
export interface NotExpiredValidatorOptions {
  /** Treat tokens that expire within this many seconds as expired. @default 0 (as in Python) */
  marginSeconds?: number;
  /** Current time in epoch seconds. @default the system clock */
  now?: () => number;
}

/** Rejects reads of expired access tokens with {@link ExpiredTokenError}. */
export class NotExpiredValidator implements TokenDataValidator {
  private readonly marginSeconds: number;
  private readonly now: () => number;

  /**
   * @param options - See {@link NotExpiredValidatorOptions}.
   * @throws {@link InvalidArgumentError} for a negative or non-numeric margin, or an unknown option.
   */
  constructor(options: NotExpiredValidatorOptions = {}) {
    assertKnownOptions(options, ['marginSeconds', 'now'], 'NotExpiredValidator');
    const margin = options.marginSeconds ?? 0;
    if (typeof margin !== 'number' || !Number.isFinite(margin) || margin < 0) {
      throw new InvalidArgumentError("'marginSeconds' must be a non-negative number");
    }
    this.marginSeconds = margin;
    this.now = checkedClock(options.now);
  }

  /**
   * @param data - The token data read.
   * @throws {@link ExpiredTokenError} for the first token with `expiresAtSeconds - margin < now`.
   */
  afterRetrieve(data: Readonly<Record<string, TokenStorageData>>): void {
    const now = this.now();
    for (const token of Object.values(data)) {
      if (!token.isExpired({ marginSeconds: this.marginSeconds, now: () => now })) continue;
      const at = new Date(token.expiresAtSeconds * 1000).toISOString();
      const message =
        token.expiresAtSeconds < now
          ? `Token for ${token.resourceServer} expired at ${at}`
          : `Token for ${token.resourceServer} expires at ${at}, within the ${this.marginSeconds} s margin`;
      throw new ExpiredTokenError(message, { resourceServer: token.resourceServer, expiresAtSeconds: token.expiresAtSeconds });
    }
  }
}
