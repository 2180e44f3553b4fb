import type { SubmitOptions } from '../executors/executor.js';
import { assertMayStartPool } from '../tasks/import-guard.js';
import type { Reports } from '../tasks/current-task.js';
import type { Task } from '../tasks/task.js';
import { PROCESS_POOL, THREAD_POOL } from './executor-pool.js';
import { validateOptions } from '../internal/validate.js';

/**
 * Runs a task somewhere and gives its result. `.with(options)` adds a signal or a timeout.
 * @example
 * ```ts
 * import { inProcess, inThread, type RunElsewhere } from 'aiox';
 * const elsewhere: RunElsewhere = process.env.ISOLATE === '1' ? inProcess : inThread;
 * // 144, or a TimeoutError after 1 s, the worker then terminated
 * console.log(await elsewhere.with({ timeout: 1000 })((x: number) => x ** 2, 12));
 * ```
 */
export interface RunElsewhere {
  <A extends unknown[], R>(fn: Task<A, R>, ...args: A): Promise<Awaited<R>>;
  /**
   * The same, with per-call options: `signal` or `timeout` stop the task even while it runs, by
   * terminating its worker; `onProgress` and `onEvent` hear its reports (see {@link currentTask}), for
   * example `await inThread.with({ timeout: 1000, onProgress: (p) => bar.update(p) })(work, input)`.
   */
  with<P = unknown, E = unknown>(options: SubmitOptions<P, E>): <A extends unknown[], R>(fn: Task<A, R> & Reports<P, E>, ...args: A) => Promise<Awaited<R>>;
}

function runner(pool: typeof THREAD_POOL | typeof PROCESS_POOL, name: string): RunElsewhere {
  const ensure = (): ReturnType<typeof pool.ensure> => {
    // Named here, so that the error of a pool started by a task module's import says what started it.
    if (!pool.initialized) assertMayStartPool(name);
    return pool.ensure();
  };
  const run = <A extends unknown[], R>(fn: Task<A, R>, ...args: A): Promise<Awaited<R>> =>
    ensure().submit(fn, ...args).then((value) => value);
  const withOptions = <P, E>(options: SubmitOptions<P, E>) => {
    validateOptions(options);
    return <A extends unknown[], R>(fn: Task<A, R> & Reports<P, E>, ...args: A): Promise<Awaited<R>> =>
      ensure().submitWith(fn, args, options).then((value) => value);
  };
  return Object.assign(run, { with: withOptions });
}

/**
 * Runs `fn(...args)` on a worker thread of {@link THREAD_POOL} and resolves to its result, like asyncio's
 * `run_in_executor` with the default executor. The event loop stays free while it runs.
 *
 * @example
 * ```ts
 * import { inThread } from 'aiox';
 * const sum = await inThread((n: number) => { let s = 0; for (let i = 0; i < n; i++) s += i; return s; }, 1e7);
 * ```
 */
export const inThread: RunElsewhere = runner(THREAD_POOL, 'inThread() (its THREAD_POOL)');

/**
 * Runs `fn(...args)` in a child process of {@link PROCESS_POOL} and resolves to its result: isolation
 * from crashes, memory and native addons, at a higher cost per call than {@link inThread}.
 *
 * @example
 * ```ts
 * import { inProcess } from 'aiox';
 * const pid = await inProcess(() => process.pid);
 * ```
 */
export const inProcess: RunElsewhere = runner(PROCESS_POOL, 'inProcess() (its PROCESS_POOL)');
