/**
 * One jest run for the whole workspace. Tests import the packages by name; the mapper points those
 * names at the TypeScript sources so no build is needed for unit tests (child-process tests run the
 * built `dist` output, which `pnpm build` produces first).
 */
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/examples', '<rootDir>/bench', '<rootDir>/tests'],
  // Package tests live in each package's test/; cross-package suites (security audit, size limits) in tests/.
  testMatch: ['**/test/**/*.test.ts', '<rootDir>/tests/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  moduleNameMapper: {
    '^@globus-tokenstorage/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
    '^@globus-tokenstorage/([a-z-]+)/(backend|conformance|node)$': '<rootDir>/packages/$1/src/$2/index.ts',
  },
  transform: {
    '^.+\\.[cm]?[tj]sx?$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }],
  },
  // jose and oidc-provider ship ESM only; let ts-jest turn them into CommonJS for the test run.
  transformIgnorePatterns: ['/node_modules/(?!(\\.pnpm/[^/]+/node_modules/)?(jose|oidc-provider)/)'],
  testTimeout: 30000,
  // Two test files at a time even on a 2-core machine (jest's default there is one): most files spend
  // their time waiting on child processes, servers and browsers rather than computing.
  maxWorkers: 2,
  // One throw-away PostgreSQL server for the run (the postgres package's tests); see tools/postgres-server.
  globalSetup: '<rootDir>/tools/postgres-server/src/jest-global-setup.ts',
  globalTeardown: '<rootDir>/tools/postgres-server/src/jest-global-teardown.ts',
};
