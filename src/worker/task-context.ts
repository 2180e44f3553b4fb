import { isMainThread } from 'node:worker_threads';
import { contextSlot, PROGRESS_INTERVAL_MS, SlotState, type ContextSlot, type TaskContext } from '../tasks/current-task.js';
import { isListened } from '../wire/protocol.js';

/** Posts a report of task `seq` (`item`: a chunk's item, else -1). Throws if the value cannot be cloned. */
export type SendReport = (seq: number, kind: 'progress' | 'event', value: unknown, item: number) => void;

/** A task parked while it runs on in the background (see {@link TaskFrames.park}): what the frame held of it. */
interface Parked {
  readonly seq: number;
  readonly code: number;
  context: WorkerTaskContext | undefined;
  abortedWith: { readonly reason: unknown } | undefined;
}

/**
 * The worker's side of `currentTask()`: publishes the task running in this thread in the slot that every
 * copy of aiox reads (see tasks/current-task.ts), and makes its context on the first call only, so a task
 * that never asks costs a few field writes. The frame is the task whose synchronous part runs, or the async
 * task the worker waits for; with `concurrentTasksPerWorker`, async tasks that go on in the background are
 * parked (see {@link park}), each keeping its context, until they settle.
 */
export class TaskFrames {
  readonly #slot: ContextSlot;
  readonly #worker: TaskContext['worker'];
  readonly #send: SendReport;
  #running = false;
  #seq = 0;
  #code = 0;
  #context: WorkerTaskContext | undefined = undefined;
  /** Aborted before its context was made: why (see {@link abort}). */
  #abortedWith: { readonly reason: unknown } | undefined = undefined;
  #item = -1;
  /** Tasks running on in the background, by seq (see {@link park}). */
  readonly #parked = new Map<number, Parked>();
  /** The seq of the last task begun (tasks begin in seq order), -1 before the first. */
  #begun = -1;
  /**
   * Aborts of tasks not begun yet, by seq: the engine's request can arrive while the task waits behind
   * others, for its module or for answers to leave; it applies when the task begins (see {@link begin}).
   */
  readonly #early = new Map<number, { readonly reason: unknown }>();

  /** Told when the running task first reads its signal (a thread marks its claim, see claims.ts). */
  readonly #onWatch: ((seq: number) => void) | undefined;

  constructor(workerId: number, send: SendReport, onWatch?: (seq: number) => void) {
    this.#onWatch = onWatch;
    this.#slot = contextSlot();
    this.#slot.open = this.#open;
    this.#worker = Object.freeze({ id: workerId, kind: isMainThread ? 'process' : 'thread' });
    this.#send = send;
  }

  readonly #open = (): TaskContext => (this.#context ??= this.#make());

