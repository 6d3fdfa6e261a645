// The browser half of the packaging check can fail: it finds a Node built-in however it is
// imported, and it passes the built packages that must run in browsers.
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

/** Runs ESM code against scripts/browser-bundles.mjs in a child process (jest runs CommonJS). */
function runModule(code: string): unknown {
  const output = execFileSync(
    process.execPath,
    ['--input-type=module', '-e', `import * as check from './scripts/browser-bundles.mjs';\n${code}`],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  );
  return JSON.parse(output) as unknown;
}

describe('the browser bundle check', () => {
  it('finds Node built-ins imported with and without the node: prefix, also through a dependency', () => {
    const found = runModule(`
      const imports = await check.nodeImportsOf("import 'node:fs'; import { join } from 'path'; export { join };", process.cwd());
      const throughCore = await check.nodeImportsOf("export * from '@globus-tokenstorage/core/node';", 'packages/json');
      console.log(JSON.stringify({ imports, throughCore: throughCore.length > 0 }));
    `);
    expect(found).toEqual({ imports: ['node:fs (imported by <stdin>)', 'path (imported by <stdin>)'], throughCore: true });
  });

  it('passes core, memory, authorizers and web-storage, within the size budget', () => {
    const result = runModule('console.log(JSON.stringify(await check.checkBrowserBundles(process.cwd())));') as {
      failures: string[];
      sizes: Record<string, number>;
    };
    expect(result.failures).toEqual([]);
    expect(result.sizes.withoutJose).toBeLessThanOrEqual(26_600);
  });

  it('keeps, in a minified bundle, the class names that messages, toString() and util.inspect show', () => {
    const result = runModule(`
      const { build } = await import('esbuild');
      const packages = ['core', 'memory', 'authorizers', 'web-storage'];
      const bundled = await build({
        stdin: { contents: packages.map((name) => "export * from '@globus-tokenstorage/" + name + "';").join('\\n'), resolveDir: 'tests', loader: 'js' },
        bundle: true, platform: 'browser', format: 'esm', target: 'es2022', minify: true, write: false, tsconfigRaw: '{}', logLevel: 'silent',
      });
      const module = await import('data:text/javascript,' + encodeURIComponent(bundled.outputFiles[0].text));
      const names = Object.fromEntries(Object.entries(module).filter(([, value]) => typeof value === 'function').map(([key, value]) => [key, value.name]));
      console.log(JSON.stringify({ names, storage: String(new module.MemoryTokenStorage({ namespace: 'n' })) }));
    `) as { names: Record<string, string>; storage: string };
    const shown = [
      'MemoryTokenStorage',
      'WebStorageTokenStorage',
      'ValidatingTokenStorage',
      'RenewingAuthorizer',
      'RefreshTokenAuthorizer',
      'ClientCredentialsAuthorizer',
      'StorageBackedAuthorizer',
      'NativeAppAuthClient',
      'ConfidentialAppAuthClient',
      'RedirectLogin',
      'TokenStorageData',
      'OAuthTokenResponse',
      'Scope',
      'ConsentForest',
    ];
    expect(Object.fromEntries(shown.map((name) => [name, result.names[name]]))).toEqual(
      Object.fromEntries(shown.map((name) => [name, name])),
    );
    expect(result.storage).toBe('MemoryTokenStorage(namespace="n")');
  });
});
