import { InvalidArgumentError } from '../errors';

/** A UTF-16 surrogate without its other half: a string holding one has no UTF-8 form. */
const UNPAIRED_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether a string is well-formed UTF-16 (no unpaired surrogate): only such text has a UTF-8 form,
 * so only it survives a UTF-8 store (SQLite, PostgreSQL) or percent-encoding unchanged.
 *
 * @param text - The string.
 * @returns `false` if it holds a surrogate without its other half.
 */
export function isWellFormedText(text: string): boolean {
  return !UNPAIRED_SURROGATE.test(text);
}

/**
 * Refuses a name (namespace, resource server) that holds an unpaired UTF-16 surrogate, for
 * backends that store text as UTF-8 (SQLite, PostgreSQL): the driver would silently store U+FFFD
 * instead, so the name would read back as another one, and two such names would share one entry.
 *
 * @param value - The name.
 * @param what - What it is, for the message: `"namespace"`, `"resource server"`.
 * @throws {@link InvalidArgumentError} if it holds an unpaired surrogate.
 */
export function assertWellFormedText(value: string, what: string): void {
  if (!isWellFormedText(value)) {
    throw new InvalidArgumentError(
      `the ${what} holds an unpaired UTF-16 surrogate, which has no UTF-8 form: this storage cannot keep it apart from other names`,
    );
  }
}
