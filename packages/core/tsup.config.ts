import { copyFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defineConfig } from 'tsup';
import { baseConfig, relativizeSourceMaps } from '../../tsup.base';

const entry = ['src/index.ts', 'src/backend/index.ts', 'src/conformance/index.ts', 'src/node/index.ts'];

/**
 * Core is built twice. The ESM build imports jose, as every other dependency is imported. The
 * CommonJS build carries its own copy of the parts of jose it uses: jose 6 is ESM only, and jest's
 * CommonJS module loader (the default of every jest project, up to Node 24.9) can neither `require`
 * nor `import()` an ES module, so a `require('jose')` there made the whole package unloadable.
 */
export default defineConfig(() => {
  // Both builds write into dist, so neither may clean it: it is emptied once, here.
  rmSync('dist', { recursive: true, force: true });
  return [
    { ...baseConfig, entry, format: ['esm'], clean: false },
    {
      ...baseConfig,
      entry,
      format: ['cjs'],
      clean: false,
      noExternal: ['jose'],
      // tsup turns the split ESM output into CommonJS with sucrase, which breaks jose's
      // `super(message, options), this.name = …` by moving class fields after the `super(…)` call;
      // with the fields lowered by esbuild first, sucrase has none left to move.
      esbuildOptions: (options, context) => {
        baseConfig.esbuildOptions?.(options, context);
        options.supported = { ...options.supported, 'class-field': false };
      },
      onSuccess: async () => {
        relativizeSourceMaps('dist');
        const joseLicense = join(dirname(createRequire(import.meta.url).resolve('jose/package.json')), 'LICENSE.md');
        copyFileSync(joseLicense, 'dist/jose-LICENSE.md');
      },
    },
  ];
});
