import type { Future } from '../futures/future.js';
import type { TaskCode } from '../wire/protocol.js';
import type { StopHook } from './stop-hooks.js';
import type { WorkerSlot } from './worker-slot.js';

/**
 * The most nanoseconds a record holds as its expected time (about 1.07 s): far above what lets a task join
 * a busy worker (PIPELINE_MS), so capping changes no decision, and a small integer on every platform.
 */
export const MAX_EXPECTED_NS = 2 ** 30;
const WAIT_TIMED = -2;

/** One submitted task as the engine tracks it, from queue to result. */
export class TaskRecord {
  /** The worker it is in flight on; set and cleared by that worker's slot. */
  worker: WorkerSlot | undefined = undefined;
  /** Its sequence number on that worker. */
  seq = 0;
  /**
   * Set for tasks with a signal, a timeout or BACKGROUND (which alone runs alone on its worker): the hook it
   * shares with the tasks armed just before it with the same options (see StopHooks).
   */
  stop: StopHook | undefined = undefined;
  /**
   * Nanoseconds its function was expected to take when it was sent, at most {@link MAX_EXPECTED_NS}; -1 if
   * not timed yet. Before its first send, WAIT_TIMED if its wait in the queue is timed (see PoolCounters).
   * Kept a small integer, never a fraction, NaN or -0: a number field that ever holds one costs every record
   * a boxed number, measurably in a burst. Written through {@link sending}.
   */
  expectedNs = 0;

  /**
   * Its arguments, or for the rare task with a transfer list, both in a {@link WithTransfer}: no record pays
   * a field for what few tasks have. Read through {@link args} and {@link transfer}.
   */
  readonly #payload: unknown;

  constructor(
    readonly future: Future<unknown>,
    /** Its function, and whether it is a map chunk, as a batch names them. */
    readonly code: TaskCode,
    args: unknown,
    transfer: readonly unknown[] | undefined,
  ) {
    this.#payload = transfer === undefined ? args : new WithTransfer(args, transfer);
  }

  /** Its argument list; a map chunk's, its list of argument lists. */
  get args(): unknown {
    const payload = this.#payload;
    return payload instanceof WithTransfer ? payload.args : payload;
  }

  /** What its arguments move to the worker rather than copy (see SubmitOptions.transfer). */
  get transfer(): readonly unknown[] | undefined {
    const payload = this.#payload;
    return payload instanceof WithTransfer ? payload.transfer : undefined;
  }

  /** Its wait in the queue is timed, from its submission to its first send (see PoolCounters.sent). */
  timeWait(): void {
    this.expectedNs = WAIT_TIMED;
  }

  /**
   * It is being sent, expected to take `expected` ms (NaN: not timed yet). Returns whether its wait in the
   * queue was timed and ends now (its first send); a task sent again (taken back, or requeued) is not.
   */
  sending(expected: number): boolean {
    const waitTimed = this.expectedNs === WAIT_TIMED;
    // `| 0`: an int32 (no -0), a small integer under the cap.
    this.expectedNs = Number.isNaN(expected) ? -1 : Math.min(Math.round(expected * 1e6), MAX_EXPECTED_NS) | 0;
    return waitTimed;
  }


  /** How many items it holds: a map chunk's argument lists, else one. */
  get items(): number {
    return this.code < 0 ? (this.args as readonly unknown[]).length : 1;
  }
}

/** The arguments of a task that has a transfer list, with that list. */
class WithTransfer {
  constructor(
    readonly args: unknown,
    readonly transfer: readonly unknown[],
  ) {}
}
