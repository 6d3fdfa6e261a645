import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * What a new user gets: the packages packed as they would be published, installed from the tarballs
 * into fresh projects outside the workspace (dependencies from the pnpm store, else the registry),
 * each running the conformance suite as core's README tells plugin authors to.
 */

const ROOT = resolve(__dirname, '../..');
const CONSUMERS = join(__dirname, 'consumers');
const PACKED = ['core', 'memory', 'json'];

let work: string;
let tarballs: Record<string, string>;

/** The environment of the tools run here, without what the workspace's own jest and pnpm set. */
function cleanEnvironment(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(npm_|JEST_WORKER_ID$|NODE_OPTIONS$|NODE_ENV$)/i.test(name)),
  );
}

function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, env: cleanEnvironment(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout ?? ''}\n${stderr ?? ''}`);
  }
}

/** Copies a consumer project, points its dependencies at the tarballs, and installs it. */
function installConsumer(name: string, devDependencies: Record<string, string>): string {
  const project = join(work, name);
  cpSync(join(CONSUMERS, name), project, { recursive: true });
  const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
  manifest.dependencies = Object.fromEntries(PACKED.map((dir) => [`@globus-tokenstorage/${dir}`, `file:${tarballs[dir]}`]));
  manifest.devDependencies = devDependencies;
  writeFileSync(join(project, 'package.json'), JSON.stringify(manifest, null, 2));
  // Each backend depends on core by version: the overrides send that to the tarball too. The file
  // makes the project its own workspace root, so pnpm does not climb into this repository.
  writeFileSync(
    join(project, 'pnpm-workspace.yaml'),
    [
      'overrides:',
      `  "@globus-tokenstorage/core": "file:${tarballs.core}"`,
      'allowBuilds:',
      '  "@parcel/watcher": false',
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
  for (const dir of PACKED) {
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
    const project = installConsumer('cjs-jest', { jest: jestVersion });
    const report = join(project, 'report.json');
    run(process.execPath, [join(project, 'node_modules/jest/bin/jest.js'), '--ci', '--json', `--outputFile=${report}`], project);
    const results = JSON.parse(readFileSync(report, 'utf8'));
    expect({ failed: results.numFailedTests, suitesFailed: results.numFailedTestSuites }).toEqual({ failed: 0, suitesFailed: 0 });
    // Two backends' runs of every group, the token responses (id_tokens verified by jose) included.
    expect(results.numPassedTests).toBeGreaterThan(80);
  }, 180_000);

  it('a node:test project runs the conformance suite through the README expect adapter', () => {
    const project = installConsumer('node-test', {});
    const output = run(process.execPath, ['--test', '--test-reporter=tap'], project);
    const count = (label: string) => Number(new RegExp(`^# ${label} (\\d+)$`, 'm').exec(output)?.[1]);
    expect({ fail: count('fail'), cancelled: count('cancelled') }).toEqual({ fail: 0, cancelled: 0 });
    expect(count('pass')).toBeGreaterThan(80);
  }, 180_000);
});
