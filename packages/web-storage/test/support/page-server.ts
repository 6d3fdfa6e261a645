import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';

/** A loopback server of the test page: `/` and `/callback` load the bundle of `test/browser/page.ts`. */
export interface PageServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  close(): Promise<void>;
}

const HTML =
  '<!doctype html><html><head><meta charset="utf-8"><title>web-storage test page</title><script type="module" src="/page.js"></script></head><body></body></html>';

let bundled: Promise<string> | null = null;

/** The page code and the packages it imports, bundled for the browser from their TypeScript sources. */
export function pageBundle(): Promise<string> {
  bundled ??= build({
    entryPoints: [join(__dirname, '../browser/page.ts')],
    tsconfig: join(__dirname, '../../../../tsconfig.base.json'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'chrome120',
    write: false,
    logLevel: 'silent',
  }).then((result) => result.outputFiles[0]?.text ?? '');
  return bundled;
}

/** Serves the test page on 127.0.0.1 (a free port). */
export async function startPageServer(): Promise<PageServer> {
  const script = await pageBundle();
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/page.js') {
      response.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
      response.end(script);
    } else if (path === '/' || path === '/callback') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
      response.end(HTML);
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
