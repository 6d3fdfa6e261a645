// `node --expose-gc sqlite-instances.mjs FILE N MODE`: the growth of resident memory while N
// namespaces (ns-0 … ns-N-1) of one database are read and their token data kept:
// - MODE `storages`: by N SQLiteTokenStorage instances, one per namespace (as a server keeps one
//   per user), each reading its namespace (and caching its parse);
// - MODE `raw`: by one raw better-sqlite3 connection, each row JSON.parse'd and kept (the limit).
// Prints JSON: `{ bytes, ms }`.
import { createRequire } from 'node:module';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';

const Database = createRequire(import.meta.resolve('@globus-tokenstorage/sqlite'))('better-sqlite3');
const [file, count, mode] = process.argv.slice(2);
const memory = () => {
  globalThis.gc();
  globalThis.gc();
  return process.memoryUsage().rss;
};
const before = memory();
const started = performance.now();
const kept = [];
if (mode === 'raw') {
  const db = new Database(file, { readonly: true });
  const select = db.prepare('SELECT resource_server, token_data_json FROM token_storage WHERE namespace = ?').raw();
  for (let index = 0; index < Number(count); index += 1) {
    kept.push(Object.fromEntries(select.all(`ns-${index}`).map(([key, text]) => [key, JSON.parse(text)])));
  }
  kept.push(db);
} else {
  for (let index = 0; index < Number(count); index += 1) {
    const storage = new SQLiteTokenStorage(file, { namespace: `ns-${index}` });
    await storage.getTokenDataByResourceServer();
    kept.push(storage);
  }
}
const ms = performance.now() - started;
const bytes = memory() - before;
process.stdout.write(`${JSON.stringify({ bytes, ms, kept: kept.length })}\n`);
