import { TokenFileFormatError } from '@globus-tokenstorage/core';
import { JSONNestingError, parseBoundedJSON } from '@globus-tokenstorage/core/backend';
import { openRegularFile, toTokenFileAccessError } from '@globus-tokenstorage/core/node';

/**
 * Reads and parses a JSON token file.
 *
 * @param filename - The file.
 * @returns The parsed root object, or `null` if the file does not exist.
 * @throws {@link TokenFileFormatError} naming the file if it is empty, not JSON (or nests too deep to
 *   parse safely), or not an object.
 * @throws {@link TokenFileAccessError} naming the file if it cannot be read (permissions, a directory,
 *   anything else that is not a regular file, such as a FIFO).
 *   The message gives the position of a syntax error, never the file's content.
 */
export async function readJsonObjectFile(filename: string): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    // Only a regular file is read: a FIFO would block a thread-pool thread for good.
    const { handle } = await openRegularFile(filename);
    try {
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw toTokenFileAccessError(error, filename, 'read');
  }
  let parsed: unknown;
  try {
    parsed = parseBoundedJSON(text);
  } catch (error) {
    if (error instanceof JSONNestingError) {
      throw new TokenFileFormatError(`the token file '${filename}' is not valid JSON (${error.message})`, { filePath: filename });
    }
    // V8's SyntaxError message quotes the file, which may hold a token: keep only the position.
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    const where = text.trim() === '' ? 'is empty' : `is not valid JSON${position === undefined ? '' : ` (error at character ${position})`}`;
    throw new TokenFileFormatError(`the token file '${filename}' ${where}`, { filePath: filename });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new TokenFileFormatError(`the token file '${filename}' does not hold a JSON object`, { filePath: filename });
  }
  return parsed as Record<string, unknown>;
}
