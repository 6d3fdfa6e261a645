/** Defines each value as a non-enumerable, read-only property (error context, so a log shows the message only). */
export function defineHiddenContext(target: object, context: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(context)) {
    Object.defineProperty(target, key, { value, enumerable: false, writable: false, configurable: true });
  }
}
