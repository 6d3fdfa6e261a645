import type { Options } from 'tsup';

/**
 * Build settings shared by every package: dual ESM/CJS output with a types file per format.
 * Each package's tsup.config.ts adds only its `entry` list.
 */
export const baseConfig: Options = {
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // Shared chunks keep one copy of each class per format even when a package has several
  // entries (core's main, conformance and node entries must see the same error classes).
  splitting: true,
  treeshake: false,
  // Class names appear in messages and in toString(); keep them unmangled.
  keepNames: true,
};
