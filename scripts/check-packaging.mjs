// Packs every publishable package with pnpm (so workspace:^ ranges become real versions), then checks
// that each tarball carries the root LICENSE, checks each tarball with publint (package.json and exports) and attw (types for ESM and CJS consumers, and
// for the node10 resolution of older TypeScript set-ups), checks that no source map names a path of
// the build machine, smoke-tests the built entries with both import() and require() (and the names of
// their classes and functions), and checks the browser bundles (no Node built-in, size budget; see
// browser-bundles.mjs).
// With --imports-only, only the smoke test runs (for the other Node versions CI tests: publint, attw,
// the source maps and the bundles read files, and their answer does not depend on the Node that runs them).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkBrowserBundles } from './browser-bundles.mjs';

const root = resolve(import.meta.dirname, '..');
const importsOnly = process.argv.includes('--imports-only');
const packsDir = join(root, '.tmp', 'packs');
rmSync(packsDir, { recursive: true, force: true });
mkdirSync(packsDir, { recursive: true });

let failures = 0;

/**
 * The exported classes and functions whose `name` is not their export name (messages, toString()
 * and util.inspect show class names; the build can rename classes, see tsup.base.ts).
 */
function misnamedExports(module, how) {
  return Object.entries(module)
    .filter(([key, value]) => typeof value === 'function' && value.name !== key)
    .map(([key, value]) => `${key} is ${JSON.stringify(value.name)} (${how})`);
}

/**
 * Why a tarball's LICENSE is missing or not the repository's, or null when it is there and the same.
 * Every published package says Apache-2.0, which asks that the license text go with each copy.
 */
function licenseProblem(tarball) {
  const entries = execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).split('\n');
  if (!entries.includes('package/LICENSE')) return 'the tarball has no LICENSE (add "LICENSE" to files, and a copy of the root LICENSE)';
  const packed = execFileSync('tar', ['-xzOf', tarball, 'package/LICENSE'], { encoding: 'utf8' });
  return packed === readFileSync(join(root, 'LICENSE'), 'utf8') ? null : 'the LICENSE in the tarball differs from the root LICENSE';
}

const run = (label, command, args, cwd) => {
  try {
    execFileSync(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    console.error(`ok   ${label}`);
  } catch (error) {
    failures += 1;
    console.error(`FAIL ${label}\n${error.stdout ?? ''}${error.stderr ?? ''}`);
  }
};

for (const dir of readdirSync(join(root, 'packages')).sort()) {
  const packageDir = join(root, 'packages', dir);
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  if (manifest.private) continue;
  if (!importsOnly) {
    const before = new Set(readdirSync(packsDir));
    execFileSync('pnpm', ['pack', '--pack-destination', packsDir], { cwd: packageDir, stdio: 'ignore' });
    const tarball = join(
      packsDir,
      readdirSync(packsDir).find((file) => !before.has(file)),
    );
    const license = licenseProblem(tarball);
    if (license === null) console.error(`ok   ${manifest.name}: the tarball carries the repository's LICENSE`);
    else {
      failures += 1;
      console.error(`FAIL ${manifest.name}: ${license}`);
    }
    run(`${manifest.name}: publint`, 'pnpm', ['exec', 'publint', 'run', tarball, '--strict'], root);
    run(`${manifest.name}: attw`, 'pnpm', ['exec', 'attw', tarball, '--no-emoji', '--no-color'], root);
    const absoluteMapPaths = readdirSync(join(packageDir, 'dist'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.map'))
      .filter((file) => {
        const map = JSON.parse(readFileSync(join(packageDir, 'dist', file), 'utf8'));
        return [map.file ?? '', ...map.sources].some((source) => isAbsolute(source));
      });
    if (absoluteMapPaths.length === 0) console.error(`ok   ${manifest.name}: source maps use relative paths`);
    else {
      failures += 1;
      console.error(`FAIL ${manifest.name}: source maps name absolute paths: ${absoluteMapPaths.join(', ')}`);
    }
  }

  const requireFromPackage = createRequire(join(packageDir, 'package.json'));
  for (const subpath of Object.keys(manifest.exports).filter((key) => key !== './package.json')) {
    const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
    try {
      const cjs = requireFromPackage(specifier);
      const esm = await import(pathToFileURL(requireFromPackage.resolve(specifier).replace(/\.cjs$/, '.js')).href);
      const names = Object.keys(cjs).sort().join(',');
      if (names === '' || names !== Object.keys(esm).sort().join(',')) throw new Error(`ESM and CJS exports differ: ${names}`);
      const renamed = misnamedExports(cjs, 'require').concat(misnamedExports(esm, 'import'));
      if (renamed.length > 0) throw new Error(`exported classes or functions named otherwise than exported: ${renamed.join(', ')}`);
      console.error(`ok   ${specifier}: import and require, every export named as exported (Node ${process.versions.node})`);
    } catch (error) {
      failures += 1;
      console.error(`FAIL ${specifier}: import and require\n${error.stack}`);
    }
  }
}

if (!importsOnly) {
  const browser = await checkBrowserBundles(root);
  for (const line of browser.lines) console.error(`ok   ${line}`);
  for (const failure of browser.failures) console.error(`FAIL ${failure}`);
  failures += browser.failures.length;
}

rmSync(join(root, '.tmp'), { recursive: true, force: true });
if (failures > 0) {
  console.error(`check:packaging: ${failures} problem(s)`);
  process.exit(1);
}
