import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { buildDatabase, namespaceName, rawAtomicWrite, tokenResponse, writeTokenFile } from './fixtures';
import { compare, type BenchCase } from './harness';

const SIZES = [1, 1000, 100_000];
const MB = 1024 * 1024;
const RESOURCE_SERVER = 'transfer.api.globus.org';

const label = (namespaces: number) => `${namespaces.toLocaleString('en-US')} namespaces`;

/**
 * How the cost of an operation grows with the store: SQLite getTokenData and JSON getTokenData /
 * storeTokenResponse on stores of 1, 1000 and 100 000 namespaces × 3 resource servers.
 * - Reads are compared with the same read on the 1-namespace store: both backends must stay flat
 *   (target <= 2x at 1000 and 100 000 namespaces, a guard: a cost that grew with the store would show
 *   as a ratio in the hundreds): SQLite looks the row up in an index, JSON answers from its cache
 *   after one stat.
 * - A JSON store rewrites the whole file, so its cost grows linearly with the file's size, like the
 *   raw durable write of the same bytes measured beside it; the cost per MB of both is printed.
 * Each backend's stores are set up and measured on their own, so that neither's disk writes or
 * memory weigh on the other's figures.
 */
export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gts-bench-growth-'));
  try {
    await sqliteReads(dir);
    await jsonReadsAndStores(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sqliteReads(dir: string): Promise<void> {
  const storages: SQLiteTokenStorage[] = [];
  try {
    const cases: BenchCase[] = [];
    for (const namespaces of SIZES) {
      const storage = new SQLiteTokenStorage(await buildDatabase(dir, namespaces), {
        namespace: namespaceName(Math.floor(namespaces / 2)),
      });
      storages.push(storage);
      cases.push({ label: label(namespaces), fn: () => storage.getTokenData(RESOURCE_SERVER), targetRatio: 2 });
    }
    const [smallest, ...larger] = cases as [BenchCase, ...BenchCase[]];
    await compare(
      'growth: SQLiteTokenStorage.getTokenData against the same read on 1 namespace',
      { label: smallest.label, fn: smallest.fn },
      larger,
    );
  } finally {
    for (const storage of storages) await storage.close();
  }
}

async function jsonReadsAndStores(dir: string): Promise<void> {
  const sizes = [];
  for (const namespaces of SIZES) {
    const file = join(dir, `tokens-${namespaces}.json`);
    writeTokenFile(file, namespaces);
    const storage = new JSONTokenStorage(file, { namespace: namespaceName(Math.floor(namespaces / 2)) });
    const response = tokenResponse(RESOURCE_SERVER);
    await storage.storeTokenResponse(response);
    const bytes = readFileSync(file);
    const copy = join(dir, `copy-${namespaces}.json`);
    sizes.push({
      namespaces,
      megabytes: bytes.length / MB,
      get: () => storage.getTokenData(RESOURCE_SERVER),
      store: () => storage.storeTokenResponse(response),
      rawWrite: () => rawAtomicWrite(copy, bytes),
    });
  }
  const [smallest, ...larger] = sizes as [(typeof sizes)[number], ...typeof sizes];
  await compare(
    'growth: JSONTokenStorage.getTokenData against the same read on 1 namespace',
    { label: label(smallest.namespaces), fn: smallest.get },
    larger.map((size) => ({ label: label(size.namespaces), fn: size.get, targetRatio: 2 })),
  );
  const stores = [];
  for (const size of sizes) {
    const [raw, ours] = await compare(
      `growth: JSONTokenStorage.storeTokenResponse, ${label(size.namespaces)} (${size.megabytes.toFixed(2)} MB)`,
      { label: 'raw: temp + write + fsync + rename + dir fsync', fn: size.rawWrite },
      [{ label: 'JSONTokenStorage.storeTokenResponse', fn: size.store }],
      size.namespaces >= 100_000 ? { timeMs: 2000, minSamples: 5 } : {},
    );
    stores.push({ megabytes: size.megabytes, raw: raw?.msPerOp ?? NaN, ours: ours?.msPerOp ?? NaN });
  }
  const first = stores[1];
  const last = stores[stores.length - 1];
  if (first && last) {
    const megabytes = last.megabytes - first.megabytes;
    console.log('\ngrowth: JSON store cost per MB of file (slope between the two largest files)');
    console.table([
      { case: 'raw durable write', 'ms per MB': ((last.raw - first.raw) / megabytes).toFixed(2) },
      { case: 'JSONTokenStorage.storeTokenResponse', 'ms per MB': ((last.ours - first.ours) / megabytes).toFixed(2) },
    ]);
  }
}
