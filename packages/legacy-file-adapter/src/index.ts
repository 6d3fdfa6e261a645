/**
 * `@globus-tokenstorage/legacy-file-adapter`: the single-token JSON file of the legacy
 * `globus_sdk_tokenstorage` package, and a migration to `JSONTokenStorage`.
 *
 * @packageDocumentation
 */
export {
  SimpleJSONFileAdapter,
  LEGACY_VERSION_KEY,
  type SimpleJSONFileAdapterOptions,
  type LegacyTokenFileDict,
} from './simple-json-file-adapter';
export { migrateToJSONTokenStorage, type MigrateOptions, type MigrateResult } from './migrate-to-json-token-storage';
