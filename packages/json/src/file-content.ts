import { readSync } from 'node:fs';

/**
 * A token file's bytes as a list of chunks, in order: one buffer when read from disk, the encoded
 * parts of the file (shared with the encoding cache) when written by this process.
 */
export type FileContent = readonly Uint8Array[];

/** Reused by the synchronous comparison in {@link hasContent}; nothing else runs while it is in use. */
const scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Whether the open file holds exactly `expected`, read in pieces so that no copy of the file is made.
 *
 * @param fd - A descriptor open for reading.
 * @param expected - The content to find.
 * @returns `true` if the file's bytes are the chunks' bytes.
 */
export function hasContent(fd: number, expected: FileContent): boolean {
  const cursor = new ContentCursor(expected);
  for (let position = 0; ; ) {
    const read = readSync(fd, scratch, 0, scratch.length, position);
    if (read === 0) return cursor.isAtEnd();
    if (!cursor.matches(scratch, read)) return false;
    position += read;
  }
}

/**
 * @param bytes - Bytes read from the file.
 * @param content - Content of an earlier read or write.
 * @returns Whether both are the same bytes.
 */
export function isSameContent(bytes: Buffer, content: FileContent): boolean {
  const cursor = new ContentCursor(content);
  return cursor.matches(bytes, bytes.length) && cursor.isAtEnd();
}

/**
 * Reads a whole open file.
 *
 * @param fd - A descriptor open for reading, at any offset.
 * @param size - The expected size (a hint: the file may have grown or shrunk since).
 * @returns The bytes from offset 0 to the end.
 */
export function readAll(fd: number, size: number): Buffer {
  const chunks: Buffer[] = [];
  for (let offset = 0; ; ) {
    const chunk = Buffer.allocUnsafe(Math.max(size - offset, 64 * 1024));
    const read = readSync(fd, chunk, 0, chunk.length, offset);
    if (read === 0) return Buffer.concat(chunks);
    chunks.push(chunk.subarray(0, read));
    offset += read;
  }
}

/** A read position in a {@link FileContent}, compared piece by piece with bytes read elsewhere. */
class ContentCursor {
  private index = 0;
  private offset = 0;

  constructor(private readonly chunks: FileContent) {}

  /** Whether the next `length` bytes of the content are `block[0, length)`; if so, moves past them. */
  matches(block: Buffer, length: number): boolean {
    for (let start = 0; start < length; ) {
      const chunk = this.chunks[this.index];
      if (chunk === undefined) return false;
      const count = Math.min(chunk.length - this.offset, length - start);
      if (block.compare(chunk, this.offset, this.offset + count, start, start + count) !== 0) return false;
      start += count;
      this.offset += count;
      if (this.offset === chunk.length) this.next();
    }
    return true;
  }

  /** Whether the whole content was matched (empty chunks left over do not count). */
  isAtEnd(): boolean {
    while (this.chunks[this.index]?.length === this.offset) this.next();
    return this.index >= this.chunks.length;
  }

  private next(): void {
    this.index += 1;
    this.offset = 0;
  }
}
