import { StringDecoder } from 'node:string_decoder';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';

/**
 * Reads one line from `input` (without its line ending). Bytes after the line are pushed back, and
 * the stream is paused again, so a later reader gets them; a pipe or terminal (stdin) is also
 * unreferenced when nobody else reads it, as a paused pipe would otherwise keep the process alive.
 *
 * @param input - The stream (stdin, or a pipe).
 * @param signal - Stops reading; the call then rejects with the signal's reason.
 * @returns The line; the text before the end when the stream ends without a line ending; `null`
 *   when it ends with nothing (EOF).
 * @throws The stream's error, or the signal's reason.
 */
export function readLine(input: Readable, signal: AbortSignal): Promise<string | null> {
  return new Promise<string | null>((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const decoder = new StringDecoder('utf8');
    let text = '';
    const cleanup = () => {
      input.off('data', onData);
      input.off('end', onEnd);
      input.off('close', onEnd);
      input.off('error', onError);
      signal.removeEventListener('abort', onAbort);
      input.pause();
      if (input.listenerCount('data') === 0 && input.listenerCount('readable') === 0) (input as Partial<Socket>).unref?.();
    };
    const onData = (chunk: Buffer | string) => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      const newline = bytes.indexOf(0x0a);
      if (newline < 0) {
        text += decoder.write(bytes);
        return;
      }
      text += decoder.end(bytes.subarray(0, newline));
      cleanup();
      const rest = bytes.subarray(newline + 1);
      if (rest.length > 0) input.unshift(rest);
      resolve(text.replace(/\r$/, ''));
    };
    const onEnd = () => {
      text += decoder.end();
      cleanup();
      resolve(text === '' ? null : text);
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onAbort = () => {
      cleanup();
      reject(signal.reason);
    };
    if (input.readableEnded || input.destroyed) {
      resolve(null);
      return;
    }
    input.on('data', onData);
    input.once('end', onEnd);
    input.once('close', onEnd);
    input.once('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
    (input as Partial<Socket>).ref?.();
    input.resume();
  });
}
