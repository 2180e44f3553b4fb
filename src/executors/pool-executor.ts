import { availableParallelism } from 'node:os';
import type { Future } from '../futures/future.js';
import { runSignal } from '../internal/run-scope.js';
import { describe, validateFunction, validateInteger, validateSignal, validateTimeout } from '../internal/validate.js';
import { BACKGROUND, PoolEngine, type PoolState, type PoolStats, type TaskOptions } from '../pool/engine.js';
import type { ChunkResult } from '../pool/protocol.js';
import type { SpawnWorker } from '../pool/transport.js';
import { assertMayStartPool } from '../tasks/import-guard.js';
import { describeTask, type Task } from '../tasks/task.js';
import type { Executor, MapOptions, ShutdownOptions, SubmitOptions } from './executor.js';
import { mapInOrder } from './map.js';

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
   * Stops the pool when it aborts: queued tasks are cancelled, running ones fail with its reason, the
   * workers are terminated and the pool is shut down. Left out, a pool started while {@link run} runs
   * follows run's signal (the first Ctrl-C stops its work); `null` follows nothing.
   * @default run()'s signal inside run, else none
   */
  readonly signal?: AbortSignal | null;
}

/** The validated common options, all fields set. */
export interface ResolvedPoolOptions {
  readonly maxWorkers: number;
  readonly minWorkers: number;
  readonly idleTimeout: number;
  readonly maxTasksPerWorker: number;
}

/**
 * Makes a pool started before {@link run} follow run's signal, unless its `signal` option said otherwise.
 * Internal: run() applies it to the default pools.
 */
export let followRun: (pool: PoolExecutor, signal: AbortSignal) => void;

/**
 * What `ThreadPoolExecutor` and `ProcessPoolExecutor` share: a thin public surface over the private pool
 * engine. Not exported; each executor adds its own options and worker kind.
 */
export abstract class PoolExecutor implements Executor {
  static {
    followRun = (pool, signal) => {
      if (pool.#follows === undefined) pool.#follow(signal);
    };
  }

  readonly #engine: PoolEngine;
  readonly #maxWorkers: number;
  // The signal option as given: undefined (follow run's), null (nothing) or a signal.
  readonly #follows: AbortSignal | null | undefined;
  #unfollow: (() => void) | undefined;

  protected constructor(
    options: PoolExecutorOptions,
    kind: 'thread' | 'process',
    Broken: new (message: string, options?: ErrorOptions) => Error,
    spawn: SpawnWorker,
  ) {
    assertMayStartPool(kind === 'thread' ? 'a ThreadPoolExecutor' : 'a ProcessPoolExecutor');
    const resolved = resolvePoolOptions(options);
    const { initializer, initargs = [], signal } = options;
    if (!Array.isArray(initargs)) throw new TypeError(`initargs must be an array, received ${describe(initargs)}`);
    if (signal !== null) validateSignal(signal);
    this.#follows = signal;
    this.#maxWorkers = resolved.maxWorkers;
    this.#engine = new PoolEngine({
      ...resolved,
      kind,
      Broken,
      spawn,
      init: { initializer: initializer === undefined ? undefined : describeTask(initializer), initargs },
    });
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

  submit<A extends unknown[], R>(fn: Task<A, R>, ...args: A): Future<Awaited<R>> {
    return this.#engine.submit(fn, args, undefined) as Future<Awaited<R>>;
  }

  submitWith<A extends unknown[], R>(fn: Task<A, R>, args: A, options: SubmitOptions): Future<Awaited<R>> {
    if (!Array.isArray(args)) throw new TypeError(`args must be an array, received ${describe(args)}`);
    return this.#engine.submit(fn, args, validateSubmitOptions(options)) as Future<Awaited<R>>;
  }

  map<T, R>(fn: Task<[T], R>, items: Iterable<T> | AsyncIterable<T>, options: MapOptions = {}): AsyncIterableIterator<Awaited<R>> {
    describeTask(fn);
    const submitChunk = (chunk: [T][]): Future<ChunkResult> => this.#engine.submit(fn, chunk, undefined, true) as Future<ChunkResult>;
    return mapInOrder<T, Awaited<R>>(submitChunk, items, options, this.#maxWorkers);
  }

  shutdown(options: ShutdownOptions = {}): Promise<void> {
    const { wait = true, cancelFutures = false } = options;
    const done = this.#engine.shutdown(wait, cancelFutures);
    // The signal is followed until every worker has exited, so that it still stops a shutdown's wait.
    if (this.#unfollow !== undefined) void this.#engine.shutdown(true, false).then(this.#unfollow);
    return done;
  }

  /** Queued, running, completed and failed tasks, workers, utilization. */
  stats(): PoolStats {
    return this.#engine.stats();
  }

  /** `await using pool = new ThreadPoolExecutor()` shuts the pool down with `wait` at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown({ wait: true });
  }
}

function resolvePoolOptions(options: PoolExecutorOptions): ResolvedPoolOptions {
  if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object, received ${describe(options)}`);
  const {
    maxWorkers = availableParallelism(),
    minWorkers = 0,
    idleTimeout = 30_000,
    maxTasksPerWorker = Infinity,
    initializer,
  } = options;
  validateInteger(maxWorkers, 'maxWorkers', 1);
  validateInteger(minWorkers, 'minWorkers', 0);
  if (minWorkers > maxWorkers) throw new RangeError(`minWorkers must be <= maxWorkers (${maxWorkers}), received ${minWorkers}`);
  validateTimeout(idleTimeout, 'idleTimeout');
  validateInteger(maxTasksPerWorker, 'maxTasksPerWorker', 1, true);
  if (initializer !== undefined && typeof initializer !== 'function' && typeof initializer !== 'object') {
    validateFunction(initializer, 'initializer');
  }
  return { maxWorkers, minWorkers, idleTimeout, maxTasksPerWorker };
}

function validateSubmitOptions(options: SubmitOptions): TaskOptions {
  if (options === null || typeof options !== 'object') throw new TypeError(`options must be an object, received ${describe(options)}`);
  const { signal, timeout, transfer } = options;
  validateSignal(signal);
  if (timeout !== undefined) validateTimeout(timeout);
  if (transfer !== undefined && !Array.isArray(transfer)) throw new TypeError(`transfer must be an array, received ${describe(transfer)}`);
  // BACKGROUND is internal (generators); it passes through, never part of the public options.
  return { signal, timeout, transfer, [BACKGROUND]: (options as TaskOptions)[BACKGROUND] };
}
