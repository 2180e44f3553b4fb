import { Deque } from '../internal/deque.js';
import type { Delay } from '../internal/timers.js';
import type { TaskDescriptor } from '../tasks/task.js';
import { CLAIM_RING, type ClaimBoard } from '../wire/claims.js';
import { GUARDED, RUN_HEADER, fnIdOf, type RunMessage } from '../wire/protocol.js';
import type { TaskTable } from './task-table.js';
import type { TaskRecord } from './task-record.js';
import type { WorkerHandle } from './transport.js';

/** The lifecycle of one pool worker. */
export const WorkerState = {
  /** Spawned; not ready yet (starting, or running its initializer). It is given no tasks. */
  STARTING: 'starting',
  READY: 'ready',
  /** Reached `maxTasksPerWorker`: takes nothing new and stops once its tasks are done. */
  RETIRING: 'retiring',
  /**
   * Told to stop (shutdown, idle timeout, abort of its task, retirement, terminateWorkers()), or dying of an
   * error raised outside any task; waiting for its exit.
   */
  STOPPING: 'stopping',
  EXITED: 'exited',
} as const;
export type WorkerState = (typeof WorkerState)[keyof typeof WorkerState];

/** The engine's record of one worker. */
export class WorkerSlot {
  state: WorkerState = WorkerState.STARTING;
  /** Tasks sent and not yet answered, oldest first; the worker answers in this order. */
  readonly inflight = new Deque<TaskRecord>();
  /** The fnIds of the task functions this worker has been sent the descriptor of. */
  readonly known = new Set<number>();
  /** How many more tasks it may be given before it retires. */
  budget: number;
  idleTimer: Delay | undefined = undefined;
  /**
   * Why it was told to stop: `'idle'` (not replaced to keep minWorkers: it was above it), `'abort'` (a task of
   * it was stopped while it may have been running, see PoolEngine.#abort), `'other'`.
   */
  stoppedFor: 'idle' | 'abort' | 'other' | undefined = undefined;
  busyMs = 0;
  readonly startedAt = performance.now();
  handle!: WorkerHandle;
  /** Sequence number the next task sent gets. */
  nextSeq = 0;
  /** Tasks answered so far (results and skips); `nextSeq - answered` tasks are unanswered. */
  answered = 0;
  /**
   * Process workers only: the seqs, ascending, of tasks stopped (aborted) while unanswered here. The child is
   * killed once the oldest is its first unanswered task; an answer to one means it finished by itself.
   */
  readonly stops: number[] = [];
  /**
   * Started ahead of need, as the replacement of the next worker stopped for an abort: it takes no work and
   * does not count towards maxWorkers until then (see PoolEngine.#stopWorker).
   */
  spare = false;
  /** Thread workers only: the results it stashed before a task that may be stopped (see result-stash.ts). */
  stash: SharedArrayBuffer | undefined = undefined;
  /** Process workers only: every batch sent before this seq is answered is guarded too (see GUARDED). */
  guardedUntil = 0;
  /** Milliseconds expected of the tasks in flight whose function has been timed. */
  expectedMs = 0;
  /** Tasks in flight whose function has not been timed yet. */
  untimed = 0;
  /** Its last word: it is dying of an error raised outside any task, and had not begun task `unstarted` on. */
  died: { readonly error: unknown; readonly origin: 'uncaughtException' | 'unhandledRejection'; readonly unstarted: number } | undefined =
    undefined;

  constructor(
    readonly id: number,
    budget: number,
    /** Thread workers only: lets the engine take unstarted tasks back. */
    readonly claims: ClaimBoard | undefined,
  ) {
    this.budget = budget;
  }

  /** Whether the engine may send it more work. */
  get accepting(): boolean {
    return (
      this.state === WorkerState.READY &&
      !this.spare &&
      !this.exclusive &&
      this.budget > 0 &&
      this.nextSeq - this.answered < CLAIM_RING
    );
  }

