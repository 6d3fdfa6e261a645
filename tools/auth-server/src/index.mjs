// @globus-tokenstorage/auth-server: a local OAuth2/OIDC server shaped like Globus Auth, for tests
// and examples. Dev tooling only; never expose it beyond 127.0.0.1.
export { startAuthServer } from './start-auth-server.mjs';
export { login } from './login.mjs';
export {
  API_RESOURCE_SERVER,
  API_SCOPE,
  AUTH_RESOURCE_SERVER,
  CONFIDENTIAL_CLIENT_ID,
  CONFIDENTIAL_CLIENT_SECRET,
  DEFAULT_USERS,
  NATIVE_CLIENT_ID,
  OIDC_SCOPES,
} from './defaults.mjs';
