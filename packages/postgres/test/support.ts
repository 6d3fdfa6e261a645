export { TestDatabase, withDatabase } from '@globus-tokenstorage/postgres-server/test-database';
export { caught } from '@globus-tokenstorage/test-support/thrown';
