import type { ResourceLimits } from 'node:worker_threads';
import { describe, validateOptions } from '../internal/validate.js';
import { threadTransport } from '../pool/thread-transport.js';
import { PoolExecutor, type PoolExecutorOptions } from './pool-executor.js';

/**
 * Options of {@link ThreadPoolExecutor}.
 * @example
 * ```ts
 * import { ThreadPoolExecutor, type ThreadPoolExecutorOptions } from 'aiox';
 * const options: ThreadPoolExecutorOptions = {
 *   maxWorkers: 2,
 *   name: 'thumbnails', // the threads' name in the inspector
 *   resourceLimits: { maxOldGenerationSizeMb: 256 }, // a worker over it dies; only its task fails
 * };
 * await using pool = new ThreadPoolExecutor(options);
 * ```
 */
export interface ThreadPoolExecutorOptions<I extends unknown[] = never[]> extends PoolExecutorOptions<I> {
  /** V8 heap limits of each worker thread; a worker exceeding them dies and its task fails. @default undefined */
  readonly resourceLimits?: ResourceLimits;
  /** Name given to the worker threads, shown in debuggers. @default 'aiox' */
  readonly name?: string;
}

/**
 * Runs tasks on a pool of worker threads: truly parallel JavaScript without blocking the event loop, the
 * counterpart of Python's `ThreadPoolExecutor` (which has a GIL; these threads do not).
 *
 * A worker that dies while running a task (`process.exit()`, out of memory under `resourceLimits`) fails
 * only that task with `BrokenThreadPool`; the pool replaces the worker and goes on. In Python the whole pool
 * would be broken. A failing `initializer` does break the pool, as in Python.
 *
 * @example
 * ```ts
 * import { ThreadPoolExecutor } from 'aiox';
 * await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
 * const future = pool.submit((a: number, b: number) => a + b, 2, 3);
 * console.log(await future); // 5
 * ```
 */
export class ThreadPoolExecutor extends PoolExecutor {
  constructor(options: ThreadPoolExecutorOptions = {}) {
    validateOptions(options);
    const { resourceLimits, name = 'aiox' } = options;
    if (resourceLimits !== undefined && (resourceLimits === null || typeof resourceLimits !== 'object')) {
      throw new TypeError(`resourceLimits must be an object, received ${describe(resourceLimits)}`);
    }
    if (typeof name !== 'string') throw new TypeError(`name must be a string, received ${describe(name)}`);
    super(options, threadTransport({ resourceLimits, name }));
  }
}
