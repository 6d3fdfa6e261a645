/**
 * `@globus-tokenstorage/postgres`: token storage in a PostgreSQL table, shared by every process of
 * a fleet, with cross-process critical sections on advisory locks.
 *
 * @packageDocumentation
 */
export { PostgresTokenStorage, type PostgresTokenStorageOptions } from './postgres-token-storage';
export type { PostgresPool, PostgresPoolOrConfig } from './postgres-connection';
export { inTransaction, type ConnectionSource } from './transaction';
