import { InvalidArgumentError } from '@globus-tokenstorage/core';
import { LoginFlowAbortedError, LoginFlowTimeoutError } from './login-flow-errors';

/**
 * Runs `wait` (the part of a login where the user acts) under a time limit and the caller's signal.
 * `wait` gets a signal that aborts on either; it must then release what it holds (a server, a
 * stream) and reject with the signal's reason, so that nothing is left open once the call settles.
 *
 * @param wait - The wait; it rejects with its signal's reason when the signal aborts.
 * @param limits - `timeoutMs` (`Infinity` for none), the caller's `signal`, and `what` is waited
 *   for (for messages).
 * @returns What `wait` resolves to.
 * @throws {@link LoginFlowTimeoutError} after `timeoutMs`; {@link LoginFlowAbortedError} once
 *   `signal` aborts; {@link InvalidArgumentError} for a `signal` that is not an `AbortSignal`;
 *   whatever `wait` rejects with before that.
 */
export async function withinLoginDeadline<T>(
  wait: (signal: AbortSignal) => Promise<T>,
  limits: { timeoutMs: number; signal: AbortSignal | undefined; what: string },
): Promise<T> {
  const { timeoutMs, signal, what } = limits;
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidArgumentError("'signal' must be an AbortSignal");
  const controller = new AbortController();
  const onAbort = () =>
    controller.abort(new LoginFlowAbortedError(`the login was cancelled while waiting for ${what}`, { cause: signal?.reason }));
  if (signal?.aborted) onAbort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const timer =
    timeoutMs === Infinity
      ? undefined
      : setTimeout(() => {
          const seconds = Math.round(timeoutMs / 1000);
          controller.abort(new LoginFlowTimeoutError(`the login timed out after ${seconds} s waiting for ${what}`, { timeoutMs }));
        }, timeoutMs);
  try {
    return await wait(controller.signal);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}
