/**
 * `@globus-tokenstorage/core/node`: Node.js-only helpers shared by the file backends
 * (`@globus-tokenstorage/json`, `@globus-tokenstorage/legacy-file-adapter`).
 *
 * @packageDocumentation
 */
export { writeFileAtomic, PRIVATE_FILE_MODE, type AtomicWriteData } from './atomic-write';
export { ensurePrivateDirectory, PRIVATE_DIRECTORY_MODE } from './secure-directory';
export { acquireFileLock, withFileLock, type FileLock, type FileLockOptions } from './file-lock';
export { toTokenFileAccessError, assertWritableMode } from './token-file-access-error';
export { assertRegularFile, openRegularFile, openRegularFileSync, type OpenRegularFile, type OpenRegularFileHandle } from './regular-file';
export { writeTarget } from './write-target';
export { removeAbandonedTemporaryFiles } from './temporary-files';
