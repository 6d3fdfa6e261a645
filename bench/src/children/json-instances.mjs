// `node --expose-gc json-instances.mjs FILE N`: the heap of N JSONTokenStorage instances on one
// file, one per namespace (ns-0 … ns-N-1, as a server keeps one per user), each having read its
// namespace, against the heap of the first one's read (one parse of the file). Prints JSON.
import { JSONTokenStorage } from '@globus-tokenstorage/json';

const [file, count] = process.argv.slice(2);
const memory = () => {
  globalThis.gc();
  globalThis.gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};
const before = memory();
const storages = [new JSONTokenStorage(file, { namespace: 'ns-0' })];
await storages[0].getTokenDataByResourceServer();
const one = memory() - before;
for (let index = 1; index < Number(count); index += 1) storages.push(new JSONTokenStorage(file, { namespace: `ns-${index}` }));
const started = performance.now();
for (const storage of storages) await storage.getTokenDataByResourceServer();
const allMs = performance.now() - started;
const all = memory() - before;
process.stdout.write(`${JSON.stringify({ one, all, allMs, storages: storages.length })}\n`);
