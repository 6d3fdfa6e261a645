import { readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
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
  // Names of classes and functions. The ES modules need no help: their classes are named by their
  // declarations, and those whose names appear in messages, toString() or util.inspect return it
  // from a `static get name()` (kept by minifiers, and by esbuild's renaming of a class that refers
  // to itself). keepNames there would add a naming call to every function and a static block to
  // every class, which bundlers must keep: an app importing one class of a package got all of them.
  // The CommonJS output is converted by sucrase, which renames classes with fields `_class`: there
  // keepNames restores them. tests/packaging checks the name of every export in both formats.
  esbuildOptions: (options, { format }) => {
    options.keepNames = format === 'cjs';
  },
  onSuccess: async () => relativizeSourceMaps('dist'),
};

/**
 * Rewrites the absolute `file` and `sources` of the source maps in `outDir` relative to each map.
 * tsup's CommonJS code splitting names the intermediate file by its absolute path, which would
 * publish the build machine's directories and point debuggers at files that do not exist elsewhere.
 *
 * @param outDir - The build output directory.
 */
export function relativizeSourceMaps(outDir: string): void {
  for (const entry of readdirSync(outDir, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.map')) continue;
    const path = join(outDir, entry);
    const map = JSON.parse(readFileSync(path, 'utf8')) as { file?: string; sources?: string[] };
    const paths = [map.file ?? '', ...(map.sources ?? [])];
    if (!paths.some((source) => isAbsolute(source))) continue;
    const toRelative = (source: string) => (isAbsolute(source) ? relative(dirname(path), source).split('\\').join('/') : source);
    map.sources = map.sources?.map(toRelative);
    if (map.file !== undefined) map.file = toRelative(map.file);
    // Both formats' builds may visit the same map: replace it whole so no reader sees half a file.
    const temporary = `${path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(map));
    renameSync(temporary, path);
  }
}
