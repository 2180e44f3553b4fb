import { availableParallelism } from 'node:os';
import type { Future } from '../futures/future.js';
import { runSignal } from '../internal/run-scope.js';
import { describe, validateFunction, validateInteger, validateOptions, validateSignal, validateTimeout } from '../internal/validate.js';
import { PoolEngine } from '../pool/engine.js';
import type { Transport } from '../pool/transport.js';
import { BACKGROUND, type PoolState, type PoolStats, type TaskOptions, type WorkerErrorInfo } from '../pool/types.js';
import type { ChunkResult } from '../wire/protocol.js';
import { assertMayStartPool } from '../tasks/import-guard.js';
import type { Reports } from '../tasks/current-task.js';
import { describeTask, type Task } from '../tasks/task.js';
import { allowedTasksCheck, type AllowedTasks, type TaskCheck } from './allowed-tasks.js';
import type { Executor, MapOptions, ShutdownOptions, SubmitOptions } from './executor.js';
import { mapInOrder } from './map.js';
import { PoolEventEmitter, watchEngine } from './pool-events.js';
import { listenerOf, listens, type Listening, type ReportOptions } from './task-reports.js';
import { validateTransfer } from './transfer.js';

/** SubmitOptions of any report types, as the executor reads them. */
type AnySubmitOptions = Omit<SubmitOptions, keyof ReportOptions> & Listening;

/**
 * Options both pool executors take.
 * @example
 * ```ts
 * import { ProcessPoolExecutor, ThreadPoolExecutor, type PoolExecutorOptions } from 'aiox';
 * // One worker kept warm, extra ones gone after 10 s idle, each replaced after 1000 tasks.
 * const sizing: PoolExecutorOptions = { maxWorkers: 4, minWorkers: 1, idleTimeout: 10_000, maxTasksPerWorker: 1000 };
 * await using threads = new ThreadPoolExecutor(sizing);
 * await using processes = new ProcessPoolExecutor(sizing);
 * ```
 */
