// Fixed identifiers of the test server, so tests and examples can name clients, users and scopes
// without asking the server first. The identity IDs and the native client ID are those of the
// Python fixtures (`fixtures/python/behavior.json` → `_meta`).

/** The public (PKCE) client: no secret, refresh tokens with `access_type=offline`. */
export const NATIVE_CLIENT_ID = '5c2f2a8e-0000-4000-8000-00000000c11e';

/** The confidential client: client_secret_basic, client_credentials and the authorization-code flow. */
export const CONFIDENTIAL_CLIENT_ID = 'cc000000-0000-4000-8000-0000000000cc';

/**
 * Its secret, with the characters (`:/+=`) that show the difference between Globus-style verbatim
 * Basic credentials and RFC 6749 form-encoded ones.
 */
export const CONFIDENTIAL_CLIENT_SECRET = 'fake-secret:with/odd+chars=';

/** `resource_server` of the protected API's tokens. */
export const API_RESOURCE_SERVER = 'groups.api.local';

/** The scope that grants access to the protected API. */
export const API_SCOPE = 'urn:globus:auth:scope:groups.api.local:all';

/** `resource_server` of tokens that only carry OpenID Connect scopes (Globus: `auth.globus.org`). */
export const AUTH_RESOURCE_SERVER = 'auth.local';

/** The OpenID Connect scopes the server knows. */
export const OIDC_SCOPES = ['openid', 'profile', 'email'];

/**
 * A group as the Globus Groups API lists it (`GET /v2/groups/my_groups`), trimmed to what examples print.
 *
 * @param {string} id
 * @param {string} name
 * @param {{ enforceSession?: boolean; roles: string[] }} membership
 * @returns {import('./types').Group}
 */
function group(id, name, { enforceSession = false, roles }) {
  return Object.freeze({
    id,
    name,
    group_type: 'regular',
    enforce_session: enforceSession,
    my_memberships: Object.freeze(roles.map((role) => Object.freeze({ role }))),
  });
}

/** Users who can log in; `identityId` becomes the `sub` claim (a Globus identity ID). */
export const DEFAULT_USERS = Object.freeze([
  Object.freeze({
    username: 'alice',
    password: 'alice-password',
    identityId: '11111111-2222-4333-8444-555555555555',
    name: 'Alice Example',
    email: 'alice@example.org',
    groups: Object.freeze([
      group('0e7e3a3c-0000-4000-8000-00000000a001', 'Alice lab', { enforceSession: true, roles: ['admin'] }),
      group('0e7e3a3c-0000-4000-8000-00000000a002', 'Shared instrument', { roles: ['member', 'manager'] }),
    ]),
  }),
  Object.freeze({
    username: 'bob',
    password: 'bob-password',
    identityId: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
    name: 'Bob Example',
    email: 'bob@example.org',
    groups: Object.freeze([group('0e7e3a3c-0000-4000-8000-00000000a002', 'Shared instrument', { roles: ['member'] })]),
  }),
]);
