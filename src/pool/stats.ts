// What a pool's stats() reports, and how its perf_hooks histograms of microseconds become distributions in ms.
import type { RecordableHistogram } from 'node:perf_hooks';

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
   * that runs alone (slow, abortable, or with a `timeout`) is one exact sample.
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

/** Milliseconds as the whole microseconds a histogram records (at least 1, its lowest value). */
export function micros(ms: number): number {
  return ms >= 0.001 ? Math.round(ms * 1000) : 1;
}

/** A histogram of microseconds, as milliseconds. */
export function distribution(histogram: RecordableHistogram): TimeDistribution {
  if (histogram.count === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  return {
    count: histogram.count,
    mean: histogram.mean / 1000,
    p50: histogram.percentile(50) / 1000,
    p90: histogram.percentile(90) / 1000,
    p99: histogram.percentile(99) / 1000,
    max: histogram.max / 1000,
  };
}
