/** A stream the CLI writes lines to: `process.stdout` or `process.stderr`. */
type OutputStream = Pick<NodeJS.WriteStream, 'write' | 'on' | 'off' | 'destroyed'>;

/** Lines written to a stream, and how the writing ended. */
export interface LineWriter {
  /** Writes `text` and a newline; after a failed write, does nothing. */
  line: (text: string) => void;
  /**
   * Waits until every line is written (or failed), then stops listening to the stream.
   *
   * @returns The first write error (`EPIPE` when the reader is gone, `ENOSPC` for a full disk…), or `null`.
   */
  finish: () => Promise<NodeJS.ErrnoException | null>;
}

/**
 * Writes lines to `stream`, keeping the first write error instead of letting the stream throw it
 * (an unhandled `'error'` of `process.stdout` ends the process with a stack trace).
 *
 * @param stream - Where the lines go.
 */
export function lineWriter(stream: OutputStream): LineWriter {
  let failure: NodeJS.ErrnoException | null = null;
  const keep = (error: NodeJS.ErrnoException | null | undefined) => {
    if (error) failure ??= error;
  };
  stream.on('error', keep);
  let lastWrite: Promise<void> = Promise.resolve();
  return {
    line: (text) => {
      if (failure !== null || stream.destroyed) return;
      lastWrite = new Promise((resolve) => stream.write(`${text}\n`, (error) => resolve(keep(error))));
    },
    finish: async () => {
      await lastWrite;
      // The stream emits the error of a write after calling back with it: wait for that too.
      await new Promise((resolve) => setImmediate(resolve));
      stream.off('error', keep);
      return failure;
    },
  };
}

/**
 * Whether a write error only means the reader is gone (`globus-tokens list … | head -1`): as for
 * other Unix tools, that is no error.
 *
 * @param error - A write error.
 */
export function isClosedReader(error: NodeJS.ErrnoException): boolean {
  return error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED';
}