export interface PoolExecutorOptions<I extends unknown[] = never[]> {
  /** Most workers running at once; an integer >= 1. @default os.availableParallelism() */
  readonly maxWorkers?: number;
  /** Workers started at once and kept even when idle. @default 0 */
  readonly minWorkers?: number;
  /** Milliseconds a worker beyond `minWorkers` may stay idle before it stops; `Infinity` keeps it. @default 30000 */
  readonly idleTimeout?: number;
  /**
   * A worker is replaced after running this many tasks; queued work goes on. Each replacement pays a worker
   * start-up (tens of ms for a thread, a few hundred for a process), so a small value caps the pool's rate:
   * with 1, a start-up per task. @default Infinity
   */
  readonly maxTasksPerWorker?: number;
  /**
   * Milliseconds a running task that is aborted (its signal, its timeout, the pool's `signal`) has to settle
   * after its own signal aborts (`currentTask().signal`), before its worker is stopped. A task that settles
   * in time keeps its worker, which serves the next task with no restart; one that ignores its signal (or is
   * stuck in synchronous code, such as `while (true) {}`, where no signal can reach it) loses its worker once
   * the grace is over, as with 0, which stops the worker at once. Either way its future fails with the
   * abort's reason at the moment of the abort, not after the grace. @default 100
   */
  readonly abortGrace?: number;
  /**
   * Most async tasks one worker runs at once. With 1, a worker runs one task at a time, as Python's pools
   * do. Above 1, a task that returns a promise (an async function waiting on I/O, say) goes on in the
   * background while its worker begins the next tasks, up to this many at once; synchronous code still runs
   * one task at a time, since a worker is one thread. Aborting one of them never stops the others: it is
   * asked to stop through its signal, and only if it ignores that past `abortGrace` is its worker stopped;
   * then the tasks that worker had not begun run elsewhere, and the ones it was running fail with the pool's
   * Broken error, which names the task that would not stop. An integer >= 1. @default 1
   */
  readonly concurrentTasksPerWorker?: number;
  /**
   * Most tasks waiting in the pool's queue for a worker (tasks already handed to a worker do not count).
   * When it is full, `submit` and `submitWith` throw `QueueFull` at once; a producer waits for room with
   * `await pool.room()`. Tasks submitted in one synchronous burst all wait in the queue until the next
   * microtask, when workers take them, so a burst counts in full. `map` is bounded by its own `readAhead`
   * and never refused, but its queued chunks take room; so do generators. An integer >= 1. @default Infinity
   */
  readonly maxQueue?: number;
  /**
   * Runs once in each worker before its first task (a `defineTask` function or `{ module, name }`). If it
   * throws, the pool is broken: pending futures fail with `BrokenThreadPool` / `BrokenProcessPool` and
   * `submit` throws. @default undefined
   */
  readonly initializer?: Task<I, unknown>;
  /**
   * Arguments for `initializer`. Left to the default type parameter, any initializer and arguments are
   * accepted; write `satisfies ThreadPoolExecutorOptions<[string]>` to have them checked. @default []
   */
  readonly initargs?: I extends never[] ? readonly unknown[] : I;
  /**
   * Where tasks may come from. Without it the pool runs any task it is given, and a task reference is
   * code: one built from untrusted data (a job, a request) runs whatever module it names, `data:` URLs and
   * `node:child_process` included. With it, `submit` and `map` throw `TaskNotAllowed` for a task from a
   * module not on the list, and for a function sent as source unless `sourceFunctions` is set; the
   * initializer is checked the same way. See {@link AllowedTasks}. @default undefined (no check)
   */
  readonly allowedTasks?: AllowedTasks;
  /**
   * Stops the pool when it aborts: queued tasks are cancelled, running ones fail with its reason, the
   * workers are terminated and the pool is shut down. Left out, a pool started while {@link run} runs
   * follows run's signal (the first Ctrl-C stops its work); `null` follows nothing.
   * @default run()'s signal inside run, else none
   */
  readonly signal?: AbortSignal | null;
  /**
   * What a worker does with an error raised outside any task's own call: an exception thrown from a timer
   * or a callback, or a promise rejected with no handler (under Node's default `--unhandled-rejections`),
   * typically left behind by a task that has already returned.
   * - `'exit'`: fatal to the worker, as in any Node program. The tasks it had begun fail with
   *   `BrokenThreadPool` / `BrokenProcessPool` saying so, with the error (class, message, stack) as `cause`;
   *   the tasks handed to it that it had not begun run on another worker; a new worker takes its place.
   * - `'report'`: the worker goes on and no task fails; the error goes to `onWorkerError`.
   *
   * Either way nothing is lost: an error that no future carries goes to `onWorkerError`, or without one is
   * written to stderr. A listener for `'uncaughtException'` that task code adds in the worker handles the
   * error itself, as in any Node program. @default 'exit'
   */
  readonly uncaughtErrors?: 'exit' | 'report';
  /**
   * Called on the caller's thread with each error raised in a worker outside any task's own call (see
   * `uncaughtErrors`), revived with its class, message and stack. An exception it throws is raised as an
   * uncaught exception of the caller. @default undefined: such an error that no future carries is written
   * to stderr
   */
  readonly onWorkerError?: (error: unknown, info: WorkerErrorInfo) => void;
}

/** The validated common options, all fields set. */
export interface ResolvedPoolOptions {
  readonly maxWorkers: number;
  readonly minWorkers: number;
  readonly idleTimeout: number;
  readonly maxTasksPerWorker: number;
  readonly maxQueue: number;
  readonly abortGrace: number;
  readonly concurrentTasksPerWorker: number;
}

/**
 * Options of {@link ThreadPoolExecutor.room} and {@link ProcessPoolExecutor.room}.
 * @example
 * ```ts
 * import { ThreadPoolExecutor, type RoomOptions } from 'aiox';
 * await using pool = new ThreadPoolExecutor({ maxQueue: 100 });
 * const options: RoomOptions = { signal: AbortSignal.timeout(5000) }; // give up after 5 s of a full queue
 * await pool.room(options);
 * pool.submit((n: number) => n * 2, 21);
 * ```
 */
