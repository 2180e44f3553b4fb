import { after, type Delay } from '../internal/timers.js';
import { describe, validateOptions, validateSignal, validateTimeout } from '../internal/validate.js';
import type { Future } from './future.js';
import { futuresOf } from './futures-of.js';

/**
 * When {@link wait} returns, as in Python's `concurrent.futures`.
 * @example
 * ```ts
 * import { ReturnWhen, ThreadPoolExecutor, wait } from 'aiox';
 * await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
 * const nap = (ms: number) => { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms); return ms; };
 * const futures = [2000, 100].map((ms) => pool.submit(nap, ms));
 * const { done } = await wait(futures, { returnWhen: ReturnWhen.FIRST_COMPLETED });
 * console.log([...done].map((f) => f.result())); // [ 100 ]
 * ```
 */
export const ReturnWhen = {
  /** As soon as any future finishes or is cancelled. */
  FIRST_COMPLETED: 'FIRST_COMPLETED',
  /** As soon as any future fails with an exception, or when all are done. Cancellation is not a failure. */
  FIRST_EXCEPTION: 'FIRST_EXCEPTION',
  /** When every future is done. */
  ALL_COMPLETED: 'ALL_COMPLETED',
} as const;
/** One of the values of {@link ReturnWhen}. */
export type ReturnWhen = (typeof ReturnWhen)[keyof typeof ReturnWhen];

/**
 * Options of {@link wait}.
 * @example
 * ```ts
 * import { ReturnWhen, ThreadPoolExecutor, wait } from 'aiox';
 * await using pool = new ThreadPoolExecutor();
 * const futures = [4, 0, 2].map((n) => pool.submit((d: number) => { if (d === 0) throw new RangeError('zero'); return 8 / d; }, n));
 * // Back at the first failure, after 5 s, or once all are done: whichever comes first.
 * const { done } = await wait(futures, { returnWhen: ReturnWhen.FIRST_EXCEPTION, timeout: 5000 });
 * console.log([...done].find((f) => !f.succeeded())?.exception()); // RangeError: zero
 * ```
 */
export interface WaitOptions {
  /** Milliseconds to wait at most; when it passes, `wait` resolves with what is done so far. @default Infinity */
  readonly timeout?: number;
  /** When to return. @default 'ALL_COMPLETED' */
  readonly returnWhen?: ReturnWhen;
  /** Stops waiting: `wait` rejects with `signal.reason`. The futures themselves are left alone. */
  readonly signal?: AbortSignal;
}

/**
 * The two sets {@link wait} resolves to.
 * @example
 * ```ts
 * import { ThreadPoolExecutor, wait } from 'aiox';
 * await using pool = new ThreadPoolExecutor();
 * const futures = [1, 2, 3].map((n) => pool.submit((x: number) => x * x, n));
 * const { done, notDone } = await wait(futures, { timeout: 1000 });
 * for (const f of notDone) f.cancel(); // the sets hold the very futures passed in
 * console.log(futures.filter((f) => done.has(f)).map((f) => f.result())); // [ 1, 4, 9 ]
 * ```
 */
export interface DoneAndNotDone<T> {
  readonly done: Set<Future<T>>;
  readonly notDone: Set<Future<T>>;
}

/**
 * Waits for futures. Resolves to `{ done, notDone }` once the `returnWhen` condition holds or `timeout`
 * passes; a timeout is not an error. Duplicates in the input collapse; any iterable is accepted.
 *
 * @throws {RangeError} for a negative or non-numeric `timeout`, {TypeError} for an unknown `returnWhen`, or
 *   for `futures` that is not an iterable of Futures (the message names the index of the first bad one).
 * @example
 * ```ts
 * import { ThreadPoolExecutor, wait } from 'aiox';
 * await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
 * const fs = [1, 2, 3].map((n) => pool.submit((x: number) => x * 2, n));
 * const { done, notDone } = await wait(fs, { timeout: 5000 });
 * console.log(done.size, notDone.size); // 3 0
 * ```
 */
export function wait<T>(futures: Iterable<Future<T>>, options: WaitOptions = {}): Promise<DoneAndNotDone<T>> {
  validateOptions(options);
  const { timeout = Infinity, returnWhen = ReturnWhen.ALL_COMPLETED, signal } = options;
  validateTimeout(timeout);
  validateSignal(signal);
  if (!Object.values(ReturnWhen).includes(returnWhen)) {
    throw new TypeError(`returnWhen must be one of ${Object.values(ReturnWhen).join(', ')}, received ${describe(returnWhen)}`);
  }
  const all = futuresOf<T>(futures);
  const done = new Set<Future<T>>();
  const notDone = new Set<Future<T>>();
  // The caller takes charge of what it waits for: each future counts as observed (see Future.markObserved).
  for (const f of all) (f.markObserved().done() ? done : notDone).add(f);
  const satisfied = (): boolean => {
    if (notDone.size === 0) return true;
    if (returnWhen === ReturnWhen.FIRST_COMPLETED) return done.size > 0;
    if (returnWhen === ReturnWhen.FIRST_EXCEPTION) return [...done].some(failed);
    return false;
  };
  if (signal?.aborted) return Promise.reject(signal.reason);
  if (satisfied() || timeout === 0) return Promise.resolve({ done, notDone });

  return new Promise((resolve, reject) => {
    let timer: Delay | undefined;
    const finish = (): void => {
      timer?.clear();
      signal?.removeEventListener('abort', onAbort);
      for (const f of notDone) f.removeDoneCallback(onDone);
      resolve({ done, notDone });
    };
    const onDone = (f: Future<T>): void => {
      notDone.delete(f);
      done.add(f);
      if (returnWhen === ReturnWhen.FIRST_COMPLETED || notDone.size === 0) finish();
      else if (returnWhen === ReturnWhen.FIRST_EXCEPTION && failed(f)) finish();
    };
    const onAbort = (): void => {
      timer?.clear();
      for (const f of notDone) f.removeDoneCallback(onDone);
      reject(signal?.reason);
    };
    if (timeout !== Infinity) timer = after(timeout, finish);
    signal?.addEventListener('abort', onAbort, { once: true });
    for (const f of [...notDone]) f.addDoneCallback(onDone);
  });
}

function failed(f: Future<unknown>): boolean {
  return !f.cancelled() && !f.succeeded();
}
