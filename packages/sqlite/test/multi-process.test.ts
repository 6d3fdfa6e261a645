import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ErrorCodes } from '@globus-tokenstorage/core';
import { sampleTokenData } from '@globus-tokenstorage/core/conformance';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { caught, TempDirs } from './support';

// The children run the built package (dist), as an application would.
const FIXTURES = join(__dirname, 'fixtures');
const dirs = new TempDirs();
const children = new Set<ChildProcess>();

beforeAll(() => {
  for (const built of [join(__dirname, '..', 'dist', 'index.js'), join(__dirname, '..', '..', 'core', 'dist', 'index.js')]) {
    if (!existsSync(built)) throw new Error(`${built} is missing: build core and sqlite first (pnpm build)`);
  }
});

afterAll(() => {
  for (const child of children) child.kill('SIGKILL');
  dirs.removeAll();
});

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts a fixture script; `finished` settles when it has exited and its output is fully read. */
function start(script: string, args: string[]): { child: ChildProcess; finished: Promise<Finished>; output: { stdout: string } } {
  const child = spawn(process.execPath, [join(FIXTURES, script), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.add(child);
  const output = { stdout: '', stderr: '' };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  const finished = new Promise<Finished>((resolve) => {
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal, ...output });
    });
  });
  return { child, finished, output };
}

/** Resolves once the child's output contains `text`; rejects if it exits first. */
function waitForOutput(started: ReturnType<typeof start>, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = () => {
      if (started.output.stdout.includes(text)) {
        started.child.stdout?.off('data', check);
        resolve();
      }
    };
    started.child.stdout?.on('data', check);
    void started.finished.then((result) => reject(new Error(`child exited before printing ${JSON.stringify(text)}: ${result.stderr}`)));
    check();
  });
}

describe('several processes on one database', () => {
  it('8 processes × 50 stores into a new file keep all 400 rows, with no raw SQLITE_BUSY', async () => {
    const filepath = join(dirs.make(), 'fresh', 'tokens.db');
    const runs = Array.from({ length: 8 }, (_, index) => start('store-many.mjs', [filepath, String(index), '50']).finished);
    const results = await Promise.all(runs);
    expect(results.map((result) => [result.code, result.stderr])).toEqual(results.map(() => [0, '']));
    const storage = new SQLiteTokenStorage(filepath, { namespace: 'shared' });
    const all = await storage.getTokenDataByResourceServer();
    await storage.close();
    const expected = Array.from({ length: 8 }, (_, child) => Array.from({ length: 50 }, (__, index) => `child-${child}-${index}`)).flat();
    expect(Object.keys(all).sort()).toEqual(expected.sort());
    expect(all['child-7-49']?.accessToken).toBe('AT-child-7-49');
  }, 60000);

  it('a process killed with SIGKILL mid-write 100 times leaves an intact database holding the old or the new data', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    let previous = 0;
    for (let round = 0; round < 100; round += 1) {
      const started = start('write-forever.mjs', [filepath]);
      await waitForOutput(started, '\n');
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 15));
      started.child.kill('SIGKILL');
      const result = await started.finished;
      expect(result.signal).toBe('SIGKILL');
      const acknowledged = Math.max(...result.stdout.split('\n').filter(Boolean).map(Number));

      const raw = new Database(filepath);
      const integrity = raw.pragma('integrity_check', { simple: true });
      raw.close();
      expect([round, integrity]).toEqual([round, 'ok']);
      const storage = new SQLiteTokenStorage(filepath, { namespace: 'crash' });
      const generations = Object.values(await storage.getTokenDataByResourceServer()).map((data) => Number(data.accessToken.slice(3)));
      await storage.close();
      // One call is one transaction: the five entries always carry the same generation, which is
      // the last acknowledged one or the one being written when the process died.
      expect(generations.length).toBe(5);
      expect(new Set(generations).size).toBe(1);
      const stored = generations[0] as number;
      expect([round, stored >= acknowledged && stored <= acknowledged + 1 && stored >= previous]).toEqual([round, true]);
      previous = stored;
    }
  }, 60000);

  it('a store rejects with StorageLockTimeoutError while another process holds the write lock, then works', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    const storage = new SQLiteTokenStorage(filepath, { lockTimeoutMs: 100 });
    try {
      await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
      const holder = start('hold-write-lock.mjs', [filepath]);
      await waitForOutput(holder, 'locked');
      const error = await caught(() => storage.storeTokenDataByResourceServer({ other: sampleTokenData('other') }));
      expect(error).toMatchObject({ code: ErrorCodes.STORAGE_LOCK_TIMEOUT, resource: filepath, timeoutMs: 100 });
      expect((await storage.getTokenData('rs'))?.resourceServer).toBe('rs');
      holder.child.stdin?.end();
      expect((await holder.finished).code).toBe(0);
      await storage.storeTokenDataByResourceServer({ other: sampleTokenData('other') });
      expect(Object.keys(await storage.getTokenDataByResourceServer()).sort()).toEqual(['other', 'rs']);
    } finally {
      await storage.close();
    }
  });
});
