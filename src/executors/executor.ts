import type { Socket as DatagramSocket } from 'node:dgram';
import type { Server, Socket } from 'node:net';
import type { Worker } from 'node:worker_threads';
import type { Future } from '../futures/future.js';
import type { Reports } from '../tasks/current-task.js';
import type { Task } from '../tasks/task.js';
import type { ReportOptions } from './task-reports.js';

/**
 * What a thread can be handed in a transfer list (`ArrayBuffer`, `MessagePort`, ...). Read from `postMessage`
 * rather than named, so that this declaration compiles against every @types/node a user may have: version 26
 * dropped the name `TransferListItem`.
 */
type ThreadTransferable = Extract<Parameters<Worker['postMessage']>[1], readonly unknown[]>[number];

/**
 * Per-task options of {@link Executor.submitWith}.
 * @example
 * ```ts
 * import { ThreadPoolExecutor } from 'aiox';
 * await using pool = new ThreadPoolExecutor();
 * const pixels = new Uint8Array(1 << 20);
 * const total = pool.submitWith((p: Uint8Array) => p.reduce((a, b) => a + b, 0), [pixels], {
 *   transfer: [pixels.buffer], // moved, not copied: leave `pixels` alone after this call
 *   timeout: 5000, // counted from now, so time spent queued counts too
 * });
 * console.log(await total, pixels.byteLength); // 0 0: the memory went to the worker
 * ```
 */
export interface SubmitOptions<P = unknown, E = unknown> extends ReportOptions<P, E> {
  /**
   * Stops the task: a queued task is removed and never runs; a running one is stopped by terminating its
   * worker (a replacement starts). The future fails with `signal.reason`.
   */
  readonly signal?: AbortSignal;
  /**
   * Milliseconds from submission after which the task is stopped as by `signal`, and its future fails with
   * `TimeoutError`. Covers time spent queued. Timed to the whole millisecond, as a timer is: never sooner, and
   * less than a millisecond later than the exact time (besides any delay of the event loop). @default Infinity
   */
  readonly timeout?: number;
  /**
   * What to move to the worker instead of copying, from among the arguments. On a thread pool:
   * `ArrayBuffer`s, `MessagePort`s and other transferables. On a process pool: `net.Socket`s, `net.Server`s
   * and `dgram.Socket`s, passed to the child through IPC handle passing, which the task receives open in
   * its process (one that is not among the arguments fails the task); a `net.Socket` is closed here once
   * sent, while a server or dgram socket is shared and keeps working here too until closed. Anything else
   * is a TypeError at the call. Items move when the task is sent to a worker, which is later than the call
   * if the task waits in the queue; treat them as gone from the call on. @default []
   */
  readonly transfer?: readonly (ThreadTransferable | Socket | Server | DatagramSocket)[];
}

/**
 * Options of {@link Executor.map}.
 * @example
 * ```ts
 * import { ProcessPoolExecutor } from 'aiox';
 * await using pool = new ProcessPoolExecutor();
 * const numbers = Array.from({ length: 1_000_000 }, (_, i) => i);
 * let odd = 0;
 * // No chunksize: map sizes its chunks itself (tiny items like these go up to 1024 a message). After a
 * // minute the loop throws TimeoutError and what is left is cancelled.
 * for await (const isOdd of pool.map((n: number) => n % 2 === 1, numbers, { timeout: 60_000 })) if (isOdd) odd++;
 * ```
 */
export interface MapOptions<P = unknown, E = unknown> {
  /**
   * Milliseconds, counted from the call, after which iteration throws `TimeoutError` and the remaining work
   * is cancelled. @default Infinity
   */
  readonly timeout?: number;
  /**
   * Items sent to a worker in one task, fixed. With an async input, a chunk that is not full yet is sent as
   * it is once nothing else of this `map` is in flight.
   *
   * When not given, `map` sizes its chunks from what they cost: the first chunks hold one item each (so the
   * first results come at once and slow items spread over the workers); each chunk's time in its worker
   * then sets the next size, toward 0.5 ms of work a chunk, at most 1024 items, growing at most fourfold
   * past the largest chunk measured and shrinking as soon as items get slower. Items of about half a
   * millisecond or more go one per chunk, as with `chunksize: 1`; tiny items go 1024 a chunk. Give a size
   * when item costs change abruptly along the input (a chunk of cheap-looking items that turn slow runs on
   * one worker). @default adaptive, as above
   */
  readonly chunksize?: number;
  /**
   * Items submitted ahead of the consumer at most, in whole chunks (one chunk at least, whatever the
   * value), beyond the chunk whose results it is taking. Input is read lazily up to this bound, so an endless
   * generator works. An async input is read alongside the consumer, so it may wait for map's own results.
   * Without `chunksize`, chunks are kept to a size that lets this bound hold two chunks per worker, and
   * while the size is still growing at most two chunks per worker are in flight.
   * @default max(1024, 4 × maxWorkers × chunksize), with the current chunk size when `chunksize` is not given
   */
  readonly readAhead?: number;
  /** Stops the iteration: the next step throws `signal.reason` and the remaining work is cancelled. */
  readonly signal?: AbortSignal;
  /**
   * Called with each progress value an item's call reports (see {@link currentTask}) and the item's index in
   * the input. The items of one chunk share one context and one stream of progress, latest value wins: an
   * item's last value may be replaced by a later item's. @default undefined
   */
  readonly onProgress?: (value: P, index: number) => void;
  /** Called with each event an item's call emits, in order, and the item's index in the input. @default undefined */
  readonly onEvent?: (event: E, index: number) => void;
}