export interface RoomOptions {
  /** Stops waiting: the promise rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/**
 * Makes a pool started before {@link run} follow run's signal, unless its `signal` option said otherwise.
 * Internal: run() applies it to the default pools.
 */
export let followRun: (pool: PoolExecutor, signal: AbortSignal) => void;

/**
 * Internal (generators): `submitWith` for a task that does not keep the program alive while it runs. Such a
 * task waits on a channel of its own, and its caller holds the program open only while it waits for a reply.
 */
export let submitBackground: <A extends unknown[], R>(pool: PoolExecutor, fn: Task<A, R>, args: A, options: SubmitOptions) => Future<Awaited<R>>;

/**
 * What `ThreadPoolExecutor` and `ProcessPoolExecutor` share: a thin public surface over the private pool
 * engine. Not exported; each executor adds its own options and worker kind.
 */
export abstract class PoolExecutor extends PoolEventEmitter implements Executor {
  static {
    followRun = (pool, signal) => {
      if (pool.#follows === undefined) pool.#follow(signal);
    };
    submitBackground = (pool, fn, args, options) => pool.#submitWith(fn, args, options, true);
  }

  readonly #engine: PoolEngine;
  /** See #taskOptions. */
  #lastOptions: TaskOptions | undefined = undefined;
  readonly #maxWorkers: number;
  readonly #allowed: TaskCheck | undefined;
  /** Tasks the allowedTasks check has passed, by identity: it runs once per task, not at every submit. */
  readonly #allowedSeen = new WeakSet<object>();
  readonly #kind: 'thread' | 'process';
  // The signal option as given: undefined (follow run's), null (nothing) or a signal.
  readonly #follows: AbortSignal | null | undefined;
  #unfollow: (() => void) | undefined;

  protected constructor(options: PoolExecutorOptions, transport: Transport) {
    super();
    const { kind } = transport;
    assertMayStartPool(kind === 'thread' ? 'a ThreadPoolExecutor' : 'a ProcessPoolExecutor');
    const { concurrentTasksPerWorker, ...resolved } = resolvePoolOptions(options);
    const { initializer, initargs = [], signal, uncaughtErrors = 'exit', onWorkerError } = options;
    if (!Array.isArray(initargs)) throw new TypeError(`initargs must be an array, received ${describe(initargs)}`);
    if (uncaughtErrors !== 'exit' && uncaughtErrors !== 'report') {
      throw new TypeError(`uncaughtErrors must be 'exit' or 'report', received ${describe(uncaughtErrors)}`);
    }
    if (onWorkerError !== undefined) validateFunction(onWorkerError, 'onWorkerError');
    this.#allowed = allowedTasksCheck(options.allowedTasks);
    if (initializer !== undefined) this.#allowed?.(describeTask(initializer));
    if (signal !== null) validateSignal(signal);
    this.#follows = signal;
    this.#maxWorkers = resolved.maxWorkers;
    this.#kind = kind;
    this.#engine = new PoolEngine({
      ...resolved,
      transport,
      onWorkerError,
      pool: this,
      init: {
        initializer: initializer === undefined ? undefined : describeTask(initializer),
        initargs,
        uncaughtErrors,
        ...(concurrentTasksPerWorker > 1 ? { concurrency: concurrentTasksPerWorker } : {}),
      },
    });
    watchEngine(this, this.#engine);
    const follow = signal === undefined ? runSignal() : (signal ?? undefined);
    if (follow !== undefined) this.#follow(follow);
  }

  #follow(signal: AbortSignal): void {
    if (this.#unfollow !== undefined) return;
    const onAbort = (): void => this.#engine.abort(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    this.#unfollow = () => signal.removeEventListener('abort', onAbort);
  }

  /** Most workers this pool runs at once. */
  get maxWorkers(): number {
    return this.#maxWorkers;
  }

  /** `'open'`, `'shutting-down'`, `'broken'` or `'closed'`. */
  get state(): PoolState {
    return this.#engine.state;
  }

  #checkAllowed(fn: unknown): void {
    if (this.#allowedSeen.has(fn as object)) return;
    this.#allowed!(describeTask(fn));
    this.#allowedSeen.add(fn as object);
  }

