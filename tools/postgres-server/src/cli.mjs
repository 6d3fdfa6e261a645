#!/usr/bin/env node
// Starts a throw-away PostgreSQL server and prints one JSON line on stdout once it accepts connections:
//   {"event":"ready","url":"postgres://postgres:…@127.0.0.1:PORT/postgres","host":…,"port":…,"user":…,"password":…,"database":…}
// Then reads commands, one per line, on stdin, answering each with one JSON line:
//   stop   → stops the server, keeping its data    → {"event":"stopped"}
//   start  → starts it again on the same port      → {"event":"started"}
// The server is stopped and its data directory removed when stdin closes (so a parent that dies,
// even by SIGKILL, never leaves it behind), on SIGTERM and on SIGINT.
//
//   node tools/postgres-server/src/cli.mjs [--port N] [--set name=value]...
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { startPostgresServer } from './start-postgres-server.mjs';

const { values } = parseArgs({ options: { port: { type: 'string' }, set: { type: 'string', multiple: true, default: [] } } });
const settings = Object.fromEntries(
  values.set.map((item) => {
    const at = item.indexOf('=');
    if (at <= 0) throw new Error(`--set expects name=value, not ${item}`);
    return [item.slice(0, at), item.slice(at + 1)];
  }),
);

const emit = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

let server;
try {
  server = await startPostgresServer({ port: values.port === undefined ? undefined : Number(values.port), settings });
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}

let closing = null;
const shutDown = () => {
  closing ??= server.close().then(
    () => process.exit(0),
    (error) => {
      process.stderr.write(`postgres-server: ${error.message}\n`);
      process.exit(1);
    },
  );
  return closing;
};
process.on('SIGTERM', shutDown);
process.on('SIGINT', shutDown);

// Commands run one after the other, in the order they arrive.
let queue = Promise.resolve();
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const command = line.trim();
  queue = queue.then(async () => {
    if (closing) return;
    try {
      if (command === 'stop') {
        await server.stop();
        emit({ event: 'stopped' });
      } else if (command === 'start') {
        await server.start();
        emit({ event: 'started' });
      } else if (command !== '') {
        emit({ event: 'error', message: `unknown command ${command}` });
      }
    } catch (error) {
      emit({ event: 'error', message: error.message });
    }
  });
});
lines.on('close', () => void queue.then(shutDown));

const { url, host, port, user, password, database } = server;
emit({ event: 'ready', url, host, port, user, password, database });
