import { hostname } from 'node:os';
import type Database from 'better-sqlite3';

/**
 * Cross-process critical sections kept as lease rows in the `sdk_storage_adapter_internal` table
 * (which the Python SDK ignores, so the file stays compatible). A row names its owner and when its
 * lease ends; claiming, renewing and releasing are each one short transaction, so no write lock is
 * held while the section's work (e.g. a network refresh) runs.
 */

/** What a lease row holds. */
interface Lease {
  owner: string;
  pid: number;
  host: string;
  expiresAtMs: number;
}

const ATTRIBUTE_PREFIX = 'globus-tokenstorage.section:';
const HOST = hostname();

/** The prepared statements of one connection. */
export interface SectionStatements {
  read: Database.Statement<[string], unknown>;
  write: Database.Statement<[string, string]>;
  release: Database.Statement<[string, string]>;
  claim: Database.Transaction<(key: string, lease: Lease) => boolean>;
  renew: Database.Transaction<(key: string, lease: Lease) => boolean>;
}

/** Prepares the statements of the lease protocol on a writable connection. */
export function prepareSectionStatements(db: Database.Database): SectionStatements {
  const read = db.prepare<[string], unknown>('SELECT value FROM sdk_storage_adapter_internal WHERE attribute = ?').pluck();
  const write = db.prepare<[string, string]>('REPLACE INTO sdk_storage_adapter_internal (attribute, value) VALUES (?, ?)');
  const release = db.prepare<[string, string]>(
    "DELETE FROM sdk_storage_adapter_internal WHERE attribute = ? AND json_valid(value) AND json_extract(value, '$.owner') = ?",
  );
  return {
    read,
    write,
    release,
    claim: db.transaction((key: string, lease: Lease) => {
      const current = parseLease(read.get(attributeOf(key)));
      if (current !== null && current.owner !== lease.owner && isLive(current, Date.now())) return false;
      write.run(attributeOf(key), JSON.stringify(lease));
      return true;
    }),
    renew: db.transaction((key: string, lease: Lease) => {
      const current = parseLease(read.get(attributeOf(key)));
      if (current === null || current.owner !== lease.owner) return false;
      write.run(attributeOf(key), JSON.stringify(lease));
      return true;
    }),
  };
}

/** A lease for `owner` that ends `leaseMs` from now. */
export function newLease(owner: string, leaseMs: number): Lease {
  return { owner, pid: process.pid, host: HOST, expiresAtMs: Date.now() + leaseMs };
}

/** The attribute under which the section `key` is kept. */
export function attributeOf(key: string): string {
  return `${ATTRIBUTE_PREFIX}${key}`;
}

/** A lease counts while it has not run out and, on this host, its process is alive. */
function isLive(lease: Lease, nowMs: number): boolean {
  if (lease.expiresAtMs <= nowMs) return false;
  if (lease.host !== HOST) return true;
  try {
    process.kill(lease.pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function parseLease(value: unknown): Lease | null {
  if (typeof value !== 'string') return null;
  try {
    const lease = JSON.parse(value) as Partial<Lease>;
    const valid =
      typeof lease.owner === 'string' &&
      typeof lease.pid === 'number' &&
      typeof lease.host === 'string' &&
      typeof lease.expiresAtMs === 'number';
    return valid ? (lease as Lease) : null;
  } catch {
    return null;
  }
}
