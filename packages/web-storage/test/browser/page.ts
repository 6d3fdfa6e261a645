// The code of the test pages, bundled with esbuild for the browser: the packages under test on
// `window.testPage`, and core's conformance suite registered against WebStorageTokenStorage.
import * as core from '@globus-tokenstorage/core';
import * as authorizers from '@globus-tokenstorage/authorizers';
import { runTokenStorageConformance } from '@globus-tokenstorage/core/conformance';
import * as webStorage from '@globus-tokenstorage/web-storage';
import { WEB_STORAGE_CAPABILITIES, type StorageArea } from './conformance-options';
import { createCollectingHarness, type CaseResult } from './harness';

let harness: ReturnType<typeof createCollectingHarness> | null = null;
let storeCount = 0;

const testPage = {
  core,
  authorizers,
  webStorage,

  /**
   * Registers the conformance suite on `area`; each `create` gets a key prefix of its own (a fresh
   * store), `reopen` shares the prefix. Returns the registered case names.
   */
  registerConformance(area: StorageArea): string[] {
    harness = createCollectingHarness();
    const storage = globalThis[area];
    runTokenStorageConformance<webStorage.WebStorageTokenStorage>(harness.api, {
      create: ({ namespace }) => {
        storeCount += 1;
        return new webStorage.WebStorageTokenStorage({ storage, namespace, keyPrefix: `conformance-${storeCount}:` });
      },
      reopen: (existing, { namespace }) => new webStorage.WebStorageTokenStorage({ storage, namespace, keyPrefix: existing.keyPrefix }),
      cleanup: () => storage.clear(),
      capabilities: WEB_STORAGE_CAPABILITIES,
    });
    return harness.names();
  },

  /** Runs one registered conformance case. */
  runCase(name: string): Promise<CaseResult> {
    if (!harness) return Promise.resolve({ status: 'unknown', message: 'registerConformance was not called' });
    return harness.runCase(name);
  },
};

/** What the test pages offer to jest's `page.evaluate` callbacks. */
export type TestPageApi = typeof testPage;

declare global {
  interface Window {
    testPage: TestPageApi;
  }
}

window.testPage = testPage;
