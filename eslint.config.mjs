// ESLint runs only the type-checked rules that need the TypeScript compiler's view of every call:
// "every call settles; never a floating promise". Formatting and every other lint rule are Biome's
// (biome.json); the root README's "Working on the code" says why the work is split this way.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'coverage/**',
      'reports/**',
      '.tools/**',
      // Its types are index.d.mts beside it, which TypeScript reads instead of the file itself.
      'tools/postgres-server/src/index.mjs',
    ],
  },
  {
    files: ['**/*.{ts,mts,cts,js,mjs,cjs}'],
    languageOptions: {
      parser: tseslint.parser,
      // One program for the whole tree (tsconfig.eslint.json) is much faster than one per package.
      parserOptions: { project: './tsconfig.eslint.json', tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    // These projects pass node:test's describe and it to the conformance suite as core's README shows:
    // they return promises that node:test awaits itself, where the suite's types expect void.
    files: ['tests/packaging/consumers/**'],
    rules: { '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { properties: false } }] },
  },
);
