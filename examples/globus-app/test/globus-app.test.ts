// Runs the example as `npm run example:app` does (tsx on the sources, packages built), with its own
// home directory (for the token file) and data directory (for the local server's state).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const EXAMPLE = resolve(__dirname, '..');

function runExample(home: string, args: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: EXAMPLE,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, HOME: home, GLOBUS_APP_EXAMPLE_DATA_DIR: join(home, 'server') },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, stdout, stderr }));
  });
}

describe('the globus-app example', () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'gts-example-app-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it('logs in once, keeps the tokens in the Python SDK file for the app, and lists the groups', async () => {
    const first = await runExample(home);
    expect(first.stderr).toContain('Logged in as alice');
    expect(first.code).toBe(0);
    expect(first.stdout.trim().split('\n')).toEqual(['Alice lab', 'Shared instrument']);
    const file = join(home, '.globus/app/5c2f2a8e-0000-4000-8000-00000000c11e/globus-app-example/tokens.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = await runExample(home);
    expect(second.code).toBe(0);
    expect(second.stderr).not.toContain('Logged in');
    expect(second.stdout.trim().split('\n')).toEqual(['Alice lab', 'Shared instrument']);
  }, 60000);

  it('refuses an unknown option', async () => {
    const run = await runExample(home, ['--client']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain("Unknown option '--client'");
  }, 30000);
});