/**
 * Options of {@link Executor.shutdown}.
 * @example
 * ```ts
 * import { ThreadPoolExecutor } from 'aiox';
 * const pool = new ThreadPoolExecutor();
 * const futures = [1, 2, 3].map((n) => pool.submit((x: number) => x + 1, n));
 * await pool.shutdown({ cancelFutures: true, wait: false }); // drop queued work, let running work end alone
 * console.log(futures.map((f) => f.state)); // [ 'cancelled', 'cancelled', 'cancelled' ]: no worker had started
 * ```
 */
export interface ShutdownOptions {
  /** Resolve only once all queued and running work is done and the workers have exited. @default true */
  readonly wait?: boolean;
  /**
   * Cancel queued work that has not started. Running work is never cancelled or terminated, but each
   * running task's signal aborts (`currentTask().signal`, with an `AbortError`), so a task that watches it
   * can end early; its future then settles as the task does. @default false
   */
  readonly cancelFutures?: boolean;
}

/**
 * What every executor offers: Python's `concurrent.futures.Executor`, with `await using` in place of
 * `with`. `ThreadPoolExecutor` and `ProcessPoolExecutor` implement it.
 * @example
 * ```ts
 * import { ProcessPoolExecutor, ThreadPoolExecutor, type Executor } from 'aiox';
 * async function sumOfSquares(executor: Executor, items: number[]): Promise<number> {
 *   let sum = 0;
 *   for await (const square of executor.map((x: number) => x * x, items)) sum += square;
 *   return sum;
 * }
 * const executor: Executor = process.env.ISOLATE ? new ProcessPoolExecutor() : new ThreadPoolExecutor();
 * console.log(await sumOfSquares(executor, [1, 2, 3])); // 14, on either pool
 * await executor.shutdown();
 * ```
 */
export interface Executor extends AsyncDisposable {
  /**
   * Schedules `fn(...args)` and returns its `Future`. `fn` is a function marked with `defineTask`, a
   * self-contained plain function (sent as source), or a `{ module, name }` reference. `args` and the
   * result are copied (structured clone): a class instance arrives as a plain object with its own fields
   * but without its class or methods, so the task rebuilds it (e.g. `Point.from(data)`).
   * @throws {InvalidStateError} after `shutdown()`; {BrokenExecutor} once the pool is broken.
   */
  submit<A extends unknown[], R>(fn: Task<A, R>, ...args: A): Future<Awaited<R>>;
  /**
   * Like `submit`, with per-task options: a signal, a timeout, a transfer list, listeners of the task's
   * progress and events (typed as the task declares them, see {@link DefinedTask}).
   */
  submitWith<A extends unknown[], R, P = unknown, E = unknown>(fn: Task<A, R> & Reports<P, E>, args: A, options: SubmitOptions<P, E>): Future<Awaited<R>>;
  /**
   * Runs `fn(item)` for every item and yields the results in input order. An error is thrown at its
   * position and the remaining work is cancelled, as is everything left when the consumer stops early.
   * Items go to workers in chunks; without `chunksize`, map sizes them from what they cost (see
   * {@link MapOptions.chunksize}).
   */
  map<T, R, P = unknown, E = unknown>(
    fn: Task<[T], R> & Reports<P, E>,
    items: Iterable<T> | AsyncIterable<T>,
    options?: MapOptions<P, E>,
  ): AsyncIterableIterator<Awaited<R>>;
  /** Stops accepting work; see {@link ShutdownOptions}. Safe to call more than once. */
  shutdown(options?: ShutdownOptions): Promise<void>;
}
