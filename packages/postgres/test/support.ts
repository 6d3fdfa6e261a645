
export { TestDatabase, withDatabase } from '@globus-tokenstorage/postgres-server/test-database';
export { caught } from '../../../tests/support/thrown';
