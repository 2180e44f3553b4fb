import { Future } from '../futures/future.js';
import { isThenable, validateOptions, validateSignal } from '../internal/validate.js';
import type { WorkContext, WorkItem } from './work-input.js';

/**
 * Options of {@link schedule}.
 * @example
 * ```ts
 * import { schedule } from 'aiox';
 * const handle = schedule(({ signal }) => fetch('https://example.com/slow', { signal }), {
 *   signal: AbortSignal.timeout(5000), // also given to the work, so the fetch is aborted too
 * });
 * const { future } = await handle; // within 5 s
 * if (!future.succeeded()) console.log(future.exception()); // a TimeoutError once 5 s passed
 * ```
 */
export interface ScheduleOptions {
  /**
   * Passed to the work when it is a function. If it aborts before the work settles, the handle resolves at
   * once with a future failed with `signal.reason`, and what the work does afterwards is ignored.
   */
  readonly signal?: AbortSignal;
}

/**
 * What a {@link schedule} handle resolves to: the work's done future.
 * @example
 * ```ts
 * import { schedule, type Scheduled } from 'aiox';
 * const handles: Promise<Scheduled<number>>[] = [1, 2, 3].map((n) => schedule(async () => {
 *   if (n === 2) throw new Error('two');
 *   return n;
 * }));
 * for (const { future } of await Promise.all(handles)) { // never rejects: a failure stays in its future
 *   console.log(future.succeeded() ? future.result() : `failed: ${future.exception()}`); // 1, failed: Error: two, 3
 * }
 * ```
 */
export interface Scheduled<T> {
  readonly future: Future<T>;
}

/**
 * Starts `work` now (a function is called at once, with `{ signal }`) and returns a handle: a promise that
 * never rejects and resolves, once the work settles, to `{ future }`, a done {@link Future} whose
 * `result()` gives the work's value or throws its error. A failure is therefore reported only where
 * `result()` or `exception()` is called, never as an unhandled rejection.
 *
 * The future comes wrapped in `{ future }` because a `Future` is thenable: resolving a promise with it would
 * unwrap it into its result (and reject on failure).
 *
 * @param work a promise, a plain value, or a function returning either; a function that throws
 *   synchronously gives a failed future.
 * @throws {TypeError} if `signal` is not an `AbortSignal` (synchronously).
 *
 * @example
 * ```ts
 * import { schedule } from 'aiox';
 * const handle = schedule(() => fetch('https://example.com'));
 * // ... other work runs meanwhile ...
 * const { future } = await handle; // never throws
 * if (future.succeeded()) console.log(future.result().status);
 * else console.error('failed:', future.exception());
 * ```
 */
export function schedule<T>(work: WorkItem<T>, options: ScheduleOptions = {}): Promise<Scheduled<T>> {
  validateOptions(options);
  const { signal } = options;
  validateSignal(signal);
  const future = new Future<T>();
  future.setRunningOrNotifyCancel();
  const handle: Scheduled<T> = { future };
  if (signal?.aborted) {
    future.setException(signal.reason);
    return Promise.resolve(handle);
  }
  let value: unknown;
  try {
    value = typeof work === 'function' ? (work as (context: WorkContext) => unknown)({ signal: signal ?? neverAborted() }) : work;
  } catch (error) {
    future.setException(error);
    return Promise.resolve(handle);
  }
  if (!isThenable(value)) {
    future.setResult(value as T);
    return Promise.resolve(handle);
  }
  return new Promise<Scheduled<T>>((resolve) => {
    const settle = (failed: boolean, outcome: unknown): void => {
      if (future.done()) return;
      signal?.removeEventListener('abort', onAbort);
      if (failed) future.setException(outcome);
      else future.setResult(outcome as T);
      resolve(handle);
    };
    const onAbort = (): void => settle(true, signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    value.then(
      (result) => settle(false, result),
      (error: unknown) => settle(true, error),
    );
  });
}

function neverAborted(): AbortSignal {
  return new AbortController().signal;
}
