// The pool's counters and histograms, and the snapshot PoolStats makes of them.
import type { RecordableHistogram } from 'node:perf_hooks';
import { perfHooksModule } from '../internal/lazy-builtins.js';
import type { ChunkResult } from '../wire/protocol.js';
import { liveWorkers } from './dispatch.js';
import type { TaskQueue } from './task-queue.js';
import type { TaskRecord } from './task-record.js';
import type { PoolStats, TimeDistribution } from './types.js';
import { WorkerState, type WorkerSlot } from './worker-slot.js';

/** Below this queue depth every task's wait is timed; deeper, one in 16 (see {@link PoolCounters.timesWait}). */
const TIME_EVERY_TASK_BELOW = 64;

/** What a pool counts as it runs. Every count is of items: a map chunk of 5 items counts 5. */
export class PoolCounters {
  completed = 0;
  failed = 0;
  cancelled = 0;
  /** Milliseconds workers spent running tasks, as they report it. */
  busyMs = 0;
  /** Milliseconds the workers that have exited were alive. */
  exitedAliveMs = 0;
  /** A map chunk was ever submitted: the queue's items must be counted, not its records. */
  mapped = false;
  /**
   * The two histograms, made together at the first use of either (usually the first task's send, while its
   * worker starts): a new pool, which a program's start-up waits for, does not pay for them.
   */
  #histograms: readonly [wait: RecordableHistogram, run: RecordableHistogram] | undefined = undefined;
  /** Tasks submitted to a deep queue, of which one in 16 is timed. */
  #untimedSubmits = 0;
  /** When each task whose wait is timed was submitted (performance.now()), until its first send. */
  readonly #submittedAt = new WeakMap<TaskRecord, number>();

  /** Microseconds, one sample per timed task, at its first send. */
  get waitHistogram(): RecordableHistogram {
    return (this.#histograms ??= newHistograms())[0];
  }

  /** Microseconds, one sample per reply: the average of the tasks that ran in it. */
  get runHistogram(): RecordableHistogram {
    return (this.#histograms ??= newHistograms())[1];
  }

  /**
   * Whether to time the wait of a task submitted while `queued` tasks wait. Timing every task of a deep queue
   * (a burst) would cost it measurably: there one in 16 is timed.
   */
  timesWait(queued: number): boolean {
    return queued < TIME_EVERY_TASK_BELOW || (++this.#untimedSubmits & 15) === 0;
  }

  /** A map chunk answered: its items that ran, the one that threw (which stopped it), the ones left unrun. */
  chunk(record: TaskRecord, result: ChunkResult): void {
    const ran = result.values.length;
    this.completed += ran;
    if (result.error === undefined) return;
    this.failed++;
    this.cancelled += record.items - ran - 1;
  }

  /** Times the wait of `record`, submitted now: see {@link timesWait}. */
  submitted(record: TaskRecord): void {
    record.timeWait();
    this.#submittedAt.set(record, performance.now());
  }

  /** `record`, whose wait is timed, is sent at `now`. */
  sent(record: TaskRecord, now: number): void {
    const at = this.#submittedAt.get(record);
    if (at === undefined) return;
    this.#submittedAt.delete(record);
    this.waitHistogram.record(micros(now - at));
  }

  /** A snapshot of the counters and of what `workers` and `queue` hold now. */
  snapshot(workers: readonly WorkerSlot[], queue: TaskQueue): PoolStats {
    let running = 0;
    let waiting = 0;
    let idle = 0;
    let aliveMs = this.exitedAliveMs;
    const now = performance.now();
    for (const w of workers) {
      aliveMs += now - w.startedAt;
      if (w.spare) continue;
      // A stopping worker holds only tasks already failed (aborted) or about to be failed or queued again
      // (its exit is on the way), so it counts as neither.
      if (w.state === WorkerState.STOPPING) continue;
      // A worker still starting is not idle: it cannot take work yet.
      if (w.held === 0 && w.state !== WorkerState.STARTING) idle++;
      // Async tasks running on in the background (see concurrentTasksPerWorker) have begun.
      for (const record of w.runningOn.values()) if (!record.done()) running += record.items;
      // A task aborted in its grace has failed already: not running, though its worker may still run it.
      if (!w.canWithdraw && !this.mapped && !w.inGrace) {
        running += w.inflight.length;
        continue;
      }
      for (let i = 0; i < w.inflight.length; i++) {
        const record = w.inflight.at(i)!;
        if (record.done()) continue;
        if (w.begun(record.seq)) running += record.items;
        else waiting += record.items;
      }
    }
    return {
      queued: this.#queuedItems(queue) + waiting,
      running,
      completed: this.completed,
      failed: this.failed,
      cancelled: this.cancelled,
      workers: liveWorkers(workers),
      idleWorkers: idle,
      utilization: aliveMs > 0 ? Math.min(1, this.busyMs / aliveMs) : 0,
      waitTime: distribution(this.waitHistogram),
      runTime: distribution(this.runHistogram),
    };
  }

  /** Items in the queue: its live records, plus the extra items of map chunks (only then is it walked). */
  #queuedItems(queue: TaskQueue): number {
    if (!this.mapped) return queue.live;
    let items = 0;
    for (let i = 0; i < queue.length; i++) {
      const record = queue.at(i)!;
      if (!record.done()) items += record.items;
    }
    return items;
  }
}

function newHistograms(): readonly [RecordableHistogram, RecordableHistogram] {
  const { createHistogram } = perfHooksModule();
  return [createHistogram(), createHistogram()];
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
