import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  InvalidArgumentError,
  TOKEN_STORAGE_OPTION_KEYS,
  TokenStorage,
  UnsupportedFormatVersionError,
  type RunExclusive,
  type StoredEntry,
  type TokenStorageData,
  type TokenStorageOptions,
} from '@globus-tokenstorage/core';
import { assertKnownOptions, checkedMilliseconds, TokenFileDocument, type RewriteAllEntries } from '@globus-tokenstorage/core/backend';
import {
  removeAbandonedTemporaryFiles,
  toTokenFileAccessError,
  withFileLock,
  writeFileAtomic,
  writeTarget,
} from '@globus-tokenstorage/core/node';
import { isMissingFileError, SharedTokenFile } from './shared-token-file';
import { jsonFileSource } from './json-file-source';

/** Options of {@link JSONTokenStorage}. */
export interface JSONTokenStorageOptions extends TokenStorageOptions {
  /**
   * How long a write waits for the file's lock, held by another writer, before failing with
   * `StorageLockTimeoutError`, in milliseconds. `Infinity` waits for ever. @default 10000
   */
  lockTimeoutMs?: number;
  /**
   * How long a `runExclusive` section stays held once its holder stops refreshing it (a process
   * that is frozen, or dead on another host), in milliseconds. A live holder refreshes it while its
   * work runs; one that died on this host gives it up at once. @default 30000
   */
  sectionLeaseMs?: number;
  /** How long `runExclusive` waits for a section before failing with `StorageLockTimeoutError`. @default 60000 */
  sectionTimeoutMs?: number;
}

/**
 * Stores tokens in a JSON file that the Python Globus SDK's `JSONTokenStorage` reads and writes
 * too (format 2.0; format 1.0 files are read, as namespace `DEFAULT`, and upgraded on the first
 * write). Unlike the Python SDK, every write replaces the file atomically and runs under a
 * cross-process lock (`<file>.lock`), so concurrent processes never lose each other's updates and
 * a crash never leaves a torn file. Files are `0600`, created directories `0700`.
 *
 * Reads take no lock and cost one `stat` while the file is unchanged: the parsed content and the
 * token data built from it are cached, keyed on the file's identity, size and timestamps.
 *
 * Besides the errors of every storage (`InvalidArgumentError`, `StorageClosedError`), its methods
 * throw `TokenFileFormatError` (or `UnsupportedFormatVersionError`) for a file that cannot be read
 * as a token file (a write leaves it untouched), `InvalidTokenDataError` naming the namespace and
 * resource server of an invalid entry (`getTokenData` validates only the entry it returns),
 * `StorageLockTimeoutError` when another writer holds the lock for longer than `lockTimeoutMs`, and
 * `TokenFileAccessError` naming the file when the file system refuses the access (permissions, a
 * directory or a FIFO in its place, a full disk; writes also refuse a file made read-only, `chmod 400`).
 *
 * @example
 * ```ts
 * import { JSONTokenStorage } from '@globus-tokenstorage/json';
 *
 * const storage = new JSONTokenStorage(join(homedir(), '.globus', 'app', 'my-app', 'tokens.json'));
 * await storage.storeTokenResponse(response);
 * const transfer = await storage.getTokenData('transfer.api.globus.org');
 * console.log(transfer?.expiresAtSeconds);
 * await storage.close();
 * ```
 */
export class JSONTokenStorage extends TokenStorage {
  /** The format version this class writes. */
  static readonly formatVersion = '2.0';
  /** The format versions this class reads. */
  static readonly supportedVersions: readonly string[] = Object.freeze(['1.0', '2.0']);

  /** The token file, as given (a relative path was resolved against the working directory at construction). */
  readonly filepath: string;
  private readonly absolutePath: string;
  private readonly lockTimeoutMs: number;
  private readonly sectionLeaseMs: number;
  private readonly sectionTimeoutMs: number;
  /** The file's snapshot, shared with every storage of this process on the same path; `null` once closed. */
  private shared: SharedTokenFile | null;

