import { closeSync, statSync, type BigIntStats } from 'node:fs';
import { openRegularFile, openRegularFileSync, toTokenFileAccessError } from '@globus-tokenstorage/core/node';
import { hasContent, isSameContent, readAll, type FileContent } from './file-content';
import { TokenFileDocument } from '@globus-tokenstorage/core/backend';
import { jsonFileSource } from './json-file-source';

/** What identifies one version of the file on disk; every write of ours (a rename) changes `ino`. */
interface FileKey {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

/** The file as last read or written in this process. */
export interface Snapshot {
  /** `null` when the file does not exist. */
  key: FileKey | null;
  /**
   * The file was changed so recently that an in-place rewrite (as the Python SDK does) within the
   * same timestamp tick would go unnoticed by the key; such a snapshot is re-read before use.
   */
  racy: boolean;
  /**
   * The bytes, kept only while the snapshot is racy (to tell a re-read of the same bytes from a
   * change) or when they are the encoding cache's own chunks: a big file's bytes would otherwise
   * double what its snapshot costs.
   */
  content: FileContent | null;
  file: TokenFileDocument | null;
}

const MISSING: Snapshot = Object.freeze({ key: null, racy: false, content: null, file: null });
/** Timestamps with a whole-second value come from a coarse file system (FAT: 2 s); others tick in milliseconds. */
const RACY_WINDOW_COARSE_NS = 2_000_000_000n;
const RACY_WINDOW_FINE_NS = 50_000_000n;

/** The shared files in use, by path; an entry is dropped once no storage references its file. */
const registry = new Map<string, WeakRef<SharedTokenFile>>();
const unregister = new FinalizationRegistry<string>((key) => {
  if (registry.get(key)?.deref() === undefined) registry.delete(key);
});

/**
 * The latest snapshot of one token file, shared by every `JSONTokenStorage` of this process that
 * names the file by the same path: the file is parsed once for all of them (a server keeps one
 * storage per user, each with its own namespace), a change is parsed once, and what one writes the
 * others see without a read. It lives as long as a storage references it.
 */
export class SharedTokenFile {
  private snapshot: Snapshot | null = null;
  /** The read in flight and the key of the file it was started for: callers that find the same key wait for it. */
  private reading: { key: FileKey; promise: Promise<Snapshot> } | null = null;

  private constructor(
    private readonly absolutePath: string,
    /** The path as given, named in messages (storages given another spelling share another snapshot). */
    private readonly filepath: string,
  ) {}

  /**
   * @param absolutePath - The resolved path.
   * @param filepath - The path as given, for messages.
   * @returns The shared file of this process for that path, made if there is none.
   */
  static of(absolutePath: string, filepath: string): SharedTokenFile {
    const key = `${absolutePath}\0${filepath}`;
    const existing = registry.get(key)?.deref();
    if (existing !== undefined) return existing;
    const made = new SharedTokenFile(absolutePath, filepath);
    registry.set(key, new WeakRef(made));
    unregister.register(made, key);
    return made;
  }

  /**
   * The file's current content: the shared parse while the file's key is unchanged, else a fresh
   * read. The `stat` is synchronous on purpose: it is the whole cost of a read of an unchanged
   * file, and an asynchronous one (a thread-pool round trip) would cost several times more than
   * the read itself. A snapshot whose key is too recent to prove the file unchanged is re-read:
   * an in-place rewrite by the Python SDK keeps the inode, and a freed inode number is soon reused
   * by another writer's rename, so within one timestamp tick the key may not change.
   *
   * @throws {@link TokenFileFormatError} if the file cannot be read as a token file.
   * @throws {@link TokenFileAccessError} if the file system refuses the access.
   */
  async current(): Promise<Snapshot> {
    let stats: BigIntStats | undefined;
    try {
      stats = statSync(this.absolutePath, { bigint: true, throwIfNoEntry: false });
    } catch (error) {
      if (!isMissingFileError(error)) throw toTokenFileAccessError(error, this.filepath, 'read');
    }
    if (stats === undefined) return (this.snapshot = MISSING);
    // A cached key names an inode that was read as a regular file; anything else is opened below,
    // where openRegularFile refuses what is not a regular file (a FIFO would wait for a writer).
    const cached = this.snapshot;
    if (cached !== null && cached.key !== null && sameKey(cached.key, stats)) {
      if (!cached.racy) return cached;
      try {
        return this.revalidate(cached);
      } catch (error) {
        throw toTokenFileAccessError(error, this.filepath, 'read');
      }
    }
    const reading = this.reading;
    if (reading !== null && sameKey(reading.key, stats)) return reading.promise;
    const promise = this.read(cached).catch((error: unknown) => Promise.reject(toTokenFileAccessError(error, this.filepath, 'read')));
    this.reading = { key: keyOf(stats), promise };
    try {
      return await promise;
    } finally {
      if (this.reading?.promise === promise) this.reading = null;
    }
  }

