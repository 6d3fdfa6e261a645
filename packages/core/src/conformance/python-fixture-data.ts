/**
 * Token data written by the real Python Globus SDK 4.9.0 (see `fixtures/python/expected.json` in
 * the repository; core's tests check this copy against it).
 */

/** Per namespace and resource server, the entries as the Python SDK's `to_dict()` returns them. */
export const pythonV2Entries: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>> = {
  DEFAULT: {
    'auth.globus.org': {
      resource_server: 'auth.globus.org',
      identity_id: '11111111-2222-4333-8444-555555555555',
      scope: 'openid profile email',
      access_token: 'AT-auth-DEFAULT-0001',
      refresh_token: 'RT-auth-DEFAULT-0001',
      expires_at_seconds: 2000172800,
      token_type: 'Bearer',
    },
    'transfer.api.globus.org': {
      resource_server: 'transfer.api.globus.org',
      identity_id: '11111111-2222-4333-8444-555555555555',
      scope: 'urn:globus:auth:scope:transfer.api.globus.org:all',
      access_token: 'AT-transfer-DEFAULT-0001',
      refresh_token: 'RT-transfer-DEFAULT-0001',
      expires_at_seconds: 2000086400,
      token_type: 'Bearer',
    },
  },
  userapp: {
    'auth.globus.org': {
      resource_server: 'auth.globus.org',
      identity_id: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
      scope: 'openid profile',
      access_token: 'AT-auth-userapp-0002',
      expires_at_seconds: 2000003600,
      token_type: 'Bearer',
    },
    'transfer.api.globus.org': {
      resource_server: 'transfer.api.globus.org',
      identity_id: 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee',
      scope: 'urn:globus:auth:scope:transfer.api.globus.org:all',
      access_token: 'AT-transfer-userapp-0002',
      expires_at_seconds: 2000007200,
      token_type: 'Bearer',
    },
  },
};

/**
 * The same tokens as raw legacy dicts (`v1_sqlite.db`, format 1.0): Python's `by_resource_server`
 * key order, `null`s kept, no `identity_id`.
 */
export const pythonLegacyEntries: Readonly<Record<string, Readonly<Record<string, Readonly<Record<string, unknown>>>>>> = {
  DEFAULT: {
    'auth.globus.org': {
      scope: 'openid profile email',
      access_token: 'AT-auth-DEFAULT-0001',
      refresh_token: 'RT-auth-DEFAULT-0001',
      token_type: 'Bearer',
      expires_at_seconds: 2000172800,
      resource_server: 'auth.globus.org',
    },
    'transfer.api.globus.org': {
      scope: 'urn:globus:auth:scope:transfer.api.globus.org:all',
      access_token: 'AT-transfer-DEFAULT-0001',
      refresh_token: 'RT-transfer-DEFAULT-0001',
      token_type: 'Bearer',
      expires_at_seconds: 2000086400,
      resource_server: 'transfer.api.globus.org',
    },
  },
  userapp: {
    'auth.globus.org': {
      scope: 'openid profile',
      access_token: 'AT-auth-userapp-0002',
      refresh_token: null,
      token_type: 'Bearer',
      expires_at_seconds: 2000003600,
      resource_server: 'auth.globus.org',
    },
    'transfer.api.globus.org': {
      scope: 'urn:globus:auth:scope:transfer.api.globus.org:all',
      access_token: 'AT-transfer-userapp-0002',
      refresh_token: null,
      token_type: 'Bearer',
      expires_at_seconds: 2000007200,
      resource_server: 'transfer.api.globus.org',
    },
  },
};