  /**
   * Does no I/O: the file and its directories are created by the first write.
   *
   * @param filepath - The token file: a path (a bare file name is relative to the working
   *   directory) or a `file:` URL.
   * @param options - `namespace`, `lockTimeoutMs`, `sectionLeaseMs`, `sectionTimeoutMs`, `idTokenDecoder`, `now`.
   * @throws {@link InvalidArgumentError} for an empty path, a bad namespace, a bad or unknown option.
   */
  constructor(filepath: string | URL, options: JSONTokenStorageOptions = {}) {
    super(options);
    assertKnownOptions(options, [...TOKEN_STORAGE_OPTION_KEYS, 'lockTimeoutMs', 'sectionLeaseMs', 'sectionTimeoutMs'], 'JSONTokenStorage');
    this.filepath = checkFilepath(filepath);
    this.absolutePath = resolve(this.filepath);
    this.lockTimeoutMs = checkedMilliseconds(options.lockTimeoutMs ?? 10_000, 'lockTimeoutMs');
    this.sectionLeaseMs = checkedMilliseconds(options.sectionLeaseMs ?? 30_000, 'sectionLeaseMs', 'duration');
    this.sectionTimeoutMs = checkedMilliseconds(options.sectionTimeoutMs ?? 60_000, 'sectionTimeoutMs');
    this.shared = SharedTokenFile.of(this.absolutePath, this.filepath);
  }

  /**
   * @returns Whether the token file exists.
   * @throws {@link StorageClosedError} after `close()`.
   * @throws {@link TokenFileAccessError} naming the file if the file system refuses the access (permissions, a
   *   directory or a FIFO in its place, a full disk); writes also refuse a file its owner made read-only (`chmod 400`).
   */
  fileExists(): Promise<boolean> {
    return this.whileOpen(async () => {
      try {
        await stat(this.absolutePath);
        return true;
      } catch (error) {
        if (isMissingFileError(error)) return false;
        throw toTokenFileAccessError(error, this.filepath, 'read');
      }
    });
  }

  /**
   * Runs `fn` in a critical section shared by every handle on this file, in every process: calls with
   * the same `key` run one at a time (see `TokenStorageLike.runExclusive`). The section has its own
   * lock file next to the token file (`<file>.<hash of key>.section.lock`), refreshed while `fn` runs,
   * so `fn` may take long and may read and write this storage. A section left by a dead process is
   * recovered at once on this host, and after `sectionLeaseMs` without refresh otherwise.
   *
   * @param key - Non-empty name of the section, e.g. `namespace + "/" + resourceServer`.
   * @param fn - The work; its result or error is passed on.
   * @returns What `fn` returns.
   * @throws {@link StorageLockTimeoutError} if the section stays taken for longer than `sectionTimeoutMs`.
   * @throws {@link InvalidArgumentError} for an empty key or a `fn` that is not a function.
   * @throws {@link StorageClosedError} after `close()`.
   * @throws {@link TokenFileAccessError} naming the file if the file system refuses the access (permissions, a
   *   directory or a FIFO in its place, a full disk); writes also refuse a file its owner made read-only (`chmod 400`).
   */
  declare runExclusive: RunExclusive;
  /**
   * @returns The namespaces that hold at least one entry, in file order (a format 1.0 file has only
   *   `DEFAULT`; a missing file has none).
   * @throws {@link TokenFileFormatError} (or {@link UnsupportedFormatVersionError}) if the file cannot be read as a token file.
   * @throws {@link StorageClosedError} after `close()`.
   * @throws {@link TokenFileAccessError} naming the file if the file system refuses the access.
   */
  declare listNamespaces: () => Promise<string[]>;
  /**
   * Walks every entry of every namespace (whatever this storage's namespace) from one read of the
   * file: namespaces in the order of {@link JSONTokenStorage.listNamespaces}, entries in file order.
   * Each entry is checked on its own: an invalid one is yielded with its error rather than thrown,
   * so that one bad entry hides no other (for inspection and conversion tools).
   *
   * @returns The entries, one at a time.
   * @throws {@link TokenFileFormatError} (or {@link UnsupportedFormatVersionError}) if the file cannot be read as a token file.
   * @throws {@link StorageClosedError} after `close()`.
   * @throws {@link TokenFileAccessError} naming the file if the file system refuses the access.
   */
  declare iterAllEntries: () => AsyncGenerator<StoredEntry>;

