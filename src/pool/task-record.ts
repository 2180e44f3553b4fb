import { Future } from '../futures/future.js';
import type { TaskCode } from '../wire/protocol.js';
import type { StopHook, Stoppable } from './stop-hooks.js';
import type { WorkerSlot } from './worker-slot.js';

/**
 * The most nanoseconds a record holds as its expected time (about 1.07 s): far above what lets a task join
 * a busy worker (PIPELINE_MS), so capping changes no decision, and a small integer on every platform.
 */
export const MAX_EXPECTED_NS = 2 ** 30;
const WAIT_TIMED = -2;

// How a record holds its arguments, in the low two bits of #form (the task code is above them).
/** #payload is the argument list (a map chunk's list of argument lists). */
const LIST = 0;
/** #payload is the one argument. */
const ONE = 1;
/** #payload and #second are the two arguments. */
const TWO = 2;
/** #payload is a {@link WithTransfer}. */
const TRANSFER = 3;
const FORM = 3;
/** The argument list of every task that takes none: nothing to keep per task. */
const NO_ARGS: readonly unknown[] = Object.freeze([]);

/**
 * One submitted task as the engine tracks it, from queue to result: the very future `submit` returned, so
 * that a pending task is one object, not a future and a record.
 *
 * Where the bytes of a pending task go (Node 20, 64-bit, no pointer compression; 1M tasks awaited with
 * Promise.all, bench s10): this object, 128 B (a promise, 48, the Future's 4 fields, this class's 6; a task
 * with a signal or a timeout is a StoppableRecord, 32 B more); the promise's resolve function and its context,
 * 2 x 56 B (the Future keeps no reject function: see Future); then what Promise.all adds to any promise: a
 * reaction (48 B), its element function (56 B) and, because a Future is a subclass (Promise.all calls its
 * `then` rather than taking V8's fast path), the derived promise that `then` returns (48 B); and the queue's
 * slot, 8 B. About 400 B in all (395 measured), against 264 for a bare promise under Promise.all. A task's
 * one or two arguments are kept as they are and put in a list only when sent, which then dies young, since a
 * list kept from submit to send was 64 B more per task; the wait of a task in the queue is timed for a
 * sample only (see PoolCounters).
 *
 * The record's own fields are private, behind accessors, so that none shows as a property of the future
 * its caller holds; its prototype has no `constructor` of its own, so that `await` and `Promise.all` take
 * it as a promise, as they take any Future (see Future).
 */
export class TaskRecord extends Future<unknown> {
  #worker: WorkerSlot | undefined = undefined;
  #seq = 0;
  /**
   * Nanoseconds its function was expected to take when it was sent, at most {@link MAX_EXPECTED_NS}; -1 if
   * not timed yet. Before its first send, WAIT_TIMED if its wait in the queue is timed (see PoolCounters).
   * Kept a small integer, never a fraction, NaN or -0: a number field that ever holds one costs every record
   * a boxed number, measurably in a burst. Written through {@link sending}.
   */
  #expectedNs = 0;
  /** Its {@link TaskCode}, shifted left by two, over how it holds its arguments (LIST, ONE, TWO, TRANSFER). */
  readonly #form: number;
  /** Its arguments as #form says: the list, the first one, or them with a transfer list. */
  readonly #payload: unknown;
  /** Its second argument, for TWO. */
  readonly #second: unknown;

  /** `args` is the argument list, or a map chunk's list of argument lists; `transfer` is rarely given. */
  constructor(code: TaskCode, args: readonly unknown[], transfer: readonly unknown[] | undefined) {
    super();
    let form: number = LIST;
    let payload: unknown = args;
    let second: unknown;
    if (transfer !== undefined) {
      form = TRANSFER;
      payload = new WithTransfer(args, transfer);
    } else if (code >= 0) {
      // A single call's own list (its rest parameter, in submit) is dropped; see the class comment.
      if (args.length === 1) {
        form = ONE;
        payload = args[0];
      } else if (args.length === 2) {
        form = TWO;
        payload = args[0];
        second = args[1];
      } else if (args.length === 0) payload = NO_ARGS;
    }
    this.#form = (code << 2) | form;
    this.#payload = payload;
    this.#second = second;
  }

