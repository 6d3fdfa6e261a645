import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from '@globus-tokenstorage/test-support/chromium';
import { startPageServer, type PageServer } from './page-server';

/** Headless Chromium and the loopback server of the test page, for one test file. */
export interface BrowserSession {
  browser: Browser;
  /** The page server's origin, `http://127.0.0.1:<port>`. */
  origin: string;
  /** A new browser profile's worth of state: its own localStorage, IndexedDB and Web Locks. */
  newContext(): Promise<BrowserContext>;
  /** Opens the test page (`path` of the page server) in `context`, once its code has loaded. */
  openPage(context: BrowserContext, path?: string): Promise<Page>;
  close(): Promise<void>;
}

/** Starts Chromium and the page server. */
export async function startBrowserSession(): Promise<BrowserSession> {
  let server: PageServer | null = null;
  let browser: Browser | null = null;
  try {
    [server, browser] = await Promise.all([startPageServer(), launchChromium()]);
  } catch (error) {
    await Promise.all([server?.close(), browser?.close()]);
    throw error;
  }
  const origin = server.origin;
  const openedBrowser = browser;
  const openedServer = server;
  return {
    browser,
    origin,
    newContext: () => openedBrowser.newContext(),
    openPage: async (context, path = '/') => {
      const page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(error.message));
      await page.goto(`${origin}${path}`);
      await page
        .waitForFunction(() => window.testPage !== undefined, undefined, { timeout: 10000 })
        .catch(() => {
          throw new Error(`the test page did not load: ${problems.join('; ') || 'no error reported'}`);
        });
      return page;
    },
    close: async () => {
      await Promise.all([openedBrowser.close(), openedServer.close()]);
    },
  };
}
