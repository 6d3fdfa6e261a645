// Runs every benchmark file of this folder (`*.bench.ts`), or those named on the command line:
//   pnpm bench               all of them
//   pnpm bench json sqlite   json.bench.ts and sqlite.bench.ts
// Results are printed as tables; with BENCH_JSON=path they are also written as JSON.
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { allResults } from './harness';

const here = dirname(fileURLToPath(import.meta.url));
const wanted = process.argv.slice(2);
const files = readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => wanted.length === 0 || wanted.includes(file.replace(/\.bench\.ts$/, '')))
  .sort();

if (files.length === 0) console.log('No benchmark files found.');
for (const file of files) {
  console.log(`\n# ${file}`);
  const module = (await import(pathToFileURL(join(here, file)).href)) as { run: () => Promise<void> };
  await module.run();
}
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, `${JSON.stringify(allResults(), null, 2)}\n`);
const missed = allResults().filter((result) => result.meetsTarget === false);
if (missed.length > 0) console.log(`\n${missed.length} target(s) missed: ${missed.map((result) => `${result.group} / ${result.label}`).join('; ')}`);
