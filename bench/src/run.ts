// Runs every benchmark file of this folder (`*.bench.ts`), or those named on the command line:
//   pnpm bench                   all of them
//   pnpm bench json sqlite       json.bench.ts and sqlite.bench.ts
//   pnpm bench --check           exits with status 1 if a case misses its target
// The packages are imported by name, so the built `dist` files run (what users install); run
// `pnpm build` after changing a package. Results are printed as tables; with BENCH_JSON=path they
// are also written as JSON.
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { assertBuildIsCurrent } from './build-check';
import { allResults } from './harness';

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const isCheck = args.includes('--check');
const wanted = args.filter((arg) => !arg.startsWith('--'));
const files = readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => wanted.length === 0 || wanted.includes(file.replace(/\.bench\.ts$/, '')))
  .sort();

assertBuildIsCurrent(join(here, '..', '..', 'packages'));
if (files.length === 0) console.log('No benchmark files found.');
for (const file of files) {
  console.log(`\n# ${file}`);
  const module = (await import(pathToFileURL(join(here, file)).href)) as { run: () => Promise<void> };
  await module.run();
}
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, `${JSON.stringify(allResults(), null, 2)}\n`);

const targeted = allResults().filter((result) => result.targetRatio !== undefined);
if (targeted.length > 0) {
  console.log('\n# Targets (ours / limit: median of the rounds, and their spread)');
  console.table(
    targeted.map((result) => ({
      comparison: result.group,
      case: result.label,
      'ours/limit': `${result.ratio.toFixed(2)}x`,
      spread: `${result.ratioSpread[0].toFixed(2)}-${result.ratioSpread[1].toFixed(2)}x`,
      target: `<= ${result.targetRatio}x`,
      result: result.meetsTarget ? 'met' : 'MISSED',
    })),
  );
}
const missed = targeted.filter((result) => result.meetsTarget === false);
if (missed.length > 0)
  console.log(`\n${missed.length} target(s) missed: ${missed.map((result) => `${result.group} / ${result.label}`).join('; ')}`);
if (isCheck && missed.length > 0) process.exitCode = 1;
