// Makes the workspace's better-sqlite3 loadable by the Node.js that runs this script: native addons
// are built for one Node ABI, and CI tests several Node versions in one clone. Each build is kept in
// node_modules/.cache/better-sqlite3/<version>/<abi>.node, so switching back costs a copy, not a
// compile (about a minute and a half on 2 cores). Compiles against this Node's own headers (beside
// its bin/, as in the registry's node-<platform>-<arch> package), since nodejs.org may not be reachable.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const sqlitePackage = join(root, 'packages', 'sqlite');
const packageDir = dirname(createRequire(join(sqlitePackage, 'package.json')).resolve('better-sqlite3/package.json'));
const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
const installed = join(packageDir, 'build', 'Release', 'better_sqlite3.node');
const abi = `node-${process.versions.modules}-${process.platform}-${process.arch}`;
const cached = join(root, 'node_modules', '.cache', 'better-sqlite3', version, `${abi}.node`);

/** Whether this Node loads the installed build (in a child: a foreign build must not touch this process). */
function loadsHere() {
  try {
    execFileSync(process.execPath, ['-e', `new (require(${JSON.stringify(packageDir)}))(':memory:').close()`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The folder holding this Node's `include/node` headers, for node-gyp's `nodedir`. */
function headersDir() {
  const candidates = [dirname(dirname(process.execPath)), '/usr'];
  const found = candidates.find((dir) => existsSync(join(dir, 'include', 'node', 'node_version.h')) && headersMatch(dir));
  if (!found) throw new Error(`no headers of Node ${process.version} next to ${process.execPath}`);
  return found;
}

function headersMatch(dir) {
  const header = readFileSync(join(dir, 'include', 'node', 'node_version.h'), 'utf8');
  const major = /#define NODE_MAJOR_VERSION (\d+)/.exec(header)?.[1];
  return major === process.versions.node.split('.')[0];
}

function keep() {
  mkdirSync(dirname(cached), { recursive: true });
  copyFileSync(installed, cached);
}

if (loadsHere()) {
  if (!existsSync(cached)) keep();
} else if (existsSync(cached)) {
  copyFileSync(cached, installed);
  if (!loadsHere()) throw new Error(`the kept build ${cached} does not load in Node ${process.version}`);
} else {
  console.error(`use-native-build: compiling better-sqlite3 ${version} for Node ${process.version}`);
  execFileSync('pnpm', ['rebuild', 'better-sqlite3'], {
    cwd: sqlitePackage,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, npm_config_nodedir: headersDir() },
  });
  if (!loadsHere()) throw new Error(`better-sqlite3 built for Node ${process.version} does not load`);
  keep();
}
console.error(`use-native-build: better-sqlite3 ${version} ready for Node ${process.version} (${abi})`);
