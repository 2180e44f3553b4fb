import { Deque } from '../internal/deque.js';
import { Waiters } from '../internal/waiters.js';
import type { TaskRecord } from './task-record.js';

/**
 * The pool's queue of tasks not sent yet, in order, with its live count, its bound (`maxQueue`) and the
 * producers waiting in `room()` for it to drop below that bound. A record whose future was settled while
 * queued (cancelled, aborted) stays in the deque and is skipped lazily; {@link live} does not count it.
 */
export class TaskQueue {
  readonly #records = new Deque<TaskRecord>();
  /** Queued records whose futures are not done. The engine keeps it right where it settles a queued task. */
  live = 0;
  readonly #maxQueue: number;
  /** Called for each dead record that leaves the queue (to remove its abort hooks). */
  readonly #release: (record: TaskRecord) => void;
  /** Whether the pool still takes work: only then are room() waiters woken. */
  readonly #open: () => boolean;
  /** Producers waiting in room() for the queue to drop below maxQueue. */
  readonly #roomWaiters = new Waiters<void>();
  /**
   * Producers let through by room() whose submit has not come yet: room is held for them until their
   * submit, or until the end of this turn of the event loop, so that several producers doing
   * `await pool.room(); pool.submit(...)` are never let through beyond maxQueue.
   */
  #granted = 0;
  #grantsExpire: NodeJS.Immediate | undefined;

  constructor(maxQueue: number, release: (record: TaskRecord) => void, open: () => boolean) {
    this.#maxQueue = maxQueue;
    this.#release = release;
    this.#open = open;
  }

  /** Records in the deque, dead ones included (for walking it with {@link at}). */
  get length(): number {
    return this.#records.length;
  }

  at(index: number): TaskRecord | undefined {
    return this.#records.at(index);
  }

  /**
   * Whether a submit may queue one more task. A `counted` submit uses up the place room() held for it, and
   * is refused when `maxQueue` tasks wait; one not counted (a map chunk, a background task) always may.
   */
  admits(counted: boolean): boolean {
    if (!counted) return true;
    if (this.#granted > 0) this.#granted--;
    return this.live < this.#maxQueue;
  }

  push(record: TaskRecord): void {
    this.#records.push(record);
    this.live++;
  }

  /** Puts `records` back at the front, `records[0]` first: tasks taken back, or left by a dead worker. */
  requeue(records: readonly TaskRecord[]): void {
    for (let i = records.length - 1; i >= 0; i--) this.#records.unshift(records[i]!);
    this.live += records.length;
  }

  /** The oldest queued record whose future is not done; done ones met on the way leave the queue. */
  head(): TaskRecord | undefined {
    let head = this.#records.peek();
    while (head !== undefined && head.done()) {
      this.#release(this.#records.shift()!);
      head = this.#records.peek();
    }
    return head;
  }

  /** Removes the record {@link head} returned: it is being sent. */
  take(): void {
    this.#records.shift();
    this.live--;
  }

  /**
   * Cancels every queued task that can be (each cancel settles its count through the future's owner). A
   * process task queued again after its worker died before beginning it was started when first sent, so it
   * cannot be cancelled: it stays queued and runs.
   */
  cancelAll(): void {
    const kept: TaskRecord[] = [];
    for (const record of this.#records.drain()) {
      if (!record.done() && !record.cancel()) kept.push(record);
      else this.#release(record);
    }
    for (const record of kept) this.#records.push(record);
  }

  /** Empties the queue, dead records included, and returns them in order. The caller sets {@link live}. */
  drain(): TaskRecord[] {
    return this.#records.drain();
  }

  /**
   * Resolves once fewer than `maxQueue` tasks wait, so that a `submit` made right after is accepted (unless
   * other code fills the queue first). Waiters are woken in order, as many as there is room.
   */
  room(signal: AbortSignal | undefined): Promise<void> {
    if (this.#roomWaiters.length === 0 && this.live + this.#granted < this.#maxQueue) {
      this.#grant();
      return Promise.resolve();
    }
    return this.#roomWaiters.enqueue(undefined, signal).promise;
  }

  /** Whether producers wait in room(). */
  get waiting(): boolean {
    return this.#roomWaiters.length > 0;
  }

  /** No submit can succeed any more: producers waiting for room learn `reason`. */
  refuseWaiters(reason: unknown): void {
    this.#roomWaiters.rejectAll(reason);
  }

  /**
   * Wakes as many room() waiters, oldest first, as the queue has room for, each holding its place (see
   * #grant). The place of one that does not submit comes back when the grants expire, which wakes the next.
   */
  wakeWaiters(): void {
    if (!this.#open()) return;
    for (let room = this.#maxQueue - this.live - this.#granted; room > 0 && this.#roomWaiters.wakeFirst(undefined); room--) {
      this.#grant();
    }
  }

  /** Holds one place in the queue for a producer let through by room(), until its submit or this turn's end. */
  #grant(): void {
    this.#granted++;
    if (this.#grantsExpire !== undefined) return;
    this.#grantsExpire = setImmediate(() => {
      this.#grantsExpire = undefined;
      this.#granted = 0;
      // A producer that did not submit leaves its place to those still waiting.
      if (this.#roomWaiters.length > 0) this.wakeWaiters();
    });
  }
}