  /**
   * Records what this process just wrote (under the file's lock), for every storage on the file.
   *
   * @param content - The bytes written.
   * @param file - Their parse.
   */
  wrote(content: FileContent, file: TokenFileDocument): void {
    const stats = statSync(this.absolutePath, { bigint: true, throwIfNoEntry: false });
    this.snapshot = stats ? { key: keyOf(stats), racy: isRacy(stats), content, file } : null;
  }

  /**
   * Re-reads a file whose key is unchanged but too recent to prove it unchanged, keeping the parse if
   * the bytes are the same. Synchronous like the `stat`: the file was just written or read, so it is
   * in the page cache, and this runs on every write that follows another within the racy window.
   */
  private revalidate(cached: Snapshot): Snapshot {
    let fd: number;
    let stats: BigIntStats;
    try {
      ({ fd, stats } = openRegularFileSync(this.absolutePath));
    } catch (error) {
      if (isMissingFileError(error)) return (this.snapshot = MISSING);
      throw error;
    }
    let snapshot: Snapshot;
    try {
      if (cached.content !== null && hasContent(fd, cached.content)) {
        const racy = isRacy(stats);
        snapshot = { ...cached, key: keyOf(stats), racy, content: racy ? cached.content : null };
      } else {
        snapshot = parsed(this.decoded(stats, readAll(fd, Number(stats.size)), cached), this.filepath);
      }
    } finally {
      closeSync(fd);
    }
    return (this.snapshot = snapshot);
  }

  private async read(cached: Snapshot | null): Promise<Snapshot> {
    let opened;
    try {
      opened = await openRegularFile(this.absolutePath);
    } catch (error) {
      if (isMissingFileError(error)) return (this.snapshot = MISSING);
      throw error;
    }
    const { handle, stats } = opened;
    let read: Snapshot | Unparsed;
    try {
      // The key comes from the descriptor that is read, so it always describes this content.
      read = this.decoded(stats, await handle.readFile(), cached);
    } finally {
      await handle.close();
    }
    const snapshot = parsed(read, this.filepath);
    // A write of this process (or a newer read) installed meanwhile is newer than this read.
    if (this.snapshot === cached) this.snapshot = snapshot;
    return snapshot;
  }

  /**
   * Bytes just read: the snapshot of `cached` if they are its bytes, else their text, to be parsed.
   * The parse happens once this returns, so that the bytes (as big as the text) are garbage by then.
   */
  private decoded(stats: BigIntStats, bytes: Buffer, cached: Snapshot | null): Snapshot | Unparsed {
    const racy = isRacy(stats);
    const content = racy ? [bytes] : null;
    if (cached?.file && cached.content !== null && isSameContent(bytes, cached.content))
      return { key: keyOf(stats), racy, content, file: cached.file };
    return { key: keyOf(stats), racy, content, text: TokenFileDocument.decode(bytes, this.filepath) };
  }
}

/** A read's snapshot before its text is parsed. */
interface Unparsed extends Omit<Snapshot, 'file'> {
  text: string;
}

function parsed(read: Snapshot | Unparsed, filepath: string): Snapshot {
  if (!('text' in read)) return read;
  const { text, ...snapshot } = read;
  return { ...snapshot, file: TokenFileDocument.parse(text, jsonFileSource(filepath)) };
}

function keyOf(stats: BigIntStats): FileKey {
  return { dev: stats.dev, ino: stats.ino, size: stats.size, mtimeNs: stats.mtimeNs, ctimeNs: stats.ctimeNs };
}

function sameKey(key: FileKey, stats: BigIntStats | FileKey): boolean {
  return (
    key.ino === stats.ino &&
    key.mtimeNs === stats.mtimeNs &&
    key.size === stats.size &&
    key.ctimeNs === stats.ctimeNs &&
    key.dev === stats.dev
  );
}

function isRacy(stats: BigIntStats): boolean {
  const changedNs = stats.mtimeNs > stats.ctimeNs ? stats.mtimeNs : stats.ctimeNs;
  const window = changedNs % 1_000_000_000n === 0n ? RACY_WINDOW_COARSE_NS : RACY_WINDOW_FINE_NS;
  return BigInt(Date.now()) * 1_000_000n - changedNs < window;
}

/**
 * @param error - A file-system error.
 * @returns Whether it says the file (or a directory on its path) does not exist.
 */
export function isMissingFileError(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}
