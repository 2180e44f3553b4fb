import { Deque } from '../internal/deque.js';
import { CLAIM_RING, type ClaimBoard } from './claims.js';
import type { TaskRecord } from './task-record.js';
import type { WorkerHandle } from './transport.js';

/** The lifecycle of one pool worker. */
export const WorkerState = {
  /** Spawned; its initializer has not confirmed yet. It already accepts tasks, which wait in its inbox. */
  STARTING: 'starting',
  READY: 'ready',
  /** Reached `maxTasksPerWorker`: takes nothing new and stops once its tasks are done. */
  RETIRING: 'retiring',
  /** Told to stop (shutdown, idle timeout, abort of its task, retirement); waiting for its exit. */
  STOPPING: 'stopping',
  EXITED: 'exited',
} as const;
export type WorkerState = (typeof WorkerState)[keyof typeof WorkerState];

/** The engine's record of one worker. */
export class WorkerSlot {
  state: WorkerState = WorkerState.STARTING;
  /** Tasks sent and not yet answered, oldest first; the worker answers in this order. */
  readonly inflight = new Deque<TaskRecord>();
  /** Task function ids this worker has been sent the descriptor of. */
  readonly known = new Set<number>();
  /** How many more tasks it may be given before it retires. */
  budget: number;
  /** Holds an abortable task, which must stay alone on its worker. */
  exclusive = false;
  idleTimer: NodeJS.Timeout | undefined = undefined;
  busyMs = 0;
  readonly startedAt = performance.now();
  handle!: WorkerHandle;
  /** Sequence number the next task sent gets. */
  nextSeq = 0;
  /** Tasks answered so far (results and skips); `nextSeq - answered` tasks are unanswered. */
  answered = 0;

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
      (this.state === WorkerState.STARTING || this.state === WorkerState.READY) &&
      !this.exclusive &&
      this.budget > 0 &&
      this.nextSeq - this.answered < CLAIM_RING
    );
  }
}
