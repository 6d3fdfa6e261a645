/**
 * `@globus-tokenstorage/memory`: token storage in process memory.
 *
 * @packageDocumentation
 */
export { MemoryTokenStorage, type MemoryTokenStorageOptions } from './memory-token-storage';
