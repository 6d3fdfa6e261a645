/**
 * `@globus-tokenstorage/web-storage`: token storage in the browser's `localStorage` or
 * `sessionStorage`, one token refresh across tabs through the Web Locks API, and the PKCE redirect
 * login of a single-page app.
 *
 * @packageDocumentation
 */
export { WebStorageTokenStorage, type WebStorageTokenStorageOptions } from './web-storage-token-storage';
export {
  RedirectLogin,
  type RedirectLoginClient,
  type RedirectLoginOptions,
  type RedirectLoginStartOptions,
} from './redirect-login';
