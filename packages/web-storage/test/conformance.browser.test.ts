// Core's conformance suite, run inside headless Chromium against WebStorageTokenStorage on
// localStorage and on sessionStorage. jest registers the suite's cases under the same names as the
// page does, and each jest case asks the page to run its twin, so a failure names the case.
import { runTokenStorageConformance, type ConformanceTestApi } from '@globus-tokenstorage/core/conformance';
import type { BrowserContext, Page } from 'playwright-core';
import { WEB_STORAGE_CAPABILITIES, type StorageArea } from './browser/conformance-options';
import { caseName } from './browser/harness';
import { startBrowserSession, type BrowserSession } from './support/browser-session';

let session: BrowserSession;

beforeAll(async () => {
  session = await startBrowserSession();
}, 60000);

afterAll(async () => {
  await session?.close();
});

for (const area of ['localStorage', 'sessionStorage'] as const) {
  describe(`WebStorageTokenStorage on ${area}, in Chromium`, () => {
    let context: BrowserContext;
    let page: Page;
    let pageCases: string[] = [];

    beforeAll(async () => {
      context = await session.newContext();
      page = await session.openPage(context);
      pageCases = await page.evaluate((storageArea: StorageArea) => window.testPage.registerConformance(storageArea), area);
    }, 60000);

    afterAll(async () => {
      await context?.close();
    });

    const path: string[] = [];
    const it_ = Object.assign(
      (name: string, _fn: () => Promise<void>, timeoutMs?: number) => {
        const fullName = caseName(path, name);
        it(
          name,
          async () => {
            expect(pageCases).toContain(fullName);
            const result = await page.evaluate((caseToRun: string) => window.testPage.runCase(caseToRun), fullName);
            if (result.status !== 'passed') throw new Error(`in Chromium: ${result.message ?? result.status}`);
          },
          timeoutMs,
        );
      },
      { skip: (name: string) => it.skip(name, () => undefined) },
    );
    const api: ConformanceTestApi = {
      describe: (name, fn) =>
        describe(name, () => {
          path.push(name);
          try {
            fn();
          } finally {
            path.pop();
          }
        }),
      it: it_,
      expect: expect as unknown as ConformanceTestApi['expect'],
    };
    const inPage = (): never => {
      throw new Error('storages are made in the page');
    };
    runTokenStorageConformance(api, { create: inPage, reopen: inPage, capabilities: WEB_STORAGE_CAPABILITIES });
  });
}
