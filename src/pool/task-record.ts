import type { Future } from '../futures/future.js';
import type { TaskCode } from '../wire/protocol.js';
import type { StopHook } from './stop-hooks.js';
import type { WorkerSlot } from './worker-slot.js';

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
   * Milliseconds its function was expected to take when it was sent; NaN if not timed yet. Until it is first
   * sent, a task whose wait is timed (see PoolStats.waitTime) holds `-performance.now()` of its submission
   * here instead: negative, so never mistaken for an estimate. Not a field of its own, because a second
   * number field that holds fractions costs every record a boxed number, measurably in a burst. Written
   * through {@link timeWait} and {@link sending}.
   */
  expected = 0;

  constructor(
    readonly future: Future<unknown>,
    /** Its function, and whether it is a map chunk, as a batch names them. */
    readonly code: TaskCode,
    readonly args: unknown,
    readonly transfer: readonly unknown[] | undefined,
  ) {}

  /** Times its wait in the queue, from `now` (its submission) to its first send. */
  timeWait(now: number): void {
    this.expected = -now;
  }

  /**
   * It is being sent, expected to take `expected` ms. Returns the ms it waited in the queue if that wait was
   * timed (its first send), else -1. A task sent again (taken back, or requeued) is not timed again.
   */
  sending(expected: number, now: number): number {
    const waited = this.expected < 0 ? now + this.expected : -1;
    this.expected = expected;
    return waited;
  }

  /** How many items it holds: a map chunk's argument lists, else one. */
  get items(): number {
    return this.code < 0 ? (this.args as readonly unknown[]).length : 1;
  }
}
