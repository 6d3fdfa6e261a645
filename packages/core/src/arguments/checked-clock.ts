import { InvalidArgumentError } from '../errors';

/** The system clock, in epoch seconds (with milliseconds as the fraction). */
const systemClock = (): number => Date.now() / 1000;

/**
 * The clock of a `now` option: the function given, or the system clock in epoch seconds. Every
 * class with a `now` option (storages, validators, authorizers, login clients) reads it this way,
 * so tests can inject time.
 *
 * @param now - The `now` option as passed (`undefined` for none).
 * @returns The clock to call.
 * @throws {@link InvalidArgumentError} if `now` is given but is not a function.
 */
export function checkedClock(now: unknown): () => number {
  if (now === undefined) return systemClock;
  if (typeof now !== 'function') throw new InvalidArgumentError("'now' must be a function");
  return now as () => number;
}
