import { INSPECT_CUSTOM } from '@globus-tokenstorage/core/backend';
import type { GlobusAuthorizer } from './globus-authorizer';

/**
 * Sends no `Authorization` header at all; {@link authorizedFetch} removes one the caller set.
 * For public endpoints, and for native-app login clients (which authenticate with `client_id`).
 */
export class NullAuthorizer implements GlobusAuthorizer {
  /** @returns `null`: no header. */
  async getAuthorizationHeader(): Promise<null> {
    return null;
  }

  /** @returns `false`: there is nothing to renew. */
  async handleMissingAuthorization(): Promise<boolean> {
    return false;
  }

  /** A JSON view. */
  toJSON(): Record<string, unknown> {
    return { authorizer: 'NullAuthorizer' };
  }

  /** `"NullAuthorizer()"`. */
  toString(): string {
    return 'NullAuthorizer()';
  }

  /** What `util.inspect` shows. */
  [INSPECT_CUSTOM](): string {
    return this.toString();
  }
}
