import { TimeoutError } from '../futures/errors.js';
import { within } from '../internal/timers.js';
import { validateFunction, validateOptions, validateSignal, validateTimeout } from '../internal/validate.js';

/**
 * Options of {@link timeout}.
 * @example
 * ```ts
 * import { timeout } from 'aiox';
 * const client = new AbortController(); // aborted when the client goes away
 * // TimeoutError after 5 s, or the client's reason at once; either way the fetch is aborted.
 * const body = await timeout(5000, (signal) => fetch('https://example.com', { signal }).then((r) => r.text()), { signal: client.signal });
 * ```
 */
export interface TimeoutOptions {
  /** Aborting it aborts the signal given to `work` and rejects at once with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/**
 * Runs `work` with a time limit. `work` receives a signal; when `ms` milliseconds pass first, that signal
 * aborts with a `TimeoutError` and the returned promise rejects with it at once.
 *
 * Only work that listens to the signal (passes it to `fetch`, `sleep`, a queue's `get`, or checks it)
 * actually stops; work that ignores it goes on running in the background and its outcome is dropped.
 * For code that cannot listen, such as a CPU-bound loop, run it in a pool with a per-task timeout,
 * which terminates the worker: `pool.submitWith(fn, args, { timeout })`.
 *
 * @param ms The limit in milliseconds; `Infinity` means none.
 * @param work Called at once with the signal to obey; its result or failure is passed through.
 * @throws {TimeoutError} (rejects) when the limit passes first.
 * @throws {RangeError} for a negative or non-numeric `ms`; {TypeError} for a bad `work` or `signal`.
 * @example
 * ```ts
 * import { timeout } from 'aiox';
 * const page = await timeout(5000, (signal) => fetch('https://example.com', { signal }));
 * ```
 */
export function timeout<T>(ms: number, work: (signal: AbortSignal) => T | PromiseLike<T>, options: TimeoutOptions = {}): Promise<T> {
  validateOptions(options);
  validateTimeout(ms, 'ms');
  validateFunction(work, 'work');
  const { signal } = options;
  validateSignal(signal);
  if (signal?.aborted) return Promise.reject(signal.reason);
  const controller = new AbortController();
  return within(
    new Promise<T>((resolve) => resolve(work(controller.signal))),
    ms,
    signal,
    () => new TimeoutError(`timed out after ${ms} ms`),
    (reason) => controller.abort(reason),
  );
}