  protected override async readEntries(): Promise<Record<string, TokenStorageData>> {
    const { file } = await this.opened().current();
    return file ? file.allTokenData(this.namespace) : {};
  }

  /** Looks one entry up; other entries of the namespace are not validated. */
  protected override async readEntry(resourceServer: string): Promise<TokenStorageData | null> {
    const { file } = await this.opened().current();
    return file ? file.tokenData(this.namespace, resourceServer) : null;
  }

  /** The namespace is created even for an empty mapping; a format 1.0 file is upgraded to 2.0. */
  protected override async writeEntries(entries: ReadonlyArray<readonly [string, TokenStorageData]>): Promise<void> {
    await this.update(this.opened(), (file) =>
      (file ?? TokenFileDocument.empty(jsonFileSource(this.filepath))).withEntries(this.namespace, entries),
    );
  }

  /**
   * A missing file stays missing (the Python SDK creates it); a format 1.0 file is upgraded to 2.0
   * even when the entry does not exist (as in Python).
   */
  protected override async removeEntry(resourceServer: string): Promise<boolean> {
    const shared = this.opened();
    if ((await shared.current()).file === null) return false;
    let removed = false;
    await this.update(shared, (file) => {
      if (file === null) return null;
      const removal = file.withoutEntry(this.namespace, resourceServer);
      removed = removal.removed;
      return removal.file;
    });
    return removed;
  }

  protected override async readNamespaces(): Promise<string[]> {
    const { file } = await this.opened().current();
    return file ? file.namespaceNames() : [];
  }

  protected override async *walkEntries(): AsyncGenerator<StoredEntry> {
    const { file } = await this.opened().current();
    if (file !== null) yield* file.storedEntries();
  }

  /**
   * Rewrites every entry of every namespace (whatever this storage's namespace) in one atomic
   * replacement of the file, for tools that re-encode a whole store (encrypting it, rotating its
   * key): `change` gets every entry, read under the file's lock, and returns the entries to write
   * (replacing whole entries of the same keys; the rest of the file is kept). If it throws, nothing
   * is written. A missing file stays missing.
   *
   * @param change - Gets the entries by namespace, then resource server; returns those to write.
   * @returns How many entries were written.
   * @throws {@link UnsupportedFormatVersionError} (`formatVersion` `"1.0"`) for a format 1.0 file: its
   *   entries would move into namespace `DEFAULT` of a 2.0 file, so it is left for a migration.
   * @throws {@link InvalidTokenDataError} naming the entry if one is invalid (nothing is written).
   * @throws {@link TokenFileFormatError} (or {@link UnsupportedFormatVersionError}) if the file cannot be read as a token file.
   * @throws {@link StorageLockTimeoutError} if another writer holds the lock for longer than `lockTimeoutMs`.
   * @throws {@link StorageClosedError} after `close()`.
   * @throws {@link TokenFileAccessError} naming the file if the file system refuses the access.
   */
  rewriteAllEntries(change: RewriteAllEntries): Promise<number> {
    return this.whileOpen(async () => {
      let written = 0;
      await this.update(this.opened(), async (file) => {
        if (file === null) return null;
        if (file.formatVersion === '1.0') {
          throw new UnsupportedFormatVersionError(
            `token file '${this.filepath}' is in format 1.0: rewriting every entry needs format 2.0 (migrate it first)`,
            {
              filePath: this.filepath,
              formatVersion: '1.0',
            },
          );
        }
        const entries = new Map<string, Record<string, TokenStorageData>>();
        for (const namespace of file.namespaceNames()) entries.set(namespace, file.allTokenData(namespace));
        let next = file;
        for (const [namespace, mapping] of await change(entries)) {
          const changed = Object.entries(mapping);
          next = next.withEntries(namespace, changed);
          written += changed.length;
        }
        return next;
      });
      return written;
    });
  }

