import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StorageLockTimeoutError, type TokenStorageError, validateTokenFile } from '@globus-tokenstorage/core';
import { sampleTokenData } from '@globus-tokenstorage/core/conformance';
import { JSONTokenStorage } from '@globus-tokenstorage/json';
import { copyFixture, temporaryDirectory } from './support';

// The children run the built packages (CI builds before jest; locally: pnpm build).
const FIXTURES = resolve(__dirname, 'fixtures');
const BUILT = [resolve(__dirname, '../dist/index.js'), resolve(__dirname, '../../core/dist/node/index.js')];

interface Child {
  process: ChildProcess;
  /** Resolves with the first line the child prints, rejects if it exits first. */
  firstLine: Promise<string>;
  /** Resolves with the exit code (or the signal) and everything printed on stderr. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function startChild(script: string, args: string[]): Child {
  const child = spawn(process.execPath, [join(FIXTURES, script), ...args], { cwd: FIXTURES, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((settle) =>
    child.on('exit', (code, signal) => settle({ code, signal, stderr })),
  );
  const firstLine = new Promise<string>((settle, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('\n')) settle(stdout.slice(0, stdout.indexOf('\n')));
    });
    void exited.then(({ code, signal, stderr: errors }) =>
      reject(new Error(`${script} exited (${code ?? signal}) before printing: ${errors}`)),
    );
  });
  firstLine.catch(() => undefined);
  return { process: child, firstLine, exited };
}

const pause = (ms: number) => new Promise<void>((settle) => setTimeout(settle, ms));

function expectValidTokenFile(file: string): Record<string, unknown> {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  expect(validateTokenFile(parsed)).toEqual({ valid: true, kind: '2.0', problems: [] });
  return parsed;
}

describe('JSONTokenStorage across processes', () => {
  let temp: ReturnType<typeof temporaryDirectory>;
  const running: ChildProcess[] = [];
  beforeAll(() => {
    for (const file of BUILT) if (!existsSync(file)) throw new Error(`${file} is missing: build the packages first (pnpm build)`);
  });
  beforeEach(() => {
    temp = temporaryDirectory('gts-json-processes-');
  });
  afterEach(() => {
    for (const child of running.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    temp.remove();
  });

  it('8 processes storing 50 resource servers each into one file and namespace lose no update', async () => {
    const file = join(temp.dir, 'tokens.json');
    const children = Array.from({ length: 8 }, (_, index) => startChild('store-many.mjs', [file, `p${index}`, '50']));
    running.push(...children.map((child) => child.process));
    const results = await Promise.all(children.map((child) => child.exited));
    for (const result of results) expect(result).toEqual({ code: 0, signal: null, stderr: '' });
    expectValidTokenFile(file);
    const stored = await new JSONTokenStorage(file).getTokenDataByResourceServer();
    expect(Object.keys(stored).length).toBe(400);
    for (let child = 0; child < 8; child += 1) {
      for (let index = 0; index < 50; index += 1) expect(stored[`p${child}-${index}`]?.accessToken).toBe(`AT-p${child}-${index}`);
    }
    expect(readdirSync(temp.dir)).toEqual(['tokens.json']);
  }, 60_000);

  it('a writer killed with SIGKILL at random moments, 100 times, never leaves a torn file, and the next writer gets the lock at once', async () => {
    const file = join(temp.dir, 'tokens.json');
    let killedWhileLocked = 0;
    for (let kill = 0; kill < 100; kill += 1) {
      // 3 s is far below the 10 s after which a lock is stale by age: only the dead-pid check lets it start.
      const child = startChild('store-loop.mjs', [file, '3000']);
      running.push(child.process);
      expect(await child.firstLine).toBe('started');
      await pause(Math.random() * 12);
      child.process.kill('SIGKILL');
      expect((await child.exited).signal).toBe('SIGKILL');
      expectValidTokenFile(file);
      if (existsSync(`${file}.lock`)) killedWhileLocked += 1;
    }
    // Most kills land while the lock is held, so recovery from a dead holder was exercised.
    expect(killedWhileLocked).toBeGreaterThan(0);
    const storage = new JSONTokenStorage(file, { lockTimeoutMs: 3000 });
    await storage.storeTokenDataByResourceServer({ final: sampleTokenData('final') });
    const parsed = expectValidTokenFile(file) as { data: { DEFAULT: Record<string, unknown> } };
    expect(Object.keys(parsed.data.DEFAULT)).toContain('final');
    expect(Object.keys(parsed.data.DEFAULT).length).toBeGreaterThan(1);
    // No temporary file of an interrupted atomic write is left, and the lock is free.
    const leftovers = readdirSync(temp.dir).filter((name) => name !== 'tokens.json');
    expect(leftovers.filter((name) => !name.startsWith('tokens.json.lock.'))).toEqual([]);
  }, 90_000);

  it('a write waits for a lock held by another process, times out with StorageLockTimeoutError, and proceeds once the holder is killed', async () => {
    const file = copyFixture('v2.json', temp.dir);
    const before = readFileSync(file, 'utf8');
    const holder = startChild('hold-section.mjs', [file, '--write-lock']);
    running.push(holder.process);
    expect(await holder.firstLine).toBe('held');
    const storage = new JSONTokenStorage(file, { lockTimeoutMs: 300 });
    let error: unknown;
    try {
      await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    } catch (caught) {
      error = caught;
    }
    expect(StorageLockTimeoutError.isInstance(error)).toBe(true);
    expect((error as TokenStorageError).message).toContain(`held by process ${holder.process.pid}`);
    expect(readFileSync(file, 'utf8')).toBe(before);
    holder.process.kill('SIGKILL');
    await holder.exited;
    const patient = new JSONTokenStorage(file, { lockTimeoutMs: 3000 });
    await patient.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    expect(await patient.getTokenData('rs')).not.toBeNull();
  }, 30_000);

  it('runExclusive waits for a section held by another process and gets it once the holder is killed', async () => {
    const file = join(temp.dir, 'tokens.json');
    const holder = startChild('hold-section.mjs', [file, 'DEFAULT/transfer.api.globus.org']);
    running.push(holder.process);
    expect(await holder.firstLine).toBe('held');
    const storage = new JSONTokenStorage(file, { sectionTimeoutMs: 200 });
    let error: unknown;
    try {
      await storage.runExclusive('DEFAULT/transfer.api.globus.org', async () => 'entered');
    } catch (caught) {
      error = caught;
    }
    expect(StorageLockTimeoutError.isInstance(error)).toBe(true);
    expect(await storage.runExclusive('DEFAULT/other', async () => 'other key')).toBe('other key');
    await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    holder.process.kill('SIGKILL');
    await holder.exited;
    const patient = new JSONTokenStorage(file, { sectionTimeoutMs: 3000 });
    expect(await patient.runExclusive('DEFAULT/transfer.api.globus.org', async () => 'entered')).toBe('entered');
    expect(readdirSync(temp.dir)).toEqual(['tokens.json']);
  }, 30_000);
});
