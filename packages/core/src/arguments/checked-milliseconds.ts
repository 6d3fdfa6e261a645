import { InvalidArgumentError } from '../errors';

/**
 * The largest number of milliseconds an option takes: 2^31 − 1 (about 24.8 days). Timers treat a
 * longer delay as 1 ms (a wait would end at once), and PostgreSQL's timeouts stop there too.
 */
export const MAX_MILLISECONDS = 2 ** 31 - 1;

/**
 * What a millisecond option measures. A `wait` (`lockTimeoutMs`, `sectionTimeoutMs`, `timeoutMs`)
 * is how long to wait for something before failing: `0` tries once without waiting, `Infinity`
 * waits with no limit. A `duration` (`sectionLeaseMs`, `leaseMs`) is how
 * long something lasts: at least 1 ms, and never for ever (a lease that never ends would lock others
 * out for good after a crash).
 */
export type MillisecondsKind = 'wait' | 'duration';

/**
 * Checks a millisecond option against the one rule every package of this project follows: a whole
 * number of milliseconds from 0 (a `wait`) or 1 (a `duration`) to {@link MAX_MILLISECONDS}, or
 * `Infinity` for a `wait` with no limit.
 *
 * @param value - The option as given (after its default was applied).
 * @param name - The option's name, for the message (e.g. `'lockTimeoutMs'`).
 * @param kind - What it measures. @default "wait"
 * @returns The value.
 * @throws {@link InvalidArgumentError} naming the option and the accepted range.
 * @example
 * ```ts
 * this.lockTimeoutMs = checkedMilliseconds(options.lockTimeoutMs ?? 10_000, 'lockTimeoutMs');
 * ```
 */
export function checkedMilliseconds(value: unknown, name: string, kind: MillisecondsKind = 'wait'): number {
  const wait = kind === 'wait';
  if (wait && value === Infinity) return value;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < (wait ? 0 : 1) || value > MAX_MILLISECONDS) {
    throw new InvalidArgumentError(
      `'${name}' must be a whole number of milliseconds from ${wait ? 0 : 1} to ${MAX_MILLISECONDS}${wait ? ', or Infinity for no limit' : ''}`,
    );
  }
  return value;
}
