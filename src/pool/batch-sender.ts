// Sending queued work to workers in batches, as the dispatch policy (dispatch.ts) decides, and taking
// unstarted work back from a loaded worker when another is idle. Part of the hot path: keep its allocations
// and property writes per task as they are (bench scenarios s1, s5 and s10 measure them).
import { messageOf } from '../internal/message-of.js';
import { publishStart, taskStartChannel } from './diagnostics.js';
import { batchLimit, laneLimit, mayJoin, rebalanceFrom } from './dispatch.js';
import type { EngineParts } from './engine-parts.js';
import type { TaskAborts } from './task-aborts.js';
import type { TaskRecord } from './task-record.js';
import type { WorkerSlot } from './worker-slot.js';

/** What sending batches needs of the pool. */
export type BatchSenderParts = Pick<EngineParts, 'queue' | 'workers' | 'outcomes' | 'estimates' | 'counts' | 'publisher' | 'tasks' | 'maxWorkers'> & {
  readonly aborts: Pick<TaskAborts, 'hold' | 'release'>;
};

/** Sends batches of queued tasks to workers (see the file comment). */
export class BatchSender {
  readonly #parts: BatchSenderParts;
  /** The batch being posted, while it is: its tasks have left the queue and are not in flight yet (see {@link carrying}). */
  #posting: TaskRecord[] | undefined = undefined;

  constructor(parts: BatchSenderParts) {
    this.#parts = parts;
  }

  /**
   * Sends `worker` a batch from the head of the queue: a fair share, each task joining while the policy lets
   * it (see mayJoin), `most` at most; with `background`, the batch is the one background task at the head.
   */
  send(worker: WorkerSlot, background: boolean, most = Infinity): void {
    const { queue, estimates, counts } = this.#parts;
    const limit = Math.min(most, batchLimit(queue.live, this.#parts.maxWorkers, worker, background));
    // What the worker will hold, batch included: ahead of a task sent now, and in all (for its lanes).
    let held = worker.load;
    let lanesHeld = worker.held;
    const lanes = worker.concurrency > 1 ? laneLimit(worker) : 0;
    let untimed = worker.untimed;
    let expectedMs = worker.expectedMs;
    const batch: TaskRecord[] = [];
    const now = performance.now();
    const toProcess = !worker.canWithdraw;
    while (batch.length < limit) {
      const record = queue.head();
      if (record === undefined) break;
      // A background task runs alone, so it is never added to a batch.
      if (record.stop?.background === true && !background) break;
      const expected = estimates.of(record.code);
      // A task that runs on takes a free lane, whatever is ahead of it (see Estimates.runsOn).
      if (lanes > 0 && estimates.runsOn(record.code) ? lanesHeld >= lanes : !mayJoin(untimed, expectedMs, held, expected)) break;
      held++;
      lanesHeld++;
      if (Number.isNaN(expected)) untimed++;
      else expectedMs += expected;
      if (record.sending(expected)) counts.sent(record, now);
      queue.take();
      // A process worker's task counts as started once sent (or before: see WorkerExits); a thread worker's
      // once it claims it.
      if (toProcess && record.state === 'pending') record.setRunningOrNotifyCancel();
      batch.push(record);
      if (background) break;
    }
    if (batch.length === 0) return;
    const { publisher, workers } = this.#parts;
    if (taskStartChannel.hasSubscribers) publishStart(publisher, batch, worker);
    // Posting runs the caller's code (the getters of the arguments, as they are cloned), which may abort a
    // task's signal or cancel its future: its tasks are then neither queued nor in flight. An abort meanwhile
    // is applied once the batch is in flight (see TaskAborts.hold), and a cancel is refused (see carrying).
    const { aborts } = this.#parts;
    this.#posting = batch;
    aborts.hold();
    try {
      // A background task leaves its worker unreferenced.
      worker.dispatch(batch, background, this.#parts.tasks, this.#unsendable);
    } finally {
      this.#posting = undefined;
      aborts.release();
    }
    if (worker.held === 0) workers.idle(worker);
  }

  /** Whether a batch is being posted: its tasks are held by no worker yet, but are about to be (see {@link carrying}). */
  get posting(): boolean {
    return this.#posting !== undefined;
  }

  /**
   * Whether `record` is in the batch being posted: it has left the queue and is not in flight yet. Its future
   * cannot be cancelled then: it may be claimed as soon as the batch lands.
   */
  carrying(record: TaskRecord): boolean {
    return this.#posting !== undefined && this.#posting.includes(record);
  }

  /**
   * With the queue empty and a worker idle, takes back work from the most loaded one (see rebalanceFrom) and
   * queues it again. Returns whether it took any.
   */
  rebalance(): boolean {
    const victim = rebalanceFrom(this.#parts.workers.all);
    if (victim === undefined) return false;
    // Newest first: queued again oldest first.
    const taken = victim.takeBack(victim.inflight.length >> 1).reverse();
    this.#parts.queue.requeue(taken);
    return taken.length > 0;
  }

  /** A task whose arguments could not be sent to the worker (see WorkerSlot.dispatch). */
  readonly #unsendable = (record: TaskRecord, error: unknown): void => {
    this.#parts.outcomes.fail(record, new TypeError(`the task's arguments could not be sent to the worker: ${messageOf(error)}`, { cause: error }), false);
  };
}
