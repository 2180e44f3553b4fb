// Stopping a task whose signal aborted or whose timeout fired, wherever it is: queued, sent, or running.
import type { EngineParts } from './engine-parts.js';
import type { TaskRecord } from './task-record.js';
import type { WorkerSlot } from './worker-slot.js';

/** What stopping a task needs of the pool. */
export type TaskAbortsParts = Pick<EngineParts, 'queue' | 'workers' | 'outcomes' | 'abortGrace' | 'schedulePump'>;

/** Stops aborted tasks: cooperative first (through the task's signal), then forced (its worker stops). */
export class TaskAborts {
  readonly #parts: TaskAbortsParts;
  /** Aborts that came while they were held (see {@link hold}), in order; undefined when not held. */
  #held: [TaskRecord, unknown][] | undefined = undefined;
  #holding = false;

  constructor(parts: TaskAbortsParts) {
    this.#parts = parts;
  }

  /**
   * Holds the aborts that come from now until {@link release}: while a batch is posted, its tasks are neither
   * queued nor in flight, and what an abort does depends on where its task is.
   */
  hold(): void {
    this.#holding = true;
  }

  /** Applies the aborts held since {@link hold}, in the order they came. */
  release(): void {
    this.#holding = false;
    const held = this.#held;
    if (held === undefined) return;
    this.#held = undefined;
    for (const [record, reason] of held) this.abort(record, reason);
  }

  /**
   * Stops a task at once: its future fails with `reason` now, whatever the worker does. A task still queued
   * leaves the queue; one a thread worker has not claimed is revoked (the worker skips it); one that may be
   * running is asked to stop through its signal and stops its worker if it has not settled by the end of
   * the grace (see {@link stopRunning} and WorkerSlot.abortedTask), and the tasks sent after it there run
   * elsewhere. The worker runs its tasks in order and makes safe what finished before a guarded task begins
   * (see GUARDED), so stopping it loses no result.
   */
  abort(record: TaskRecord, reason: unknown): void {
    if (this.#holding) {
      (this.#held ??= []).push([record, reason]);
      return;
    }
    const { queue, outcomes, abortGrace } = this.#parts;
    const worker = record.worker;
    outcomes.release(record);
    if (record.done()) return;
    if (record.state === 'pending') record.setRunningOrNotifyCancel();
    // Still queued: it leaves the queue lazily and never runs. (Queued again after a process died is running
    // already.)
    if (worker === undefined) queue.live--;
    const runs = worker !== undefined && !worker.revoke(record.seq);
    // Failed first: the abort sent to its task reads the reason from it.
    outcomes.aborted(record, reason);
    if (runs) {
      // A child process may be running it before its stash file says so (see WorkerSlot.abortedTask): told at
      // once, a task that watches its signal ends without waiting for the file. (A task it has not begun
      // ignores this; it is told again, with its grace, once the file shows it running.)
      if (!worker.canWithdraw && abortGrace > 0 && !worker.runsBackground) worker.askToStop(record.seq);
      const seq = worker.abortedTask(record, this.#requeue, (at) => this.stopRunning(worker, at));
      if (seq >= 0) this.stopRunning(worker, seq);
    }
    this.#parts.schedulePump();
  }

  /**
   * Aborted task `seq` runs on `worker`: cooperative first, then forced. Its signal aborts (see
   * TaskContext.signal); if the worker has not answered it within `abortGrace` ms, the worker is stopped.
   */
  stopRunning(worker: WorkerSlot, seq: number): void {
    // A generator task (BACKGROUND) is stopped with its worker at once: its own channel ends with it. So is a
    // task that never read its signal (as its thread's claim or its process's stash file says): nothing can
    // ask it to stop.
    const grace = worker.runsBackground || !worker.mayCooperate(seq) ? 0 : this.#parts.abortGrace;
    if (grace > 0) worker.askToStop(seq);
    worker.graceThenStop(seq, grace, () => this.#parts.workers.stop(worker, 'abort'));
  }

  /** Queues again, at the front, tasks a worker gave back, in the order given. */
  readonly #requeue = (records: TaskRecord[]): void => this.#parts.queue.requeue(records);
}
