import { TokenValidationError } from '@globus-tokenstorage/core';
import type { GlobusAuthorizer, StorageBackedAuthorizer } from '@globus-tokenstorage/authorizers';

/** The inner authorizer of one resource server; the app empties it after a login, to read the new tokens. */
export interface InnerAuthorizerSlot {
  inner: StorageBackedAuthorizer | null;
}

/** What an {@link AppAuthorizer} asks of its app. */
export interface AppAuthorizerSource {
  /** Fills the slot with a new inner authorizer if it is empty, and returns it. */
  fill(slot: InnerAuthorizerSlot): Promise<StorageBackedAuthorizer>;
  /** Handles a validation error (by default: logs in again), or rethrows it. */
  recover(error: TokenValidationError): Promise<void>;
}

/**
 * The authorizer `app.getAuthorizer(resourceServer)` returns: a `StorageBackedAuthorizer` on the
 * app's validating storage (so processes of one app refresh once). When the stored tokens fail
 * validation — missing, expired without a refresh token, lacking a scope — the app's
 * `tokenValidationErrorHandler` runs (by default a new login), then the token is read again.
 */
export class AppAuthorizer implements GlobusAuthorizer {
  /** `"AppAuthorizer"`, also in minified bundles. */
  static get name(): string {
    return 'AppAuthorizer';
  }

  /** The resource server whose tokens this authorizer sends. */
  readonly resourceServer: string;
  readonly #slot: InnerAuthorizerSlot;
  readonly #source: AppAuthorizerSource;

  /** @internal Made by the app. */
  constructor(resourceServer: string, slot: InnerAuthorizerSlot, source: AppAuthorizerSource) {
    this.resourceServer = resourceServer;
    this.#slot = slot;
    this.#source = source;
  }

  /**
   * `Bearer <access token>`: without I/O while the token is valid; otherwise renewed through the
   * storage (one refresh across processes), or, when the stored tokens fail validation, after the
   * app's handler ran (by default a login).
   *
   * @returns The header value.
   * @throws The validation error when the handler is `null` or rethrows it (`IdentityMismatchError`
   *   by default); the errors of `StorageBackedAuthorizer.getAuthorizationHeader`.
   */
  getAuthorizationHeader(): Promise<string> {
    // The hot path is the bare authorizer's: validation errors of its reads are recovered in the storage it reads.
    const inner = this.#slot.inner;
    if (inner !== null) return inner.getAuthorizationHeader();
    return this.#withInner((next) => next.getAuthorizationHeader());
  }

  /**
   * Called after a `401`: renews the token (or logs in again when that is what the stored tokens need).
   *
   * @param rejectedAuthorization - The header value the server rejected.
   * @returns `true`: a retry makes sense.
   * @throws As {@link AppAuthorizer.getAuthorizationHeader}.
   */
  handleMissingAuthorization(rejectedAuthorization?: string | null): Promise<boolean> {
    return this.#withInner((inner) => inner.handleMissingAuthorization(rejectedAuthorization));
  }

  /** A JSON view (no token). */
  toJSON(): Record<string, unknown> {
    return { authorizer: 'AppAuthorizer', resourceServer: this.resourceServer };
  }

  async #withInner<T>(use: (inner: StorageBackedAuthorizer) => Promise<T>): Promise<T> {
    const inner = await this.#source.fill(this.#slot);
    try {
      return await use(inner);
    } catch (error) {
      // A renewal that failed (e.g. no refresh token for a rejected token) leaves the inner authorizer unusable.
      if (this.#slot.inner === inner) this.#slot.inner = null;
      if (!TokenValidationError.isInstance(error)) throw error;
      await this.#source.recover(error);
      return use(await this.#source.fill(this.#slot));
    }
  }
}
