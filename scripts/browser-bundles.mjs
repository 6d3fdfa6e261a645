// The browser half of `pnpm check:packaging`: bundles the built entry of each package that must run
// in browsers with esbuild for the browser platform, fails on any import of a Node built-in, and
// measures what core + authorizers + web-storage cost a web app, minified and gzipped.
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

/** Packages (folders under packages/) whose main entry must load in a browser. */
export const BROWSER_PACKAGES = ['core', 'memory', 'authorizers', 'web-storage', 'encrypted'];

/** The packages a web app combines, measured together with everything they export. */
const WEB_APP_PACKAGES = ['core', 'authorizers', 'web-storage'];

/** What the browser example imports: the size of a typical app after tree shaking (reported, not budgeted). */
const TYPICAL_APP = `export { WebStorageTokenStorage, RedirectLogin } from '@globus-tokenstorage/web-storage';
export { NativeAppAuthClient, StorageBackedAuthorizer, authorizedFetch } from '@globus-tokenstorage/authorizers';`;

/**
 * Budget of the web-app bundle without the id_token verifier (jose), minified and gzipped: 26.3 kB
 * measured, of which about 1.1 kB is StorageBackedAuthorizer's refresh lease, its store retries and
 * its bounded storage calls, and about 0.3 kB TokenStorage's template methods (the open and argument
 * checks, call counting and optional methods every backend used to write itself); the helpers that
 * moved from core's main entry to its backend kit no longer reach browser bundles. A change that
 * grows it past this must say why.
 */
export const WEB_APP_BUDGET_BYTES = 26_600;

const NODE_BUILTINS = new Set(builtinModules);

/** Records each import of a Node built-in (`node:fs`, `fs`, …) instead of failing on the first. */
function nodeImportRecorder(found) {
  return {
    name: 'record-node-imports',
    setup(esbuild) {
      esbuild.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.replace(/^node:/, '').split('/')[0];
        if (!args.path.startsWith('node:') && !NODE_BUILTINS.has(bare)) return undefined;
        found.add(`${args.path} (imported by ${args.importer.replace(/.*node_modules\//, '')})`);
        return { path: args.path, external: true };
      });
    },
  };
}

/**
 * Bundles `contents` as a browser app would: the built `dist` of the packages, through their
 * `exports`, resolved from `resolveDir` (a package resolves its own name, and its dependencies).
 */
async function bundle(contents, { resolveDir, external = [] }) {
  const nodeImports = new Set();
  const result = await build({
    stdin: { contents, resolveDir, loader: 'js' },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    write: false,
    external,
    // The packages' tsconfig maps their names to the TypeScript sources; bundle what is published.
    tsconfigRaw: '{}',
    logLevel: 'silent',
    plugins: [nodeImportRecorder(nodeImports)],
  });
  const code = result.outputFiles[0].contents;
  return { nodeImports: [...nodeImports], minified: code.length, gzipped: gzipSync(code, { level: 9 }).length };
}

/**
 * @param {string} contents - Module text to bundle for the browser.
 * @param {string} resolveDir - Where its imports are resolved from.
 * @returns {Promise<string[]>} The Node built-ins it imports, directly or through its dependencies.
 */
export async function nodeImportsOf(contents, resolveDir) {
  return (await bundle(contents, { resolveDir })).nodeImports;
}

/**
 * Runs the checks.
 *
 * @param {string} root - The workspace root (packages must be built).
 * @returns {Promise<{ failures: string[], lines: string[], sizes: { withoutJose: number, withJose: number, typical: number } }>}
 */
export async function checkBrowserBundles(root) {
  const resolveDir = join(root, 'packages', 'web-storage');
  const exportAll = (folders) => folders.map((folder) => `export * from '@globus-tokenstorage/${folder}';`).join('\n');
  const failures = [];
  const lines = [];
  for (const folder of BROWSER_PACKAGES) {
    const name = `@globus-tokenstorage/${folder}`;
    try {
      const { nodeImports } = await bundle(exportAll([folder]), { resolveDir: join(root, 'packages', folder) });
      if (nodeImports.length > 0) failures.push(`${name}: the browser bundle imports Node built-ins: ${nodeImports.join(', ')}`);
      else lines.push(`${name}: browser bundle has no Node built-in`);
    } catch (error) {
      failures.push(`${name}: cannot be bundled for the browser: ${error.message}`);
    }
  }
  const withoutJose = await bundle(exportAll(WEB_APP_PACKAGES), { resolveDir, external: ['jose'] });
  const withJose = await bundle(exportAll(WEB_APP_PACKAGES), { resolveDir });
  const typical = await bundle(TYPICAL_APP, { resolveDir, external: ['jose'] });
  const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;
  const summary =
    `core + authorizers + web-storage in a browser: ${kB(withoutJose.gzipped)} minified+gzipped without the id_token verifier (jose) ` +
    `(${kB(withoutJose.minified)} minified), ${kB(withJose.gzipped)} with it; budget ${kB(WEB_APP_BUDGET_BYTES)}`;
  if (withoutJose.gzipped > WEB_APP_BUDGET_BYTES) failures.push(summary);
  else lines.push(summary);
  lines.push(`a typical web app (the browser example's imports, tree-shaken): ${kB(typical.gzipped)} minified+gzipped without jose`);
  return { failures, lines, sizes: { withoutJose: withoutJose.gzipped, withJose: withJose.gzipped, typical: typical.gzipped } };
}
