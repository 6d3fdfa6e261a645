/**
 * The class name of something caught, if it is a plain word (`TypeError`, `SqliteError`): safe to
 * show where the error's message is not, since a message may quote a token or a password.
 *
 * @param error - Anything caught.
 * @returns Its `name`, or `null` if that is missing or not a plain word.
 */
export function safeErrorName(error: unknown): string | null {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && /^\w{1,60}$/.test(name) ? name : null;
}
