import { after } from '../internal/timers.js';
import { validateOptions, validateSignal, validateTimeout } from '../internal/validate.js';

/**
 * Options of {@link sleep}.
 * @example
 * ```ts
 * import { sleep } from 'aiox';
 * const stop = new AbortController();
 * process.once('SIGINT', () => stop.abort()); // Ctrl-C ends the loop at once, not after the current sleep
 * while (!stop.signal.aborted) {
 *   console.log('polling');
 *   await sleep(30_000, { signal: stop.signal }).catch(() => {});
 * }
 * ```
 */
export interface SleepOptions {
  /** Ends the sleep early: `sleep` rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/**
 * Resolves after `ms` milliseconds, or rejects with `signal.reason` as soon as the signal aborts. Unlike
 * `node:timers/promises`, the timer follows the global `setTimeout`, so fake clocks in tests control it.
 *
 * @param ms Milliseconds to wait; `Infinity` waits until the signal aborts.
 * @throws {RangeError} for a negative or non-numeric `ms`; {TypeError} for a bad `signal`.
 * @example
 * ```ts
 * import { sleep } from 'aiox';
 * await sleep(100);
 * await sleep(60_000, { signal: AbortSignal.timeout(10) }).catch((e) => console.log(e.name)); // TimeoutError
 * ```
 */
export function sleep(ms: number, options: SleepOptions = {}): Promise<void> {
  validateOptions(options);
  validateTimeout(ms, 'ms');
  const { signal } = options;
  validateSignal(signal);
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      timer?.clear();
      reject(signal!.reason);
    };
    // Infinity means "until aborted", so no timer at all.
    const timer =
      ms === Infinity
        ? undefined
        : after(ms, () => {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
