import type { TransferListItem } from 'node:worker_threads';
import type { Future } from '../futures/future.js';
import type { Task } from '../tasks/task.js';

/** Per-task options of {@link Executor.submitWith}. */
export interface SubmitOptions {
  /**
   * Stops the task: a queued task is removed and never runs; a running one is stopped by terminating its
   * worker (a replacement starts). The future fails with `signal.reason`.
   */
  readonly signal?: AbortSignal;
  /**
   * Milliseconds from submission after which the task is stopped as by `signal`, and its future fails with
   * `TimeoutError`. Covers time spent queued. @default Infinity
   */
  readonly timeout?: number;
  /**
   * Thread pools only: `ArrayBuffer`s, `MessagePort`s and other transferables among the arguments to move
   * to the worker instead of copying. @default []
   */
  readonly transfer?: readonly TransferListItem[];
}

/** Options of {@link Executor.map}. */
export interface MapOptions {
  /**
   * Milliseconds, counted from the call, after which iteration throws `TimeoutError` and the remaining work
   * is cancelled. @default Infinity
   */
  readonly timeout?: number;
  /**
   * Items sent to a worker in one task. Raise it for many tiny items. With an async input, a chunk that is
   * not full yet is sent as it is once nothing else of this `map` is in flight. @default 1
   */
  readonly chunksize?: number;
  /**
   * Items submitted ahead of the consumer at most. Input is read lazily up to this bound, so an endless
   * generator works. An async input is read alongside the consumer, so it may wait for map's own results.
   * @default max(1024, 4 × maxWorkers × chunksize)
   */
  readonly readAhead?: number;
  /** Stops the iteration: the next step throws `signal.reason` and the remaining work is cancelled. */
  readonly signal?: AbortSignal;
}

/** Options of {@link Executor.shutdown}. */
export interface ShutdownOptions {
  /** Resolve only once all queued and running work is done and the workers have exited. @default true */
  readonly wait?: boolean;
  /** Cancel queued work that has not started. Running work is never cancelled. @default false */
  readonly cancelFutures?: boolean;
}

/**
 * What every executor offers: Python's `concurrent.futures.Executor`, with `await using` in place of
 * `with`. `ThreadPoolExecutor` and `ProcessPoolExecutor` implement it.
 */
export interface Executor extends AsyncDisposable {
  /**
   * Schedules `fn(...args)` and returns its `Future`. `fn` is a function marked with `defineTask`, a
   * self-contained plain function (sent as source), or a `{ module, name }` reference.
   * @throws {InvalidStateError} after `shutdown()`; {BrokenExecutor} once the pool is broken.
   */
  submit<A extends unknown[], R>(fn: Task<A, R>, ...args: A): Future<Awaited<R>>;
  /** Like `submit`, with per-task options: a signal, a timeout, a transfer list. */
  submitWith<A extends unknown[], R>(fn: Task<A, R>, args: A, options: SubmitOptions): Future<Awaited<R>>;
  /**
   * Runs `fn(item)` for every item and yields the results in input order. An error is thrown at its
   * position and the remaining work is cancelled, as is everything left when the consumer stops early.
   */
  map<T, R>(fn: Task<[T], R>, items: Iterable<T> | AsyncIterable<T>, options?: MapOptions): AsyncIterableIterator<Awaited<R>>;
  /** Stops accepting work; see {@link ShutdownOptions}. Safe to call more than once. */
  shutdown(options?: ShutdownOptions): Promise<void>;
}
