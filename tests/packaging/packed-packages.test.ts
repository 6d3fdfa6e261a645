import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * What a new user gets: the packages packed as they would be published, installed from the tarballs
 * into fresh projects outside the workspace (dependencies from the pnpm store, else the registry),
 * each running the conformance suite as core's README tells plugin authors to, or type-checking
 * every package's types as a CommonJS and an ES module TypeScript project.
 */

const ROOT = resolve(__dirname, '../..');
const CONSUMERS = join(__dirname, 'consumers');
/** The folders of the published packages (every package that is not private). */
const PUBLISHED = readdirSync(join(ROOT, 'packages'))
  .filter((dir) => existsSync(join(ROOT, 'packages', dir, 'package.json')))
  .filter((dir) => JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8')).private !== true)
  .sort();

let work: string;
let tarballs: Record<string, string>;

/** The environment of the tools run here, without what the workspace's own jest and pnpm set. */
function cleanEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(npm_|JEST_WORKER_ID$|NODE_OPTIONS$|NODE_ENV$)/i.test(name)));
}

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, {
      cwd,
      env: cleanEnvironment(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 120_000,
    });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

/** The version of a package the workspace itself uses, so that installs come from the pnpm store. */
function workspaceVersion(name: string): string {
  return JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version as string;
}

/** Copies a consumer project, points its dependencies (package folders) at the tarballs, and installs it. */
function installConsumer(name: string, packages: string[], devDependencies: Record<string, string>): string {
  const project = join(work, name);
  cpSync(join(CONSUMERS, name), project, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
  manifest.dependencies = Object.fromEntries(packages.map((dir) => [`@globus-tokenstorage/${dir}`, `file:${tarballs[dir]}`]));
  manifest.devDependencies = devDependencies;
  writeFileSync(join(project, 'package.json'), JSON.stringify(manifest, null, 2));
  // The packages depend on each other by version: the overrides send those to the tarballs too. The
  // file makes the project its own workspace root, so pnpm does not climb into this repository. No
  // consumer runs SQLite, so its native addon is not built.
  writeFileSync(
    join(project, 'pnpm-workspace.yaml'),
    [
      'overrides:',
      ...PUBLISHED.map((dir) => `  "@globus-tokenstorage/${dir}": "file:${tarballs[dir]}"`),
      'allowBuilds:',
      '  "@parcel/watcher": false',
      '  better-sqlite3: false',
      '',
    ].join('\n'),
  );
  run('pnpm', ['install', '--prefer-offline', '--reporter=silent'], project);
  return project;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'gts-packed-'));
  const packs = join(work, 'packs');
  tarballs = {};
  for (const dir of PUBLISHED) {
    run('pnpm', ['pack', '--pack-destination', packs], join(ROOT, 'packages', dir));
    const file = readdirSync(packs).find((entry) => entry.startsWith(`globus-tokenstorage-${dir}-`));
    if (file === undefined) throw new Error(`pnpm pack wrote no tarball for ${dir}`);
    tarballs[dir] = join(packs, file);
  }
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed packages in a fresh project', () => {
  it('a CommonJS jest project without any transform setting requires core and runs the conformance suite', () => {
    const jestVersion = JSON.parse(readFileSync(require.resolve('jest/package.json'), 'utf8')).version as string;
    const project = installConsumer('cjs-jest', ['core', 'memory', 'json'], { jest: jestVersion });
    const report = join(project, 'report.json');
    run(process.execPath, [join(project, 'node_modules/jest/bin/jest.js'), '--ci', '--json', `--outputFile=${report}`], project);
    const results = JSON.parse(readFileSync(report, 'utf8'));
    expect({ failed: results.numFailedTests, suitesFailed: results.numFailedTestSuites }).toEqual({ failed: 0, suitesFailed: 0 });
    // Two backends' runs of every group, the token responses (id_tokens verified by jose) included.
    expect(results.numPassedTests).toBeGreaterThan(80);
  }, 180_000);

  it('a node:test project runs the conformance suite through the README expect adapter', () => {
    const project = installConsumer('node-test', ['core', 'memory', 'json'], {});
    const output = run(process.execPath, ['--test', '--test-reporter=tap'], project);
    const count = (label: string) => Number(new RegExp(`^# ${label} (\\d+)$`, 'm').exec(output)?.[1]);
    expect({ fail: count('fail'), cancelled: count('cancelled') }).toEqual({ fail: 0, cancelled: 0 });
    expect(count('pass')).toBeGreaterThan(80);
  }, 180_000);

  it('the CLI installed from its tarball prints the version of its package.json', () => {
    const project = installConsumer('cli-bin', ['cli'], {});
    const { version } = JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string };
    expect(run(join(project, 'node_modules/.bin/globus-tokens'), ['--version'], project)).toBe(`${version}\n`);
  }, 180_000);

  // With skipLibCheck off, tsc reads every types file the entries lead to: one that imports an ES
  // module only package (jose) from a CommonJS types file fails with TS1479.
  it.each([
    ['types-cjs', 'a CommonJS project (module node16)'],
    ['types-esm', 'an ES module project (module nodenext)'],
  ])(
    '%s: %s type-checks every entry of every package with skipLibCheck off',
    (consumer) => {
      const project = installConsumer(consumer, PUBLISHED, {
        typescript: workspaceVersion('typescript'),
        '@types/node': workspaceVersion('@types/node'),
      });
      cpSync(join(CONSUMERS, 'types-usage.ts'), join(project, 'usage.ts'));
      writeFileSync(join(project, 'every-entry.ts'), everyEntrySource());
      run(process.execPath, [join(project, 'node_modules/typescript/bin/tsc'), '-p', project], project);
      for (const dir of PUBLISHED) {
        expect(readFileSync(join(project, 'node_modules/@globus-tokenstorage', dir, 'LICENSE'), 'utf8')).toBe(
          readFileSync(join(ROOT, 'LICENSE'), 'utf8'),
        );
      }
    },
    240_000,
  );
});

/** A module that imports every export subpath of every published package. */
function everyEntrySource(): string {
  const specifiers = PUBLISHED.flatMap((dir) => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8'));
    return Object.keys(manifest.exports as Record<string, unknown>)
      .filter((subpath) => subpath !== './package.json')
      .map((subpath) => (subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`) as string);
  });
  const imports = specifiers.map((specifier, index) => `import * as entry${index} from '${specifier}';`);
  return [...imports, `export const entries = [${specifiers.map((_, index) => `entry${index}`).join(', ')}];`, ''].join('\n');
}
