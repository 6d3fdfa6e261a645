import { spawn } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ErrorCodes } from '@globus-tokenstorage/core';
import { sampleTokenData } from '@globus-tokenstorage/core/conformance';
import { SQLiteTokenStorage } from '@globus-tokenstorage/sqlite';
import { caught, TempDirs } from './support';

const dirs = new TempDirs();
afterAll(() => dirs.removeAll());
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts a child holding the section and resolves once it holds it. */
function holdInChild(filepath: string, leaseMs: number) {
  const child = spawn(process.execPath, [join(__dirname, 'fixtures', 'hold-section.mjs'), filepath, String(leaseMs)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const held = new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => chunk.includes('held') && resolve());
    child.on('exit', () => reject(new Error('the child exited before holding the section')));
  });
  return { child, held };
}

describe('SQLiteTokenStorage.runExclusive', () => {
  it('keeps the section across lease renewals while the holder works longer than the lease', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    const first = new SQLiteTokenStorage(filepath, { sectionLeaseMs: 150 });
    const second = new SQLiteTokenStorage(filepath, { sectionLeaseMs: 150 });
    const order: string[] = [];
    let firstEntered!: () => void;
    const entered = new Promise<void>((resolve) => (firstEntered = resolve));
    try {
      await Promise.all([
        first.runExclusive('key', async () => {
          order.push('first in');
          firstEntered();
          await pause(750);
          order.push('first out');
        }),
        // The second waits from inside the first's section, so opening the file cannot race it.
        entered.then(() => second.runExclusive('key', async () => void order.push('second'))),
      ]);
      expect(order).toEqual(['first in', 'first out', 'second']);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('gives the section to a waiter at once when the holding process on this host was killed', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    const storage = new SQLiteTokenStorage(filepath);
    await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    const { child, held } = holdInChild(filepath, 60_000);
    try {
      await held;
      const waiting = await caught(() => new SQLiteTokenStorage(filepath, { sectionTimeoutMs: 100 }).runExclusive('key', async () => 'no'));
      expect(waiting.code).toBe(ErrorCodes.STORAGE_LOCK_TIMEOUT);
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('close', resolve));
      expect(await storage.runExclusive('key', async () => 'mine')).toBe('mine');
    } finally {
      child.kill('SIGKILL');
      await storage.close();
    }
  }, 30000);

  it('gives the section to a waiter when the lease of a holder on another host runs out', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    const storage = new SQLiteTokenStorage(filepath);
    await storage.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    const db = new Database(filepath);
    const lease = { owner: 'elsewhere', pid: 1, host: 'another-host.example', expiresAtMs: Date.now() + 300 };
    db.prepare('REPLACE INTO sdk_storage_adapter_internal (attribute, value) VALUES (?, ?)').run(
      'globus-tokenstorage.section:key',
      JSON.stringify(lease),
    );
    db.close();
    try {
      const started = Date.now();
      expect(await storage.runExclusive('key', async () => 'after the lease')).toBe('after the lease');
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      const reader = new Database(filepath, { readonly: true });
      const rows = reader
        .prepare("SELECT attribute FROM sdk_storage_adapter_internal WHERE attribute LIKE 'globus-tokenstorage.section:%'")
        .all();
      reader.close();
      expect(rows).toEqual([]);
    } finally {
      await storage.close();
    }
  });

  it('refuses a read-only database', async () => {
    const filepath = join(dirs.make(), 'tokens.db');
    const writer = new SQLiteTokenStorage(filepath);
    await writer.storeTokenDataByResourceServer({ rs: sampleTokenData('rs') });
    await writer.close();
    const reader = new SQLiteTokenStorage(filepath, { connectParams: { readonly: true } });
    expect((await caught(() => reader.runExclusive('key', async () => undefined))).code).toBe(ErrorCodes.INVALID_ARGUMENT);
    await reader.close();
  });
});
