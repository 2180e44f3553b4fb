import { TimeoutError } from './errors.js';
import type { Future } from './future.js';
import { futuresOf } from './futures-of.js';
import { MAX_DELAY } from '../internal/timers.js';
import { validateOptions, validateSignal, validateTimeout } from '../internal/validate.js';

/**
 * Options of {@link asCompleted}.
 * @example
 * ```ts
 * import { ThreadPoolExecutor, asCompleted } from 'aiox';
 * await using pool = new ThreadPoolExecutor();
 * const futures = [1, 2, 3].map((n) => pool.submit((x: number) => x * 10, n));
 * const cancelButton = new AbortController();
 * // Throws TimeoutError 10 s after this call, or the reason once the button aborts; neither cancels a future.
 * for await (const { future } of asCompleted(futures, { timeout: 10_000, signal: cancelButton.signal })) {
 *   console.log(future.result());
 * }
 * ```
 */
export interface AsCompletedOptions {
  /** Milliseconds, counted from the call, after which iteration throws `TimeoutError`. @default Infinity */
  readonly timeout?: number;
  /** Stops iteration: the next step rejects with `signal.reason`. The futures themselves are left alone. */
  readonly signal?: AbortSignal;
}

/**
 * One step of {@link asCompleted}: a future that is done.
 * @example
 * ```ts
 * import { ThreadPoolExecutor, asCompleted } from 'aiox';
 * await using pool = new ThreadPoolExecutor();
 * const futures = [2, 0].map((n) => pool.submit((d: number) => { if (d === 0) throw new RangeError('zero'); return 1 / d; }, n));
 * for await (const { future } of asCompleted(futures)) {
 *   if (future.succeeded()) console.log(future.result()); // 0.5
 *   else console.error(future.exception()); // RangeError: zero; the loop goes on
 * }
 * ```
 */
export interface Completed<T> {
  readonly future: Future<T>;
}

/**
 * Yields each future once as it completes, as `{ future }`: those already done first, then in completion
 * order. Duplicates collapse. If `timeout` passes first, the iteration throws `TimeoutError`
 * ("N (of M) futures unfinished").
 *
 * Why `{ future }` and not the future itself: a `Future` is thenable, and TypeScript types the variable of
 * a `for await` loop as the awaited value, so a bare future would be typed as its result. Wrapped, the types
 * say what the loop really gets.
 *
 * @throws {RangeError} for a bad `timeout`; {TypeError} for a bad `signal`, or for `futures` that is not an
 *   iterable of Futures (the message names the index of the first bad one).
 * @example
 * ```ts
 * import { ThreadPoolExecutor, asCompleted } from 'aiox';
 * await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
 * const fs = [3, 1, 2].map((n) => pool.submit((x: number) => x * x, n));
 * for await (const { future } of asCompleted(fs)) console.log(future.result());
 * ```
 */
export function asCompleted<T>(futures: Iterable<Future<T>>, options: AsCompletedOptions = {}): AsyncIterableIterator<Completed<T>> {
  validateOptions(options);
  const { timeout = Infinity, signal } = options;
  validateTimeout(timeout);
  validateSignal(signal);
  const all = futuresOf<T>(futures);
  const total = all.size;
  const deadline = timeout === Infinity ? Infinity : performance.now() + timeout;
  // Futures finished but not yet yielded, in completion order.
  const ready: Future<T>[] = [];
  const pending = new Set<Future<T>>();
  let wake: (() => void) | undefined;
  let closed = false;
  const onDone = (f: Future<T>): void => {
    if (!pending.delete(f)) return;
    ready.push(f);
    wake?.();
  };
  for (const f of all) {
    // The caller takes charge of what it iterates over: each future counts as observed (see Future.markObserved).
    if (f.markObserved().done()) ready.push(f);
    else pending.add(f);
  }
  for (const f of [...pending]) f.addDoneCallback(onDone);

  const close = (): void => {
    closed = true;
    for (const f of pending) f.removeDoneCallback(onDone);
    ready.length = 0;
    // A step still waiting (return() called while a next() is pending) ends too, and drops its listener.
    wake?.();
  };

  const nextReady = async (): Promise<IteratorResult<Completed<T>>> => {
    if (closed) return { done: true, value: undefined };
    if (signal?.aborted) {
      close();
      throw signal.reason;
    }
    const f = ready.shift();
    if (f !== undefined) return { done: false, value: { future: f } };
    if (pending.size === 0) {
      close();
      return { done: true, value: undefined };
    }
    const remaining = deadline - performance.now();
    if (remaining <= 0) {
      const unfinished = pending.size;
      close();
      throw new TimeoutError(`${unfinished} (of ${total}) futures unfinished`);
    }
    await new Promise<void>((resolve) => {
      // setTimeout fires after 1 ms when given more than MAX_DELAY; waking early only re-checks the clock.
      const timer = remaining === Infinity ? undefined : setTimeout(done, Math.min(remaining, MAX_DELAY));
      const onAbort = (): void => done();
      signal?.addEventListener('abort', onAbort, { once: true });
      function done(): void {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
    return nextReady();
  };

  // Steps are chained so that concurrent next() calls are answered in order.
  let chain: Promise<unknown> = Promise.resolve();
  const iterator: AsyncIterableIterator<Completed<T>> = {
    next() {
      const step = chain.then(nextReady, nextReady);
      chain = step.catch(() => undefined);
      return step;
    },
    async return() {
      close();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}
