// How the end of a task is recorded, whatever ended it (a worker's answer, an abort, a dead worker, a broken
// or stopped pool): its future settles, it is counted, its finish is published, its abort hooks are removed.
import { fromWire, type WireError } from '../tasks/wire-error.js';
import { RESULT_OK, type ChunkResult } from '../wire/protocol.js';
import { publishFinish, taskFinishChannel, type Publisher } from './diagnostics.js';
import type { PoolCounters } from './stats.js';
import type { StopHooks } from './stop-hooks.js';
import type { StoppableRecord, TaskRecord } from './task-record.js';

/** Settles the pool's tasks, counting and publishing each outcome (see the file comment). */
export class TaskOutcomes {
  readonly #counts: PoolCounters;
  readonly #publisher: Publisher;
  readonly #stops: StopHooks;
  /** Set by terminateWorkers() / killWorkers(): the name of the call, for the errors of what it stopped. */
  stoppedBy: string | undefined = undefined;

  constructor(counts: PoolCounters, publisher: Publisher, stops: StopHooks) {
    this.#counts = counts;
    this.#publisher = publisher;
    this.#stops = stops;
  }

  /** Removes a record's abort listener and timer. */
  release(record: TaskRecord): void {
    // Only a StoppableRecord has a hook.
    if (record.stop !== undefined) this.#stops.disarm(record as StoppableRecord);
  }

  /**
   * Fails a task not done yet with `error`, counted, its hooks removed. `stopped`: the pool's own stop ended it
   * (its signal: abort(); terminateWorkers(), killWorkers()). The caller asked for that stop, as for a
   * cancellation, so a task submitted and forgotten raises no unobserved-failure warning (under run(),
   * Ctrl-C would print one per task); awaiting it still throws.
   */
  fail(record: TaskRecord, error: unknown, stopped: boolean): void {
    this.release(record);
    this.#counts.failed += record.items;
    if (stopped) record.markObserved().setException(error);
    else record.setException(error);
    // Stopped with no stopping call named: by abort(), the pool's signal.
    if (taskFinishChannel.hasSubscribers) publishFinish(this.#publisher, record, stopped && this.stoppedBy === undefined ? 'aborted' : 'error', error);
  }

  /** Fails a task aborted by its signal or timeout with `reason`. */
  aborted(record: TaskRecord, reason: unknown): void {
    record.setException(reason);
    this.#counts.failed++;
    if (taskFinishChannel.hasSubscribers) publishFinish(this.#publisher, record, 'aborted', reason);
  }

  /** Counts a task cancelled by its future's cancel(), and publishes its finish. */
  cancelled(record: TaskRecord): void {
    this.#counts.cancelled += record.items;
    if (taskFinishChannel.hasSubscribers) publishFinish(this.#publisher, record, 'cancelled', undefined);
    this.release(record);
  }

  /**
   * A worker's answer to `record` (its hooks already removed): `status` RESULT_OK with the task's `value`,
   * else the task's error as a WireError. A task done already (aborted meanwhile) keeps its outcome.
   * `publish`: whether the finish channel has subscribers, read once per reply; `workerMs`: what the task took
   * in its worker, if the reply says.
   */
  answered(record: TaskRecord, status: unknown, value: unknown, publish: boolean, workerMs: number | undefined): void {
    if (record.done()) return;
    const counts = this.#counts;
    if (status === RESULT_OK) {
      if (record.code < 0) counts.chunk(record, value as ChunkResult);
      else counts.completed++;
      record.setResult(value);
      if (publish) publishFinish(this.#publisher, record, 'ok', undefined, workerMs);
    } else {
      counts.failed += record.items;
      const error = fromWire(value as WireError);
      record.setException(error);
      if (publish) publishFinish(this.#publisher, record, 'error', error, workerMs);
    }
  }
}