  #make(): WorkerTaskContext {
    const context = new WorkerTaskContext(this, `${this.#worker.id}.${this.#seq}`, this.#worker, this.#seq, isListened(this.#code), this.#send);
    context.item = this.#item;
    if (this.#abortedWith !== undefined) context.abort(this.#abortedWith.reason);
    return context;
  }

  /** The item of a map chunk whose call runs, else -1; its context's reports carry it. */
  get item(): number {
    return this.#item;
  }

  set item(item: number) {
    this.#item = item;
    if (this.#context !== undefined) this.#context.item = item;
  }

  /** Task `seq`, of {@link TaskCode} `code`, begins its synchronous part. */
  begin(seq: number, code: number): void {
    this.#running = true;
    this.#seq = seq;
    this.#code = code;
    this.#context = undefined;
    this.#abortedWith = undefined;
    this.#begun = seq;
    if (this.#early.size > 0) this.#takeEarly(seq);
    this.#item = -1;
    this.#slot.state = SlotState.RUNNING;
  }

  /**
   * Whether task `seq`, about to begin, was aborted before (see {@link abort}); if so it counts as begun and
   * its abort is taken.
   */
  abortedBeforeBegin(seq: number): boolean {
    if (this.#early.size === 0 || !this.#early.has(seq)) return false;
    this.#begun = seq;
    this.#takeEarly(seq);
    return true;
  }

  /** Task `seq` begins: its early abort becomes its own; those of tasks before it (never begun) are dropped. */
  #takeEarly(seq: number): void {
    for (const [early, abortedWith] of this.#early) {
      if (early > seq) continue;
      if (early === seq) this.#abortedWith = abortedWith;
      this.#early.delete(early);
    }
  }

  /**
   * The task whose synchronous part just returned a promise goes on in the background while the worker
   * begins others: its frame is kept aside, by seq, until {@link endParked}.
   */
  park(): void {
    this.#parked.set(this.#seq, { seq: this.#seq, code: this.#code, context: this.#context, abortedWith: this.#abortedWith });
    this.#running = false;
    this.#context = undefined;
    this.#slot.state = SlotState.AWAITING;
  }

  /** Parked task `seq`, a map chunk, calls its function for `item`: the call's synchronous part runs. */
  unpark(seq: number, item: number): void {
    const parked = this.#parked.get(seq)!;
    this.#running = true;
    this.#seq = seq;
    this.#code = parked.code;
    this.#context = parked.context;
    this.#abortedWith = parked.abortedWith;
    this.item = item;
    this.#slot.state = SlotState.RUNNING;
  }

  /** The call begun by {@link unpark} returned: its task is parked again, with the context it may have made. */
  repark(): void {
    const parked = this.#parked.get(this.#seq)!;
    parked.context = this.#context;
    parked.abortedWith = this.#abortedWith;
    this.#running = false;
    this.#context = undefined;
    this.#slot.state = SlotState.AWAITING;
  }

  /** Parked task `seq` has settled: as {@link end}, for it. */
  endParked(seq: number): { readonly error: unknown } | undefined {
    const parked = this.#parked.get(seq);
    this.#parked.delete(seq);
    return parked?.context?.close();
  }

  /** Its synchronous part returned a promise: until {@link end}, code that runs is the task after an await. */
  await(): void {
    this.#slot.state = SlotState.AWAITING;
  }

  /** An async map chunk calls its function for `item`: the call's synchronous part runs. */
  resume(item: number): void {
    this.item = item;
    this.#slot.state = SlotState.RUNNING;
  }

  /** Whether task `seq` is parked (see {@link park}). */
  parked(seq: number): boolean {
    return this.#parked.has(seq);
  }

  /**
   * The task has settled: sends its last progress value and ignores its reports from now on. Returns the
   * error that must fail the task (a report that could not be sent, see WorkerTaskContext.close), if any.
   */
  end(): { readonly error: unknown } | undefined {
    this.#running = false;
    this.#slot.state = SlotState.NONE;
    const context = this.#context;
    if (context === undefined) return undefined;
    this.#context = undefined;
    return context.close();
  }

  /** Task `seq`'s context made its signal. */
  watched(seq: number): void {
    this.#onWatch?.(seq);
  }

  /**
   * The engine asks to abort task `seq`'s signal: done if it runs, kept for its beginning if it has not begun
   * yet, ignored once it has ended.
   */
  abort(seq: number, reason: unknown): void {
    if (this.#running && seq === this.#seq) {
      if (this.#context !== undefined) this.#context.abort(reason);
      else this.#abortedWith ??= { reason };
      return;
    }
    const parked = this.#parked.get(seq);
    if (parked === undefined) {
      if (seq > this.#begun && !this.#early.has(seq)) this.#early.set(seq, { reason });
      return;
    }
    if (parked.context !== undefined) parked.context.abort(reason);
    else parked.abortedWith ??= { reason };
  }
}

/** A running task's context, made by {@link TaskFrames} on the task's first `currentTask()`. */
class WorkerTaskContext implements TaskContext {
  readonly #frames: TaskFrames;
  readonly #seq: number;
  readonly #listened: boolean;
  readonly #send: SendReport;
  #controller: AbortController | undefined = undefined;
  #abortedWith: { readonly reason: unknown } | undefined = undefined;
  #closed = false;
  // The progress value not sent yet (coalesced), with its item; #holding says whether there is one.
  #held: unknown = undefined;
  #heldItem = -1;
  #holding = false;
  /** performance.now() from which the next progress value may go. */
  #nextAt = 0;
  #timer: NodeJS.Timeout | undefined = undefined;
  /** A held value the timer could not send: it fails the task when it settles. */
  #failure: { readonly error: unknown } | undefined = undefined;
  /** The item of a map chunk whose call runs now (see TaskFrames.item), else -1. */
  item = -1;

  constructor(
    frames: TaskFrames,
    readonly id: string,
    readonly worker: TaskContext['worker'],
    seq: number,
    listened: boolean,
    send: SendReport,
  ) {
    this.#frames = frames;
    this.#seq = seq;
    this.#listened = listened;
    this.#send = send;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#abortedWith !== undefined) this.#controller.abort(this.#abortedWith.reason);
      else this.#frames.watched(this.#seq);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.#closed || this.#abortedWith !== undefined) return;
    this.#abortedWith = { reason };
    this.#controller?.abort(reason);
  }

  progress(value: unknown): void {
    if (!this.#listened || this.#closed) return;
    this.#held = value;
    this.#heldItem = this.item;
    this.#holding = true;
    const now = performance.now();
    if (now >= this.#nextAt) return this.#sendHeld(now);
    // An async task may report and then wait a long time: the value goes when its interval is over. A sync
    // loop keeps this thread busy past it, and its next call sends instead.
    if (this.#timer === undefined) {
      this.#timer = setTimeout(this.#onTimer, this.#nextAt - now);
      this.#timer.unref();
    }
  }

  emit(event: unknown): void {
    if (!this.#listened || this.#closed) return;
    // Progress held back is older than this event: the caller sees them in the order they were made.
    if (this.#holding) this.#sendHeld(performance.now());
    this.#post('event', event, this.item);
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    if (!this.#holding || this.#closed) return;
    try {
      this.#sendHeld(performance.now());
    } catch (error) {
      this.#failure ??= { error };
    }
  };

  #sendHeld(now: number): void {
    this.#holding = false;
    this.#nextAt = now + PROGRESS_INTERVAL_MS;
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const value = this.#held;
    this.#held = undefined;
    this.#post('progress', value, this.#heldItem);
  }

  #post(kind: 'progress' | 'event', value: unknown, item: number): void {
    try {
      this.#send(this.#seq, kind, value, item);
    } catch (error) {
      throw new TypeError(`the task's ${kind === 'progress' ? 'progress value' : 'event'} could not be sent to the caller: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * The task settled: sends the progress value held, if any, and ignores every report from now on. Returns
   * the error of a report that could not be sent then (or by the timer), which fails the task.
   */
  close(): { readonly error: unknown } | undefined {
    if (this.#holding) {
      try {
        this.#sendHeld(performance.now());
      } catch (error) {
        this.#failure ??= { error };
      }
    }
    this.#closed = true;
    return this.#failure;
  }
}
