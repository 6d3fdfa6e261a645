// Where the server answers: Globus Auth's paths, and the protected API's.

/** The endpoints of the auth server, at Globus Auth's paths. */
export const PATHS = Object.freeze({
  authorize: '/v2/oauth2/authorize',
  token: '/v2/oauth2/token',
  revoke: '/v2/oauth2/token/revoke',
  introspect: '/v2/oauth2/token/introspect',
  userinfo: '/v2/oauth2/userinfo',
  jwks: '/jwk.json',
  authCodePage: '/v2/web/auth-code',
});

/** `GET /v2/api/identities/{id}/consents`. */
export const CONSENTS_PATH = /^\/v2\/api\/identities\/([^/]+)\/consents$/;

/** The Globus Groups API path of the protected API's listing (also served at `/groups`), as `@globus/sdk` calls it. */
export const GROUPS_API_PATH = '/v2/groups/my_groups';
