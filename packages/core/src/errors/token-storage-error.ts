import { ErrorCodes, type ErrorCode } from './error-codes';

/** Brand under which each error records the names of its class chain (see `isInstance`). */
const LINEAGE = Symbol.for('globus-tokenstorage.error.lineage');

/** Options accepted by every error constructor of this project. */
export interface TokenStorageErrorOptions {
  /** The underlying error. Callers must make sure it holds no token value. */
  cause?: unknown;
}

/**
 * Base class of every error thrown by the `@globus-tokenstorage` packages.
 *
 * Messages and properties name files, namespaces and resource servers, never a token value.
 * Context properties are non-enumerable so that logging an error prints its message, not a dump.
 */
export class TokenStorageError extends Error {
  /** The class name used by {@link TokenStorageError.isInstance}; each subclass overrides it. */
  static readonly errorName: string = 'TokenStorageError';
  /** The code every instance of this class carries; each subclass overrides it. */
  static readonly code: ErrorCode = ErrorCodes.TOKEN_STORAGE_ERROR;

  /** Stable, machine-readable code of this error (see {@link ErrorCodes}). */
  readonly code: ErrorCode;

  /**
   * @param message - What went wrong, naming the file, namespace or resource server concerned.
   * @param options - `cause`: the underlying error, if any.
   */
  constructor(message: string, options: TokenStorageErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const ctor = new.target as unknown as { errorName: string; code: ErrorCode };
    this.code = ctor.code;
    defineHidden(this, 'name', ctor.errorName);
    defineHidden(this, LINEAGE, lineageOf(new.target));
  }

  /**
   * Whether `value` is an instance of this class (or of a subclass), even when it was thrown by
   * another copy of this package (two installed versions, or the ESM and CommonJS builds side by side).
   *
   * @param value - Anything caught.
   * @returns `true` if `value` is an error of this class.
   */
  static isInstance<T extends abstract new (...args: never[]) => TokenStorageError>(
    this: T & { errorName: string },
    value: unknown,
  ): value is InstanceType<T> {
    if (value instanceof this) return true;
    if (typeof value !== 'object' || value === null) return false;
    const lineage = (value as Record<symbol, unknown>)[LINEAGE];
    return Array.isArray(lineage) && lineage.includes(this.errorName);
  }
}

/** Defines a non-enumerable, read-only property, used for error context. */
export function defineHidden(target: object, key: PropertyKey, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: false, writable: false, configurable: true });
}

function lineageOf(ctor: unknown): readonly string[] {
  const names: string[] = [];
  for (let c = ctor as { errorName?: string } | null; c; c = Object.getPrototypeOf(c)) {
    if (Object.hasOwn(c, 'errorName')) names.push(c.errorName as string);
    if (c === (TokenStorageError as unknown)) break;
  }
  return Object.freeze(names);
}
