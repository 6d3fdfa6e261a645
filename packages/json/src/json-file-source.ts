import type { TokenFileSource } from '@globus-tokenstorage/core/backend';
import { version } from '../package.json';

/** What this package writes as `"globus-sdk.version"`: the Python SDK requires a string there and reads nothing from it. */
export const WRITER_VERSION = `@globus-tokenstorage/json ${version}`;

/**
 * @param filePath - The token file, as named in messages.
 * @returns The file as a source of `TokenFileDocument`s written by this package.
 */
export function jsonFileSource(filePath: string): TokenFileSource {
  return { filePath, writer: WRITER_VERSION };
}
