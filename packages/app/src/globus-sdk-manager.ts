import { InvalidArgumentError } from '@globus-tokenstorage/core';
import { assertKnownOptions } from '@globus-tokenstorage/core/backend';
import type { GlobusAuthorizer } from '@globus-tokenstorage/authorizers';

/** Options of `app.globusSdkManager()`. */
export interface GlobusSdkManagerOptions {
  /**
   * Resource servers as `@globus/sdk` names them, mapped to those the app's tokens are stored
   * under, for deployments whose names differ (e.g. `{ 'groups.api.globus.org': 'groups.api.local' }`).
   * @default none: the same names
   */
  resourceServers?: Readonly<Record<string, string>>;
}

/** A token as `@globus/sdk` reads it from its manager. */
export interface GlobusSdkToken {
  /** The access token (a secret). */
  access_token: string;
  /** The resource server, as `@globus/sdk` asked for it. */
  resource_server: string;
  /** Always `Bearer`. */
  token_type: 'Bearer';
  /**
   * A marker, not the refresh token: its presence makes `@globus/sdk` call
   * `manager.refreshToken(token)` after a `401`, and the refresh token never leaves the storage.
   */
  refresh_token: string;
}

/** What `@globus/sdk` calls its manager's `tokens`. */
export interface GlobusSdkTokenLookup {
  /** The token of a resource server from the snapshot, or `null`. Synchronous, as `@globus/sdk` calls it. */
  getByResourceServer(resourceServer: string): GlobusSdkToken | null;
}

const REFRESH_MARKER = '[held by @globus-tokenstorage/app]';

/**
 * The object `app.globusSdkManager()` returns: what the service methods of the official
 * `@globus/sdk` (v6) use of its `AuthorizationManager` — `tokens.getByResourceServer(rs)`
 * (synchronous) and `refreshToken(token)` (after a `401`). Pass it as `{ manager }` (the SDK's type
 * is a class, so TypeScript needs `as never`). The snapshot is filled by `load` and refreshed by
 * every renewal; `refreshToken` goes through the app's authorizer, so processes of one app refresh
 * once, and a login runs when the stored tokens need one.
 */
export class GlobusSdkManager {
  /** The snapshot lookup `@globus/sdk` calls. */
  readonly tokens: GlobusSdkTokenLookup;
  readonly #authorizerOf: (resourceServer: string) => GlobusAuthorizer;
  readonly #aliases: Readonly<Record<string, string>>;
  readonly #snapshot = new Map<string, string>();

  /** @internal Made by `app.globusSdkManager()`. */
  constructor(authorizerOf: (resourceServer: string) => GlobusAuthorizer, options: GlobusSdkManagerOptions) {
    assertKnownOptions(options, ['resourceServers'], 'globusSdkManager');
    const aliases = options.resourceServers ?? {};
    if (
      typeof aliases !== 'object' ||
      aliases === null ||
      Object.values(aliases).some((value) => typeof value !== 'string' || value === '')
    ) {
      throw new InvalidArgumentError("'resourceServers' must map resource server names to non-empty names");
    }
    this.#authorizerOf = authorizerOf;
    this.#aliases = { ...aliases };
    this.tokens = { getByResourceServer: (resourceServer) => this.#lookup(resourceServer) };
  }

  /**
   * Reads (renewing or logging in as needed) the tokens of the given resource servers into the snapshot.
   *
   * @param resourceServers - As the app stores them.
   */
  async load(resourceServers: readonly string[]): Promise<void> {
    for (const resourceServer of resourceServers)
      this.#remember(resourceServer, await this.#authorizerOf(resourceServer).getAuthorizationHeader());
  }

  /**
   * Called by `@globus/sdk` after a `401`: renews the token (once across processes) and returns the new one.
   *
   * @param token - The token the server refused.
   * @returns The new token, or `null` when the resource server is not one of the app's.
   */
  async refreshToken(token: { access_token: string; resource_server?: string }): Promise<GlobusSdkToken | null> {
    const asked = token.resource_server;
    if (typeof asked !== 'string' || asked === '') return null;
    const stored = this.#stored(asked);
    const authorizer = this.#authorizerOf(stored);
    await authorizer.handleMissingAuthorization(`Bearer ${token.access_token}`);
    this.#remember(stored, await authorizer.getAuthorizationHeader());
    return this.#lookup(asked);
  }

  /** A JSON view (no token). */
  toJSON(): Record<string, unknown> {
    return { manager: 'GlobusSdkManager', resourceServers: [...this.#snapshot.keys()] };
  }

  #stored(resourceServer: string): string {
    return Object.hasOwn(this.#aliases, resourceServer) ? (this.#aliases[resourceServer] as string) : resourceServer;
  }

  #remember(resourceServer: string, header: string | null): void {
    const accessToken = header?.replace(/^Bearer\s+/i, '');
    if (accessToken) this.#snapshot.set(resourceServer, accessToken);
  }

  #lookup(resourceServer: string): GlobusSdkToken | null {
    const stored = this.#stored(resourceServer);
    const accessToken = this.#snapshot.get(stored);
    if (accessToken === undefined) return null;
    // Keep the snapshot fresh for the next call: a valid token costs no I/O, an expiring one is renewed now.
    void this.#authorizerOf(stored)
      .getAuthorizationHeader()
      .then(
        (header) => this.#remember(stored, header),
        () => undefined,
      );
    return { access_token: accessToken, resource_server: resourceServer, token_type: 'Bearer', refresh_token: REFRESH_MARKER };
  }
}
