#!/usr/bin/env node
// Serves the example app on 127.0.0.1 and starts the local OAuth2/OIDC server it logs in with.
//   node src/server.mjs [--port N]
// Prints one JSON line on stdout once both listen ({"event":"ready","url":…}), and a hint on stderr.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

console.log = console.error;
const { values } = parseArgs({ options: { port: { type: 'string', default: '0' } } });

const here = (file) => fileURLToPath(new URL(file, import.meta.url));
// The app and the packages it imports (their built `dist`, as an app would get them from npm).
const bundle = await build({
  entryPoints: [here('./app.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  write: false,
  tsconfigRaw: '{}',
  logLevel: 'warning',
});
const script = bundle.outputFiles[0].text;
const page = readFileSync(here('./index.html'), 'utf8');

// Imported after console is redirected: oidc-provider prints notices while loading.
const { startAuthServer } = await import('@globus-tokenstorage/auth-server');
const auth = await startAuthServer();

const server = createServer((request, response) => {
  const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
  const send = (type, body) => {
    response.writeHead(200, { 'content-type': `${type}; charset=utf-8`, 'cache-control': 'no-store' });
    response.end(body);
  };
  if (path === '/' || path === '/callback') return send('text/html', page);
  if (path === '/app.js') return send('text/javascript', script);
  if (path === '/config.json') {
    return send(
      'application/json',
      JSON.stringify({
        clientId: auth.clients.native.clientId,
        authBaseUrl: auth.baseUrl,
        apiUrl: auth.apiUrl,
        resourceServer: auth.resourceServers.api,
        scopes: `${auth.scopes.oidc} ${auth.scopes.api}`,
      }),
    );
  }
  response.writeHead(404).end();
});
await new Promise((resolve) => server.listen(Number(values.port), '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/`;

const stop = () => {
  server.closeAllConnections();
  server.close();
  auth.close().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

const user = auth.users[0];
process.stderr.write(
  `Open ${url} and log in as ${user.username} / ${user.password} (app bundle: ${(script.length / 1000).toFixed(1)} kB minified). Ctrl-C stops.\n`,
);
process.stdout.write(`${JSON.stringify({ event: 'ready', url, authBaseUrl: auth.baseUrl })}\n`);