  submit<A extends unknown[], R>(fn: Task<A, R>, ...args: A): Future<Awaited<R>> {
    if (this.#allowed !== undefined) this.#checkAllowed(fn);
    return this.#engine.submit(fn, args, undefined) as Future<Awaited<R>>;
  }

  submitWith<A extends unknown[], R, P = unknown, E = unknown>(fn: Task<A, R> & Reports<P, E>, args: A, options: SubmitOptions<P, E>): Future<Awaited<R>> {
    return this.#submitWith(fn, args, options, false);
  }

  #submitWith<A extends unknown[], R>(fn: Task<A, R>, args: A, options: AnySubmitOptions, background: boolean): Future<Awaited<R>> {
    if (!Array.isArray(args)) throw new TypeError(`args must be an array, received ${describe(args)}`);
    if (this.#allowed !== undefined) this.#checkAllowed(fn);
    const taskOptions = this.#taskOptions(options, background);
    if (taskOptions.listener === undefined) return this.#engine.submit(fn, args, taskOptions) as Future<Awaited<R>>;
    try {
      return this.#engine.submit(fn, args, taskOptions) as Future<Awaited<R>>;
    } catch (error) {
      // Refused (a full queue, a pool shut down): no report will come.
      taskOptions.listener.end();
      throw error;
    }
  }

  /**
   * `options` validated, as the engine takes them. A burst passes the same options to every task: a call
   * whose values equal the last call's (and that transfers nothing) reuses its object, a copy that no one
   * changes, rather than allocating one per task.
   */
  #taskOptions(options: AnySubmitOptions, background: boolean): TaskOptions {
    validateOptions(options);
    // A listener is the task's own: never shared, never kept for reuse.
    if (listens(options)) return { ...validateSubmitOptions(options, this.#kind, background), listener: listenerOf(options) };
    const last = this.#lastOptions;
    if (
      last !== undefined &&
      options.transfer === undefined &&
      last.transfer === undefined &&
      options.signal === last.signal &&
      options.timeout === last.timeout &&
      background === (last[BACKGROUND] === true)
    ) {
      return last;
    }
    return (this.#lastOptions = validateSubmitOptions(options, this.#kind, background));
  }

  map<T, R, P = unknown, E = unknown>(
    fn: Task<[T], R> & Reports<P, E>,
    items: Iterable<T> | AsyncIterable<T>,
    options: MapOptions<P, E> = {},
  ): AsyncIterableIterator<Awaited<R>> {
    validateOptions(options);
    // Checked now, not at the first chunk (#checkAllowed describes it the first time it sees it).
    if (this.#allowed !== undefined) this.#checkAllowed(fn);
    else describeTask(fn);
    const { onProgress, onEvent } = options;
    const listened = onProgress !== undefined || onEvent !== undefined;
    if (listened) listenerOf({ onProgress, onEvent });
    const submitChunk = (chunk: [T][], first: number): Future<ChunkResult> =>
      this.#engine.submit(
        fn,
        chunk,
        // A chunk's item reports with its place in the chunk; the callbacks get its index in the input.
        listened ? { listener: listenerOf({ onProgress, onEvent }, (item) => first + item) } : undefined,
        true,
      ) as Future<ChunkResult>;
    return mapInOrder<T, Awaited<R>>(submitChunk, items, options, this.#maxWorkers);
  }

  /**
   * Resolves once the queue has room (fewer than `maxQueue` tasks waiting), at once if it has: back-pressure
   * for a producer. Its place is held until its next `submit` or the end of the current turn of the event
   * loop, so a `submit` made right after `room()` resolves, before any other `await`, is accepted, however
   * many producers do the same; code that submits without `room()` is not held back. Waiting producers are
   * let through in the order they came, as many as there is room.
   * @throws {TypeError} for a bad `signal`. Rejects with {InvalidStateError} after `shutdown()`, also for a producer already waiting;
   *   {BrokenExecutor} once the pool is broken; `signal.reason` when `signal` aborts; the reason of the pool's own
   *   `signal` (run()'s, say) for a producer waiting when it stops the pool.
   * @example
   * ```ts
   * import { ThreadPoolExecutor } from 'aiox';
   * await using pool = new ThreadPoolExecutor({ maxWorkers: 2, maxQueue: 64 });
   * const results = [];
   * for (let n = 0; n < 1000; n++) {
   *   await pool.room(); // never more than 64 tasks wait; memory stays flat however long the input
   *   results.push(pool.submit((x: number) => x * x, n));
   * }
   * console.log((await Promise.all(results)).length); // 1000
   * ```
   */
  room(options: RoomOptions = {}): Promise<void> {
    validateOptions(options);
    const { signal } = options;
    validateSignal(signal);
    return this.#engine.room(signal);
  }

  shutdown(options: ShutdownOptions = {}): Promise<void> {
    validateOptions(options);
    const { wait = true, cancelFutures = false } = options;
    const done = this.#engine.shutdown(wait, cancelFutures);
    // The signal is followed until every worker has exited, so that it still stops a shutdown's wait.
    if (this.#unfollow !== undefined) void this.#engine.shutdown(true, false).then(this.#unfollow);
    return done;
  }

  /**
   * Python 3.14's `terminate_workers()`: shuts the pool down, cancels every task that has not started, and
   * stops every worker at once. A child process is sent SIGTERM (which it may handle: Node's default ends
   * it); a thread is terminated. A task that was running fails with `BrokenThreadPool` /
   * `BrokenProcessPool`, as in Python; a process task sent to its child counts as running. `submit` throws
   * afterwards. Resolves when every worker has exited; a child that handles SIGTERM and lingers holds it
   * back, and `killWorkers()` then ends it.
   * @example
   * ```ts
   * import { ProcessPoolExecutor } from 'aiox';
   * const pool = new ProcessPoolExecutor({ maxWorkers: 1 });
   * const stuck = pool.submit(() => { for (;;); });
   * const queued = pool.submit(() => 'never runs');
   * await new Promise((resolve) => setTimeout(resolve, 500)); // let the first task start
   * await pool.terminateWorkers();
   * console.log(await stuck.catch((e: unknown) => (e as Error).name), queued.cancelled(), pool.state); // BrokenProcessPool true closed
   * ```
   */
  terminateWorkers(): Promise<void> {
    return this.#stopWorkers('SIGTERM', 'terminateWorkers()');
  }

  /**
   * Python 3.14's `kill_workers()`: as {@link terminateWorkers}, but a child process is sent SIGKILL, which
   * it cannot handle or refuse. For a thread pool the two are the same.
   * @example
   * ```ts
   * import { ThreadPoolExecutor } from 'aiox';
   * const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
   * const spinning = pool.submit(() => { for (;;); });
   * await new Promise((resolve) => setTimeout(resolve, 100));
   * await pool.killWorkers(); // a thread stuck in while (true) is stopped too
   * console.log(await spinning.catch((e: unknown) => (e as Error).message)); // a thread worker was stopped by killWorkers() before the task finished
   * ```
   */
  killWorkers(): Promise<void> {
    return this.#stopWorkers('SIGKILL', 'killWorkers()');
  }

  #stopWorkers(signal: 'SIGTERM' | 'SIGKILL', by: string): Promise<void> {
    const closed = this.#engine.stopWorkers(signal, by);
    // Once every worker has exited, there is nothing left for run()'s or the pool's signal to stop.
    if (this.#unfollow !== undefined) void closed.then(this.#unfollow);
    return closed;
  }

  /** Queued, running, completed and failed tasks (counted in items), workers, utilization, wait and run times. */
  stats(): PoolStats {
    return this.#engine.stats();
  }

  /** `await using pool = new ThreadPoolExecutor()` shuts the pool down with `wait` at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown({ wait: true });
  }
}

function resolvePoolOptions(options: PoolExecutorOptions): ResolvedPoolOptions {
  validateOptions(options);
  const {
    maxWorkers = availableParallelism(),
    minWorkers = 0,
    idleTimeout = 30_000,
    maxTasksPerWorker = Infinity,
    maxQueue = Infinity,
    abortGrace = 100,
    concurrentTasksPerWorker = 1,
    initializer,
  } = options;
  validateInteger(maxWorkers, 'maxWorkers', 1);
  validateInteger(minWorkers, 'minWorkers', 0);
  if (minWorkers > maxWorkers) throw new RangeError(`minWorkers must be <= maxWorkers (${maxWorkers}), received ${minWorkers}`);
  validateTimeout(idleTimeout, 'idleTimeout');
  validateInteger(maxTasksPerWorker, 'maxTasksPerWorker', 1, true);
  validateInteger(maxQueue, 'maxQueue', 1, true);
  validateTimeout(abortGrace, 'abortGrace');
  validateInteger(concurrentTasksPerWorker, 'concurrentTasksPerWorker', 1);
  if (initializer !== undefined && typeof initializer !== 'function' && typeof initializer !== 'object') {
    validateFunction(initializer, 'initializer');
  }
  return { maxWorkers, minWorkers, idleTimeout, maxTasksPerWorker, maxQueue, abortGrace, concurrentTasksPerWorker };
}

/** `options` is an object already (see #taskOptions). */
function validateSubmitOptions(options: AnySubmitOptions, kind: 'thread' | 'process', background: boolean): TaskOptions {
  const { signal, timeout, transfer } = options;
  validateSignal(signal);
  if (timeout !== undefined) validateTimeout(timeout);
  validateTransfer(transfer, kind);
  return background ? { signal, timeout, transfer, [BACKGROUND]: true } : { signal, timeout, transfer };
}
