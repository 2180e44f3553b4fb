import { availableParallelism } from 'node:os';
import { InvalidStateError } from '../futures/errors.js';
import { ProcessPoolExecutor, type ProcessPoolExecutorOptions } from '../executors/process-pool-executor.js';
import { ThreadPoolExecutor, type ThreadPoolExecutorOptions } from '../executors/thread-pool-executor.js';
import type { ShutdownOptions } from '../executors/executor.js';
import { validateOptions } from '../internal/validate.js';

/**
 * The number of cores Node reports (`os.availableParallelism()`): the default size of the default pools.
 * @example
 * ```ts
 * import { CPU_CORES } from 'aiox';
 * console.log(`up to ${CPU_CORES} tasks run at once on THREAD_POOL`);
 * ```
 */
export const CPU_CORES: number = availableParallelism();

/**
 * A replaceable slot holding one executor, like aioextensions' default pools. `inThread` and `inProcess`
 * use {@link THREAD_POOL} and {@link PROCESS_POOL}, which start on first use.
 *
 * @example
 * ```ts
 * import { THREAD_POOL, inThread } from 'aiox';
 * THREAD_POOL.initialize({ maxWorkers: 2 }); // optional: sizes the pool inThread uses
 * console.log(await inThread((n: number) => n + 1, 41)); // 42
 * await THREAD_POOL.shutdown();
 * ```
 */
export class ExecutorPool<E extends { shutdown(options?: ShutdownOptions): Promise<void> }, O> {
  readonly #create: (options: O) => E;
  readonly #defaults: O;
  #pool: E | undefined;

  constructor(create: (options: O) => E, defaults: O) {
    this.#create = create;
    this.#defaults = defaults;
  }

  /**
   * Starts a new executor with `options` (the defaults if omitted), replacing any existing one, which is
   * shut down without waiting: its queued and running work still finishes. Returns the new executor.
   */
  initialize(options: O = this.#defaults): E {
    const old = this.#pool;
    this.#pool = this.#create(options);
    if (old !== undefined) void old.shutdown({ wait: false });
    return this.#pool;
  }

  /** Shuts the executor down and empties the slot; does nothing when not initialized. */
  async shutdown(options: ShutdownOptions = {}): Promise<void> {
    validateOptions(options);
    const pool = this.#pool;
    if (pool === undefined) return;
    this.#pool = undefined;
    await pool.shutdown(options);
  }

  /**
   * The current executor.
   * @throws {InvalidStateError} `Must call initialize first` when not initialized.
   */
  get pool(): E {
    if (this.#pool === undefined) throw new InvalidStateError('Must call initialize first');
    return this.#pool;
  }

  /** Whether an executor is in the slot. */
  get initialized(): boolean {
    return this.#pool !== undefined;
  }

  /** The current executor, started with the defaults if there is none. */
  ensure(): E {
    return this.#pool ?? this.initialize();
  }
}

/**
 * The thread pool behind `inThread`: `CPU_CORES` workers at most, started one by one as needed.
 * @example
 * ```ts
 * import { THREAD_POOL } from 'aiox';
 * THREAD_POOL.initialize({ maxWorkers: 4, idleTimeout: 5000 }); // before the first inThread call
 * ```
 */
export const THREAD_POOL = new ExecutorPool<ThreadPoolExecutor, ThreadPoolExecutorOptions>(
  (options) => new ThreadPoolExecutor(options),
  { maxWorkers: CPU_CORES },
);

/**
 * The process pool behind `inProcess`: `CPU_CORES` children at most, started one by one as needed.
 * @example
 * ```ts
 * import { PROCESS_POOL, inProcess } from 'aiox';
 * console.log(await inProcess(() => process.pid)); // starts PROCESS_POOL
 * await PROCESS_POOL.shutdown(); // run() does this for you when main settles
 * ```
 */
export const PROCESS_POOL = new ExecutorPool<ProcessPoolExecutor, ProcessPoolExecutorOptions>(
  (options) => new ProcessPoolExecutor(options),
  { maxWorkers: CPU_CORES },
);
