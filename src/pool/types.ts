// The pool's public types, apart from the engine so that index.ts exports them without loading it, and the
// options the executors hand the engine with each task.
import type { TaskListener } from './reports.js';

/**
 * The lifecycle of a pool.
 * @example
 * ```ts
 * import { PoolState, ThreadPoolExecutor } from 'aiox';
 * const pool = new ThreadPoolExecutor();
 * await pool.shutdown();
 * console.log(pool.state === PoolState.CLOSED); // true: shutdown() waited for the workers to exit
 * ```
 */
export const PoolState = {
  OPEN: 'open',
  /** `shutdown()` was called: no new work; queued and running work finishes. */
  SHUTTING_DOWN: 'shutting-down',
  /** An initializer failed: every pending future failed and nothing more is accepted. */
  BROKEN: 'broken',
  /** Every worker has exited. */
  CLOSED: 'closed',
} as const;
export type PoolState = (typeof PoolState)[keyof typeof PoolState];

/**
 * What `onWorkerError` is told along with an error raised in a worker outside any task's own call.
 * @example
 * ```ts
 * import { ThreadPoolExecutor, type WorkerErrorInfo } from 'aiox';
 * const log = (error: unknown, { origin, fatal, tasksFailed }: WorkerErrorInfo) =>
 *   console.error(`worker ${fatal ? 'died' : 'went on'} after an ${origin}; ${tasksFailed} task(s) failed with it`, error);
 * await using pool = new ThreadPoolExecutor({ onWorkerError: log });
 * ```
 */
export interface WorkerErrorInfo {
  /** An exception thrown from a timer or a callback, or a promise rejected with no handler. */
  readonly origin: 'uncaughtException' | 'unhandledRejection';
  /** Whether the worker died of it (`uncaughtErrors: 'exit'`) or went on (`'report'`). */
  readonly fatal: boolean;
  /** Tasks failed with this error as their `cause`: those the dead worker had begun; 0 if it went on. */
  readonly tasksFailed: number;
}

/**
 * Internal task option: the task does not keep the program alive while it runs. For a task that waits on a
 * channel of its own (a generator), whose caller holds the program open only while it waits for a reply.
 * Such a task runs alone on its worker (a task with a signal or a timeout is batched like any other). Only
 * the executors set it (see `submitBackground` in executors/pool-executor.ts); no public option object can
 * carry it.
 */
export const BACKGROUND: unique symbol = Symbol('aiox.background');

/** What an executor hands the engine with a task, validated. Internal: not exported from index.ts. */
export interface TaskOptions {
  readonly signal?: AbortSignal | undefined;
  readonly timeout?: number | undefined;
  /** Validated by the executor: transferables for threads, sockets and servers for processes. */
  readonly transfer?: readonly unknown[] | undefined;
  readonly [BACKGROUND]?: boolean | undefined;
  /** Hears the task's reports (see pool/reports.ts); set only when the caller listens. */
  readonly listener?: TaskListener | undefined;
}

/**
 * A snapshot of a pool's activity.
 * @example
 * ```ts
 * import { ThreadPoolExecutor } from 'aiox';
 * await using pool = new ThreadPoolExecutor();
 * const monitor = setInterval(() => {
 *   const { queued, running, workers, utilization } = pool.stats(); // a fresh snapshot at every call
 *   console.log(`${queued} queued, ${running} running on ${workers} workers, ${Math.round(utilization * 100)}% busy`);
 * }, 1000);
 * monitor.unref(); // the monitor alone does not keep the program alive
 * ```
 */
export interface PoolStats {
  /**
   * Tasks not started yet: in the pool's queue, or handed ahead of time to a thread worker. Like every
   * count here it counts items: a `map` chunk of 5 items counts 5.
   */
  readonly queued: number;
  /** Tasks started and not yet finished; a process pool's tasks count from when they are sent. */
  readonly running: number;
  /** Tasks finished with a result. */
  readonly completed: number;
  /** Tasks finished with an exception (including aborted and timed out ones). */
  readonly failed: number;
  /** Tasks cancelled before they started, and `map` items left unrun when an earlier item of their chunk threw. */
  readonly cancelled: number;
  /** Live workers: started and not told to stop (one being stopped runs nothing; maxWorkers bounds these). */
  readonly workers: number;
  /** Live workers ready for work and with nothing to do. */
  readonly idleWorkers: number;
  /** Share of the live workers' time spent running tasks since the pool started, from 0 to 1. */
  readonly utilization: number;
  /**
   * Milliseconds a task spent in the pool's queue before it was sent to a worker, since the pool started.
   * A task handed ahead of time to a busy thread worker waits there too; that part is in neither figure.
   * Every task is timed while fewer than 64 wait; in a deeper queue (a burst), one in 16, which keeps a
   * burst's cost flat and the percentiles sound.
   */
  readonly waitTime: TimeDistribution;
  /**
   * Milliseconds a task ran in its worker, since the pool started. Workers report their busy time per
   * reply, so tasks answered together (tiny tasks, batched) count as one sample of their average; a task
   * that runs alone (a slow one, or one whose function has not been timed yet) is one exact sample.
   */
  readonly runTime: TimeDistribution;
}

/**
 * A distribution of durations in milliseconds, from `perf_hooks` histograms (microsecond resolution, three
 * significant digits). All zeros while `count` is 0.
 * @example
 * ```ts
 * import { ThreadPoolExecutor } from 'aiox';
 * await using pool = new ThreadPoolExecutor();
 * await Promise.all([1, 2, 3].map((n) => pool.submit((x: number) => x * 2, n)));
 * const { waitTime, runTime } = pool.stats();
 * console.log(`waited ${waitTime.p50} ms (p99 ${waitTime.p99}), ran ${runTime.p50} ms (p99 ${runTime.p99})`);
 * ```
 */
export interface TimeDistribution {
  /** Samples recorded. */
  readonly count: number;
  readonly mean: number;
  /** Median. */
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
}
