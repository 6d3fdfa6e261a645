import type { ConformanceCapabilities } from '@globus-tokenstorage/core/conformance';

/** What WebStorageTokenStorage claims in the conformance suite (the page and jest must agree). */
export const WEB_STORAGE_CAPABILITIES: ConformanceCapabilities = { listNamespaces: true, closeRejectsCalls: true, runExclusive: true };

/** The storage areas the suite runs on. */
export type StorageArea = 'localStorage' | 'sessionStorage';
