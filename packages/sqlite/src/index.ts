/**
 * `@globus-tokenstorage/sqlite`: token storage in a SQLite database shared with the Python Globus SDK.
 *
 * @packageDocumentation
 */
export { SQLiteTokenStorage, type SQLiteTokenStorageOptions, type SQLiteConnectParams } from './sqlite-token-storage';
