import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Flags that make Chromium quiet and reproducible in CI (no network of its own, no GPU, no sandbox as root). */
const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

const SYSTEM_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome-stable', '/usr/bin/google-chrome'];

/**
 * The Chromium binary: `$CHROMIUM_PATH`, else the first of `candidates` that exists.
 *
 * @throws An error saying how to install it: these tests must fail, not pass, without a browser.
 */
export function chromiumPath(configured = process.env.CHROMIUM_PATH, candidates: readonly string[] = SYSTEM_PATHS): string {
  if (configured) {
    if (!existsSync(configured)) throw new Error(`CHROMIUM_PATH is set to ${configured}, which does not exist`);
    return configured;
  }
  const found = candidates.find((candidate) => existsSync(candidate));
  if (found) return found;
  throw new Error(
    'The browser tests need Chromium, which is not installed. Install it with `bash scripts/install-chromium.sh` ' +
      '(as root, or `sudo apt-get install chromium` on Debian/Ubuntu), or set CHROMIUM_PATH to a Chromium or Chrome binary.',
  );
}

/** Starts headless Chromium (a fresh profile each time). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_FLAGS, timeout: 60000 });
}