  static {
    // `constructor` is Future.prototype's getter (see the class comment).
    delete (TaskRecord.prototype as { constructor?: unknown }).constructor;
  }

  /** The worker it is in flight on; set and cleared by that worker's slot. */
  get worker(): WorkerSlot | undefined {
    return this.#worker;
  }

  set worker(worker: WorkerSlot | undefined) {
    this.#worker = worker;
  }

  /** Its sequence number on that worker. */
  get seq(): number {
    return this.#seq;
  }

  set seq(seq: number) {
    this.#seq = seq;
  }

  /**
   * Set for tasks with a signal, a timeout or BACKGROUND (which alone runs alone on its worker): the hook it
   * shares with the tasks armed just before it with the same options (see StopHooks). Only a
   * {@link StoppableRecord} has one (the stop hooks arm and disarm only those: see PoolEngine.submit).
   */
  get stop(): StopHook | undefined {
    return undefined;
  }

  /** See #expectedNs. */
  get expectedNs(): number {
    return this.#expectedNs;
  }

  /** Its function, and whether it is a map chunk, as a batch names them. */
  get code(): TaskCode {
    return this.#form >> 2;
  }

  /** Its argument list (a new one each time for a task of one or two); a map chunk's, its list of argument lists. */
  get args(): readonly unknown[] {
    switch (this.#form & FORM) {
      case ONE:
        return [this.#payload];
      case TWO:
        return [this.#payload, this.#second];
      case TRANSFER:
        return (this.#payload as WithTransfer).args;
      default:
        return this.#payload as readonly unknown[];
    }
  }

  /** What its arguments move to the worker rather than copy (see SubmitOptions.transfer). */
  get transfer(): readonly unknown[] | undefined {
    return (this.#form & FORM) === TRANSFER ? (this.#payload as WithTransfer).transfer : undefined;
  }

  /** Its wait in the queue is timed, from its submission to its first send (see PoolCounters.sent). */
  timeWait(): void {
    this.#expectedNs = WAIT_TIMED;
  }

  /**
   * It is being sent, expected to take `expected` ms (NaN: not timed yet). Returns whether its wait in the
   * queue was timed and ends now (its first send); a task sent again (taken back, or requeued) is not.
   */
  sending(expected: number): boolean {
    const waitTimed = this.#expectedNs === WAIT_TIMED;
    // `| 0`: an int32 (no -0), a small integer under the cap.
    this.#expectedNs = Number.isNaN(expected) ? -1 : Math.min(Math.round(expected * 1e6), MAX_EXPECTED_NS) | 0;
    return waitTimed;
  }

  /** How many items it holds: a map chunk's argument lists, else one. */
  get items(): number {
    return this.code < 0 ? this.args.length : 1;
  }
}

/**
 * The record of a task submitted with a signal, a timeout or BACKGROUND, the one kind that may have a stop
 * hook: fields that every other task would carry empty (32 B each, in a burst of a million pending tasks).
 */
export class StoppableRecord extends TaskRecord implements Stoppable {
  #stop: StopHook | undefined = undefined;
  #stopPrev: Stoppable | undefined = undefined;
  #stopNext: Stoppable | undefined = undefined;
  #stopRun = 0;

  static {
    // `constructor` is Future.prototype's getter (see TaskRecord).
    delete (StoppableRecord.prototype as { constructor?: unknown }).constructor;
  }

  override get stop(): StopHook | undefined {
    return this.#stop;
  }

  override set stop(hook: StopHook | undefined) {
    this.#stop = hook;
  }

  get stopPrev(): Stoppable | undefined {
    return this.#stopPrev;
  }

  set stopPrev(task: Stoppable | undefined) {
    this.#stopPrev = task;
  }

  get stopNext(): Stoppable | undefined {
    return this.#stopNext;
  }

  set stopNext(task: Stoppable | undefined) {
    this.#stopNext = task;
  }

  get stopRun(): number {
    return this.#stopRun;
  }

  set stopRun(run: number) {
    this.#stopRun = run;
  }
}

/** The arguments of a task that has a transfer list, with that list. */
class WithTransfer {
  constructor(
    readonly args: readonly unknown[],
    readonly transfer: readonly unknown[],
  ) {}
}