  /**
   * Holds a background task (see BACKGROUND), which stays alone on its worker so that the worker can be left
   * unreferenced while it runs. Such a task is only sent to a worker with nothing in flight, so it is the
   * oldest one here.
   */
  get exclusive(): boolean {
    return this.inflight.peek()?.stop?.background === true;
  }

  /** Posts `batch`; on success its tasks are in flight here. Throws if something cannot be cloned. */
  send(batch: TaskRecord[], table: TaskTable): void {
    const seq = this.nextSeq;
    let defs: [number, TaskDescriptor][] | undefined;
    let transfer: unknown[] | undefined;
    const message = new Array(RUN_HEADER + batch.length * 2) as [...RunMessage];
    message[0] = seq;
    // A process cannot tell which of its tasks began: behind a guarded batch, every batch is guarded.
    let guarded = this.claims === undefined && this.guardedUntil > this.answered;
    for (let i = 0; i < batch.length; i++) {
      const record = batch[i]!;
      if (record.stop !== undefined) guarded = true;
      const id = fnIdOf(record.code);
      if (!this.known.has(id) && !defs?.some(([d]) => d === id)) (defs ??= []).push([id, table.descriptor(id)]);
      if (record.transfer !== undefined) (transfer ??= []).push(...record.transfer);
      message[RUN_HEADER + 2 * i] = record.code;
      message[RUN_HEADER + 2 * i + 1] = record.args;
      // Marked before the post: the worker may claim a task as soon as the message lands.
      this.claims?.markSent(seq + i);
    }
    message[1] = defs ?? 0;
    message[2] = guarded ? GUARDED : 0;
    this.handle.post(message, transfer);
    if (guarded && this.claims === undefined) this.guardedUntil = seq + batch.length;
    if (defs !== undefined) for (const [id] of defs) this.known.add(id);
    for (const record of batch) {
      record.seq = this.nextSeq++;
      this.inflight.push(record);
      this.#count(record, 1);
    }
  }

  clearIdleTimer(): void {
    this.idleTimer?.clear();
    this.idleTimer = undefined;
  }

  /** Removes the oldest task in flight: it has been answered. */
  shift(): TaskRecord | undefined {
    const record = this.inflight.shift();
    if (record !== undefined) this.#count(record, -1);
    return record;
  }

  #count(record: TaskRecord, sign: 1 | -1): void {
    if (Number.isNaN(record.expected)) this.untimed += sign;
    else this.expectedMs += sign * record.expected;
    // No drift from adding and removing fractions.
    if (this.inflight.length === 0) this.expectedMs = 0;
  }

  /**
   * Takes back up to `max` tasks not started yet, newest first and newer than task `after`, so they can be
   * queued again.
   */
  takeBack(max: number, after = -1): TaskRecord[] {
    const taken: TaskRecord[] = [];
    if (this.claims === undefined) return taken;
    // From the newest back: the worker claims in order, so once one is claimed all older ones are too.
    while (taken.length < max && this.inflight.length > 0 && this.inflight.peekLast()!.seq > after) {
      const newest = this.inflight.peekLast()!;
      // Cancelled while here: already revoked (its budget given back then), so it goes, and is not queued again.
      if (!newest.future.cancelled()) {
        // A task whose transfer list was posted cannot be sent again: its buffers and ports moved to this
        // worker and are empty here. It stays, and so do the older ones.
        if (newest.transfer !== undefined || !this.claims.revoke(newest.seq)) break;
        taken.push(newest);
      }
      this.inflight.pop();
      this.#count(newest, -1);
      newest.worker = undefined;
    }
    this.refund(taken.length);
    return taken;
  }

  /**
   * Gives back the budget of `count` tasks sent here that will not run here (taken back or cancelled), so
   * only tasks it runs count towards `maxTasksPerWorker`; a worker that retired for them takes work again.
   */
  refund(count: number): void {
    if (count === 0) return;
    this.budget += count;
    if (this.state === WorkerState.RETIRING) this.state = WorkerState.READY;
  }
}