  protected override async runInSection<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const digest = createHash('sha256').update(key).digest('hex').slice(0, 16);
    let fnFailed = false;
    const run = async () => {
      try {
        return await fn();
      } catch (error) {
        fnFailed = true;
        throw error;
      }
    };
    try {
      const lockPath = `${this.accessing('write', () => writeTarget(this.absolutePath))}.${digest}.section.lock`;
      return await withFileLock(lockPath, run, { timeoutMs: this.sectionTimeoutMs, leaseMs: this.sectionLeaseMs });
    } catch (error) {
      // fn's own errors pass through untouched; only the lock's are about the token file.
      throw fnFailed ? error : toTokenFileAccessError(error, this.filepath, 'write');
    }
  }

  /**
   * Closes the storage and lets go of the file's snapshot (kept while another storage of this
   * process on the same path uses it); afterwards every call rejects with `StorageClosedError`.
   */
  override async close(): Promise<void> {
    await super.close();
    this.shared = null;
  }

  /** A short description naming the class, file and namespace; never the tokens. */
  override toString(): string {
    return `JSONTokenStorage(filepath=${JSON.stringify(this.filepath)}, namespace=${JSON.stringify(this.namespace)})`;
  }

  /** What `JSON.stringify` shows: the class, file and namespace only. */
  override toJSON(): Record<string, unknown> {
    return { storage: 'JSONTokenStorage', filepath: this.filepath, namespace: this.namespace };
  }

  /** The shared file (hooks run only while the storage is open). */
  private opened(): SharedTokenFile {
    return this.shared as SharedTokenFile;
  }

  /** Runs a synchronous file-system step, turning its system errors into a `TokenFileAccessError` naming the token file. */
  private accessing<T>(operation: 'read' | 'write', step: () => T): T {
    try {
      return step();
    } catch (error) {
      throw toTokenFileAccessError(error, this.filepath, operation);
    }
  }

  /**
   * Read-modify-write under the file's lock: `change` gets the current content (`null` for no file)
   * and returns the content to write, or `null` to write nothing.
   */
  private async update(shared: SharedTokenFile, change: FileChange): Promise<void> {
    try {
      await this.lockedUpdate(shared, change);
    } catch (error) {
      throw toTokenFileAccessError(error, this.filepath, 'write');
    }
  }

  private async lockedUpdate(shared: SharedTokenFile, change: FileChange): Promise<void> {
    // Every path naming the same file (through links, dangling ones too) shares one lock next to it.
    const target = writeTarget(this.absolutePath);
    await withFileLock(
      `${target}.lock`,
      async (lock) => {
        if (lock.recoveredStale) removeAbandonedTemporaryFiles(target);
        const changed = change((await shared.current()).file);
        // Awaited only when the change is asynchronous: a store's own change costs no microtask turn.
        const next = changed instanceof Promise ? await changed : changed;
        if (next === null) return;
        const content = next.serialize();
        lock.assertHeld();
        await writeFileAtomic(this.absolutePath, content);
        shared.wrote(content, next);
      },
      { timeoutMs: this.lockTimeoutMs },
    );
  }
}

/** A read-modify-write: the current content (`null` for no file) to the content to write, or `null` to write nothing. */
type FileChange = (file: TokenFileDocument | null) => TokenFileDocument | null | Promise<TokenFileDocument | null>;

function checkFilepath(filepath: unknown): string {
  let path = filepath;
  if (filepath instanceof URL) {
    if (filepath.protocol !== 'file:') throw new InvalidArgumentError('filepath must be a path or a file: URL');
    path = fileURLToPath(filepath);
  }
  if (typeof path !== 'string' || path === '' || path.includes('\0')) {
    throw new InvalidArgumentError('filepath must be a non-empty path');
  }
  return path;
}
