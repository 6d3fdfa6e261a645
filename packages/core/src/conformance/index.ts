/**
 * `@globus-tokenstorage/core/conformance`: the test suite every token storage backend runs.
 * It imports no test runner; pass yours in:
 *
 * ```ts
 * import { inspect } from 'node:util';
 * import { runTokenStorageConformance } from '@globus-tokenstorage/core/conformance';
 *
 * runTokenStorageConformance<MyTokenStorage>({ describe, it, expect }, {
 *   create: ({ namespace }) => new MyTokenStorage(freshLocation(), { namespace }),
 *   reopen: (storage, { namespace }) => new MyTokenStorage(storage.location, { namespace }),
 *   capabilities: { closeRejectsCalls: true },
 *   inspect,
 * });
 * ```
 *
 * @packageDocumentation
 */
import type { TokenStorageLike } from '../storage/token-storage-like';
import { describeCrudConformance, describeRoundTripConformance } from './groups/crud';
import { describeSafetyConformance } from './groups/safety';
import { describeConcurrencyConformance, describeNamespaceConformance, describePersistenceConformance } from './groups/shared-store';
import { describeTokenResponseConformance } from './groups/token-response';
import { describeExclusiveSectionConformance } from './groups/exclusive-sections';
import { describeClosingInFlightConformance } from './groups/closing-in-flight';
import type { ConformanceOptions, ConformanceTestApi } from './types';

export type {
  ConformanceCapabilities,
  ConformanceMatchers,
  ConformanceOptions,
  ConformanceTestApi,
  ConformanceTestFunction,
} from './types';
export {
  describeCrudConformance,
  describeRoundTripConformance,
  describeTokenResponseConformance,
  describePersistenceConformance,
  describeNamespaceConformance,
  describeConcurrencyConformance,
  describeSafetyConformance,
  describeExclusiveSectionConformance,
  describeClosingInFlightConformance,
};
export { pythonV2Entries, pythonLegacyEntries } from './python-fixture-data';
export { sampleTokenData, canary } from './sample-data';

/**
 * Registers every conformance group for a backend: reading and writing, round trips (including
 * the Python SDK's data), token responses, persistence, namespaces, concurrent writers, bad
 * arguments, token redaction, and the capability-gated groups (closing, closing with calls in flight, listing namespaces,
 * exclusive sections).
 *
 * @param t - The runner's `describe`, `it` and `expect`.
 * @param options - How to make storages of the backend; see {@link ConformanceOptions}.
 */
export function runTokenStorageConformance<S extends TokenStorageLike>(t: ConformanceTestApi, options: ConformanceOptions<S>): void {
  t.describe('TokenStorage conformance', () => {
    describeCrudConformance(t, options);
    describeRoundTripConformance(t, options);
    describeTokenResponseConformance(t, options);
    describePersistenceConformance(t, options);
    describeNamespaceConformance(t, options);
    describeConcurrencyConformance(t, options);
    describeSafetyConformance(t, options);
    describeExclusiveSectionConformance(t, options);
    describeClosingInFlightConformance(t, options);
  });
}
