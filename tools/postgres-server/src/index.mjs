// @globus-tokenstorage/postgres-server: a throw-away PostgreSQL server on 127.0.0.1 for tests and
// benchmarks. Dev tooling only.
export { startPostgresServer } from './start-postgres-server.mjs';
