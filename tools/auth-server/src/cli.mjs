#!/usr/bin/env node
// Starts the auth server and prints one JSON line on stdout once it listens:
//   {"event":"ready","issuer":…,"baseUrl":…,"apiUrl":…,"controlUrl":…,"clients":…,"users":…}
// Everything else (oidc-provider's notices included) goes to stderr, so a parent process can read
// stdout line by line. Stops on SIGTERM/SIGINT, and with --exit-with-stdin when stdin closes (so a
// crashed parent never leaves it behind).
//
//   node tools/auth-server/src/cli.mjs [--rotate-refresh-tokens] [--omit-unrotated-refresh-token]
//     [--access-token-ttl SECONDS] [--refresh-token-ttl SECONDS] [--port N] [--api-port N] [--exit-with-stdin]
import { parseArgs } from 'node:util';

console.log = console.error;
console.info = console.error;

const { values } = parseArgs({
  options: {
    'rotate-refresh-tokens': { type: 'boolean', default: false },
    'omit-unrotated-refresh-token': { type: 'boolean', default: false },
    'access-token-ttl': { type: 'string' },
    'refresh-token-ttl': { type: 'string' },
    port: { type: 'string' },
    'api-port': { type: 'string' },
    'exit-with-stdin': { type: 'boolean', default: false },
  },
});
/** @param {'access-token-ttl' | 'refresh-token-ttl' | 'port' | 'api-port'} name */
const integer = (name) => (values[name] === undefined ? undefined : Number(values[name]));

// Imported after console is redirected: oidc-provider prints notices while loading.
const { startAuthServer } = await import('./start-auth-server.mjs');
const server = await startAuthServer({
  rotateRefreshTokens: values['rotate-refresh-tokens'],
  omitUnrotatedRefreshToken: values['omit-unrotated-refresh-token'],
  accessTokenTTL: integer('access-token-ttl'),
  refreshTokenTTL: integer('refresh-token-ttl'),
  port: integer('port'),
  apiPort: integer('api-port'),
});

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  server.close().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (values['exit-with-stdin']) {
  process.stdin.on('end', stop);
  process.stdin.on('error', stop);
  process.stdin.resume();
}

process.stdout.write(
  `${JSON.stringify({
    event: 'ready',
    issuer: server.issuer,
    baseUrl: server.baseUrl,
    apiUrl: server.apiUrl,
    controlUrl: `${server.baseUrl}/__control`,
    clients: server.clients,
    resourceServers: server.resourceServers,
    scopes: server.scopes,
    users: server.users,
  })}\n`,
);
