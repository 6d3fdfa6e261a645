/**
 * `@globus-tokenstorage/json`: token storage in a JSON file shared with the Python Globus SDK, with
 * atomic writes and a cross-process lock.
 *
 * @packageDocumentation
 */
export { JSONTokenStorage, type JSONTokenStorageOptions } from './json-token-storage';
