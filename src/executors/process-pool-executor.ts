import { describe, validateOptions } from '../internal/validate.js';
import { processTransport } from '../pool/process-transport.js';
import { PoolExecutor, type PoolExecutorOptions } from './pool-executor.js';

/**
 * Options of {@link ProcessPoolExecutor}.
 * @example
 * ```ts
 * import { ProcessPoolExecutor } from 'aiox';
 * await using pool = new ProcessPoolExecutor({
 *   execArgv: ['--max-old-space-size=512'], // replaces process.execArgv: repeat a loader such as tsx if tasks need it
 *   env: { ...process.env, TZ: 'UTC' },
 * });
 * console.log(await pool.submit(() => new Date(0).getHours())); // 0
 * ```
 */
export interface ProcessPoolExecutorOptions<I extends unknown[] = never[]> extends PoolExecutorOptions<I> {
  /** Node options of the child processes. @default process.execArgv (so a TypeScript loader carries over) */
  readonly execArgv?: readonly string[];
  /** Environment of the child processes. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Runs tasks in a pool of child processes: parallel and isolated. Use it for native addons that are not
 * thread-safe, work that may crash or run away, or memory that must go back to the OS; otherwise threads
 * cost less. Arguments and results are cloned with V8 serialization, as for threads.
 *
 * A child that dies while running a task (a crash, `process.exit()`, a kill from outside) fails only that
 * task with `BrokenProcessPool`; the pool starts a new child and goes on. In Python the whole pool would be
 * broken. A failing `initializer` does break the pool, as in Python.
 *
 * @example
 * ```ts
 * import { ProcessPoolExecutor } from 'aiox';
 * await using pool = new ProcessPoolExecutor({ maxWorkers: 2 });
 * for await (const square of pool.map((n: number) => n * n, [1, 2, 3])) console.log(square);
 * ```
 */
export class ProcessPoolExecutor extends PoolExecutor {
  constructor(options: ProcessPoolExecutorOptions = {}) {
    validateOptions(options);
    const { execArgv, env } = options;
    if (execArgv !== undefined && !Array.isArray(execArgv)) throw new TypeError(`execArgv must be an array of strings, received ${describe(execArgv)}`);
    if (env !== undefined && (env === null || typeof env !== 'object')) throw new TypeError(`env must be an object, received ${describe(env)}`);
    super(options, processTransport({ execArgv, env }));
  }
}
