import { TokenValidationError } from '@globus-tokenstorage/core';
import type { GlobusAuthorizer, StorageBackedAuthorizer } from '@globus-tokenstorage/authorizers';

/** What an {@link AppAuthorizer} asks of its app. */
export interface AppAuthorizerSource {
  /** The current inner authorizer of a resource server, if one is made. */
  current(resourceServer: string): StorageBackedAuthorizer | undefined;
  /** Makes (or returns) the inner authorizer of a resource server. */
  create(resourceServer: string): Promise<StorageBackedAuthorizer>;
  /** Handles a validation error (by default: logs in again), or rethrows it. */
  recover(error: TokenValidationError): Promise<void>;
}

/**
 * The authorizer `app.getAuthorizer(resourceServer)` returns: a `StorageBackedAuthorizer` on the
 * app's validating storage (so processes of one app refresh once), and when the stored tokens fail
 * validation — missing, expired without a refresh token, lacking a scope — the app's
 * `tokenValidationErrorHandler` (by default a new login), then one more try.
 */
export class AppAuthorizer implements GlobusAuthorizer {
  /** `"AppAuthorizer"`, also in minified bundles. */
  static get name(): string {
    return 'AppAuthorizer';
  }

  /** The resource server whose tokens this authorizer sends. */
  readonly resourceServer: string;
  readonly #source: AppAuthorizerSource;

  /** @internal Made by the app. */
  constructor(resourceServer: string, source: AppAuthorizerSource) {
    this.resourceServer = resourceServer;
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
    const inner = this.#source.current(this.resourceServer);
    if (inner !== undefined) return inner.getAuthorizationHeader().catch((error: unknown) => this.#recoverThen(error, (next) => next.getAuthorizationHeader()));
    return this.#withInner((next) => next.getAuthorizationHeader());
  }

  /**
   * Called after a `401`: renews the token (or logs in again when that is what the stored tokens need).
   *
   * @param rejectedAuthorization - The header value the server rejected.
   * @returns `true`: a retry makes sense.
   */
  async handleMissingAuthorization(rejectedAuthorization?: string | null): Promise<boolean> {
    return this.#withInner((inner) => inner.handleMissingAuthorization(rejectedAuthorization));
  }

  /** A JSON view (no token). */
  toJSON(): Record<string, unknown> {
    return { authorizer: 'AppAuthorizer', resourceServer: this.resourceServer };
  }

  async #withInner<T>(use: (inner: StorageBackedAuthorizer) => Promise<T>): Promise<T> {
    try {
      return await use(await this.#source.create(this.resourceServer));
    } catch (error) {
      return this.#recoverThen(error, use);
    }
  }

  async #recoverThen<T>(error: unknown, use: (inner: StorageBackedAuthorizer) => Promise<T>): Promise<T> {
    if (!TokenValidationError.isInstance(error)) throw error;
    await this.#source.recover(error);
    return use(await this.#source.create(this.resourceServer));
  }
}
