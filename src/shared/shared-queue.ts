import { v8Module } from '../internal/lazy-builtins.js';
import { QueueEmpty, QueueFull, QueueShutDown, TimeoutError } from '../futures/errors.js';
import { validateInteger, validateOptions } from '../internal/validate.js';
import { QueueState, untilShutDown, type QueueShutdownOptions } from '../sync/queue.js';
import { ByteRing } from './byte-ring.js';
import { bufferOf, newMemory, type SharedHandle } from './handle.js';
import { attemptNow, give, recoverWord, tryTake } from './owner-word.js';
import { recoverOnExit } from './recovery.js';
import {
  assertMayBlock,
  deadlineOf,
  Retry,
  TIMED_OUT,
  untilAsync,
  untilSync,
  type SharedSyncWaitOptions,
  type SharedWaitOptions,
} from './wait.js';

const KIND = 'SharedQueue';
// Header, in 32-bit words. GUARD is an owner word held only while a record is copied in or out. PUTS and
// TAKES are bumped after every put and get (and by shutdown): getters watch PUTS, putters watch TAKES.
const GUARD = 0;
const PUTS = 1;
const TAKES = 2;
const STATE = 3;
const COUNT = 4;
const MAX_ITEMS = 5;
const MARK = 6;
// Then, as two doubles at byte 32, the total bytes ever taken out (HEAD) and put in (TAIL): the ring
// position is the total modulo the capacity. A put commits by one store to TAIL, a get by one store to
// HEAD, so a thread stopped at any instruction leaves the records whole; at worst COUNT, updated just
// after, is off by one (it only serves `maxsize` and `qsize()`).
const TOTALS_AT = 32;
const HEAD = 0;
const TAIL = 1;
const HEADER_BYTES = 64;
const OPEN = 0;
const SHUT_DOWN = 1;
const SHUT_DOWN_IMMEDIATE = 2;
const SHUT = Symbol('shut down');

/**
 * Options of {@link SharedQueue}.
 * @example
 * ```ts
 * import { SharedQueue } from 'aiox';
 * // 64 KiB for the serialized items and at most 100 of them; a put of an item that can never fit throws RangeError.
 * const queue = new SharedQueue<{ id: number; path: string }>({ maxBytes: 64 * 1024, maxsize: 100 });
 * console.log(queue.maxBytes, queue.maxsize); // 65536 100
 * ```
 */
export interface SharedQueueOptions {
  /** Bytes of shared memory for the items, each taking its serialized size plus 4. @default 1048576 (1 MiB) */
  readonly maxBytes?: number;
  /** The most items the queue holds, whatever their size; 0 or `Infinity` means no limit but `maxBytes`. @default 0 */
  readonly maxsize?: number;
}

let adopting: SharedArrayBuffer | undefined;

/**
 * A first-in first-out queue of structured-clone values in shared memory, across the main thread and
 * worker threads. Each value is serialized with `node:v8` into a ring of bytes in a `SharedArrayBuffer`,
 * so it is copied once in and once out, with no message to any thread. Bounded by bytes (`maxBytes`) and
 * optionally by items (`maxsize`): `put` waits while the value does not fit, `get` while the queue is
 * empty; the `Nowait` forms throw `QueueFull` / `QueueEmpty` instead, and the `Sync` forms block a worker.
 * `shutdown()` makes puts fail with `QueueShutDown`, and gets once the queue is empty. Order between threads
 * is the order in which puts took the queue's internal guard; no fairness among waiters is promised.
 *
 * The internal guard records its owner like a {@link SharedLock}: if a thread-pool worker dies while
 * copying a record, the main thread frees the guard when the pool reports the exit. Until then, a call
 * that must not wait on the main thread (`putNowait`, `getNowait`) gives up after 100 ms as if the queue
 * were full or empty. Pass the queue to a thread task as an argument and rebuild it with
 * {@link SharedQueue.from}. Process pools share no memory: use a {@link Queue} in the parent process.
 *
 * @example
 * ```ts
 * // file: tasks.ts
 * import { defineTask, SharedQueue, type SharedHandle } from 'aiox';
 * export const produce = defineTask(import.meta.url, function produce(handle: SharedHandle<'SharedQueue'>, n: number): void {
 *   const queue = SharedQueue.from<{ n: number }>(handle);
 *   for (let i = 0; i < n; i++) queue.putSync({ n: i });
 * });
 * ```
 * ```ts
 * import { SharedQueue, ThreadPoolExecutor } from 'aiox';
 * import { produce } from './tasks.js';
 * await using pool = new ThreadPoolExecutor();
 * const queue = new SharedQueue<{ n: number }>({ maxBytes: 4096 });
 * const done = pool.submit(produce, queue, 100);
 * for (let i = 0; i < 100; i++) console.log((await queue.get()).n);
 * await done;
 * ```
 */
export class SharedQueue<T> implements SharedHandle<'SharedQueue'>, AsyncIterable<T> {
  /** The kind tag that survives structured cloning; see {@link SharedQueue.from}. */
  readonly aioxShared = KIND;
  /** The shared memory: a header of counters, then the ring of serialized items. */
  readonly buffer: SharedArrayBuffer;
  readonly #cells: Int32Array;
  readonly #totals: Float64Array;
  readonly #ring: ByteRing;

  /** @throws {RangeError} if `maxBytes` is not an integer >= 8, or `maxsize` not an integer >= 0. */
  constructor(options: SharedQueueOptions = {}) {
    validateOptions(options);
    if (adopting === undefined) {
      const { maxBytes = 1 << 20, maxsize = 0 } = options;
      validateInteger(maxBytes, 'maxBytes', 8);
      validateInteger(maxsize, 'maxsize', 0, true);
      this.buffer = newMemory(KIND, HEADER_BYTES + maxBytes, MARK);
      this.#cells = new Int32Array(this.buffer, 0, HEADER_BYTES / 4);
      this.#cells[MAX_ITEMS] = maxsize === Infinity || maxsize > 0x7fffffff ? 0 : maxsize;
    } else {
      this.buffer = adopting;
      adopting = undefined;
      this.#cells = new Int32Array(this.buffer, 0, HEADER_BYTES / 4);
    }
    this.#totals = new Float64Array(this.buffer, TOTALS_AT, 2);
    this.#ring = new ByteRing(new Uint8Array(this.buffer, HEADER_BYTES));
    const cells = this.#cells;
    recoverOnExit(this, (token) => void recoverWord(cells, GUARD, token));
  }

  /**
   * Rebuilds a working queue from its structured clone, over the same memory. Given a `SharedQueue`,
   * returns it as is. The item type is not checked: say it with the type parameter.
   *
   * @throws {TypeError} if `value` is neither a SharedQueue nor its clone, or its memory is not a valid
   *   SharedQueue's (the message names the broken invariant).
   * @example
   * ```ts
   * import { SharedQueue } from 'aiox';
   * const queue = SharedQueue.from<string>(structuredClone(new SharedQueue<string>()));
   * ```
   */
  static from<T>(value: SharedHandle<'SharedQueue'>): SharedQueue<T> {
    if (value instanceof SharedQueue) return value as SharedQueue<T>;
    adopting = bufferOf(value, KIND, HEADER_BYTES + 8, MARK, checkQueueHeader);
    return new SharedQueue<T>();
  }

  /** Bytes of memory for the items. */
  get maxBytes(): number {
    return this.#ring.capacity;
  }

  /** The most items the queue holds; `Infinity` when only `maxBytes` limits it. */
  get maxsize(): number {
    return Atomics.load(this.#cells, MAX_ITEMS) || Infinity;
  }

  /** `OPEN` or `SHUT_DOWN`. */
  get state(): QueueState {
    return Atomics.load(this.#cells, STATE) === OPEN ? QueueState.OPEN : QueueState.SHUT_DOWN;
  }

  /** The number of items in the queue (a snapshot). */
  qsize(): number {
    return Atomics.load(this.#cells, STATE) === SHUT_DOWN_IMMEDIATE ? 0 : Math.max(0, Atomics.load(this.#cells, COUNT));
  }

  /** True when the queue holds no item (a snapshot). */
  empty(): boolean {
    return this.qsize() === 0;
  }

  /**
   * Puts `value` at the end, waiting without blocking the thread while it does not fit.
   *
   * @param options.signal Aborting it while waiting rejects with `signal.reason` and adds nothing.
   * @param options.timeout Milliseconds to wait at most; then rejects with `TimeoutError`. @default Infinity
   * @throws {QueueShutDown} if the queue is shut down, before or while waiting; {RangeError} if the value
   * can never fit in `maxBytes`; a `DataCloneError` if it cannot be serialized; {TimeoutError}.
   * @example
   * ```ts
   * import { SharedQueue } from 'aiox';
   * const queue = new SharedQueue<string>();
   * await queue.put('hello', { timeout: 1000 });
   * ```
   */
  async put(value: T, options: SharedWaitOptions = {}): Promise<void> {
    const deadline = deadlineOf(options);
    const result = await untilAsync(this.#cells, this.#putAttempt(value), options.signal, deadline);
    this.#putDone(result);
  }

  /**
   * The blocking form of {@link SharedQueue.put}, for worker threads.
   *
   * @throws {InvalidStateError} on the main thread; otherwise as `put`.
   * @example
   * ```ts
   * import { SharedQueue } from 'aiox';
   * function inWorker(queue: SharedQueue<number>): void {
   *   queue.putSync(42, { timeout: 5000 });
   * }
   * ```
   */
  putSync(value: T, options: SharedSyncWaitOptions = {}): void {
    assertMayBlock('putSync');
    const deadline = deadlineOf(options);
    this.#putDone(untilSync(this.#cells, this.#putAttempt(value), deadline));
  }

  /**
   * Puts `value` at the end if it fits right now.
   *
   * @throws {QueueFull} if it does not fit now; {QueueShutDown} if the queue is shut down.
   * @example
   * ```ts
   * import { SharedQueue } from 'aiox';
   * new SharedQueue<number>({ maxsize: 1 }).putNowait(1);
   * ```
   */
  putNowait(value: T): void {
    const result = attemptNow(this.#cells, GUARD, this.#putAttempt(value));
    if (result === undefined) throw new QueueFull();
    this.#putDone(result);
  }

  /**
   * Takes the first item, waiting without blocking the thread while the queue is empty.
   *
   * @param options.signal Aborting it while waiting rejects with `signal.reason` and takes nothing.
   * @param options.timeout Milliseconds to wait at most; then rejects with `TimeoutError`. @default Infinity
   * @throws {QueueShutDown} if the queue is shut down and empty, before or while waiting; {TimeoutError}.
   * @example
   * ```ts
   * import { SharedQueue } from 'aiox';
   * const queue = new SharedQueue<string>();
   * queue.putNowait('hi');
   * await queue.get(); // 'hi'
   * ```
   */
  async get(options: SharedWaitOptions = {}): Promise<T> {
    const deadline = deadlineOf(options);
    return this.#got(await untilAsync(this.#cells, this.#getAttempt(), options.signal, deadline));
  }

  /**
   * The blocking form of {@link SharedQueue.get}, for worker threads.
   *
   * @throws {InvalidStateError} on the main thread; otherwise as `get`.
   * @example
   * ```ts
   * import { SharedQueue } from 'aiox';
   * function inWorker(queue: SharedQueue<number>): number {
   *   return queue.getSync({ timeout: 5000 });
   * }
   * ```
   */
  getSync(options: SharedSyncWaitOptions = {}): T {
    assertMayBlock('getSync');
    const deadline = deadlineOf(options);
    return this.#got(untilSync(this.#cells, this.#getAttempt(), deadline));
  }

  /**
   * Takes the first item if there is one right now.
   *
   * @throws {QueueEmpty} if the queue is empty; {QueueShutDown} if it is shut down and empty.
   * @example
   * ```ts
   * import { SharedQueue } from 'aiox';
   * const queue = new SharedQueue<number>();
   * queue.putNowait(1);
   * queue.getNowait(); // 1
   * ```
   */
  getNowait(): T {
    const result = attemptNow(this.#cells, GUARD, this.#getAttempt());
    if (result === undefined) throw new QueueEmpty();
    return this.#got(result);
  }

  /**
   * Shuts the queue down for every thread: puts fail with `QueueShutDown` from now on, and gets once the
   * queue is empty (at once with `immediate`, which drops the items). Waiters everywhere wake up.
   *
   * @param options.immediate Drop the items still queued. @default false
   * @example
   * ```ts
   * import { SharedQueue } from 'aiox';
   * const queue = new SharedQueue<number>();
   * queue.shutdown();
   * ```
   */
  shutdown(options: QueueShutdownOptions = {}): void {
    validateOptions(options);
    const state = options.immediate === true ? SHUT_DOWN_IMMEDIATE : SHUT_DOWN;
    const cells = this.#cells;
    // Only ever moves forward: OPEN -> SHUT_DOWN -> SHUT_DOWN_IMMEDIATE.
    for (let seen = Atomics.load(cells, STATE); seen < state; seen = Atomics.load(cells, STATE)) {
      if (Atomics.compareExchange(cells, STATE, seen, state) === seen) break;
    }
    wake(cells, PUTS);
    wake(cells, TAKES);
  }

  /**
   * Yields items as they come, until the queue is shut down and empty.
   *
   * @example
   * ```ts
   * import { SharedQueue } from 'aiox';
   * const queue = new SharedQueue<number>();
   * queue.putNowait(1);
   * queue.shutdown();
   * for await (const n of queue) console.log(n); // 1
   * ```
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return untilShutDown(() => this.get());
  }

  #putAttempt(value: T): () => true | typeof SHUT | Retry {
    const payload = v8Module().serialize(value);
    const size = 4 + payload.length;
    if (size > this.#ring.capacity) {
      throw new RangeError(`value takes ${size} bytes in the queue (serialized, with a 4-byte header), more than maxBytes (${this.#ring.capacity})`);
    }
    const cells = this.#cells;
    const totals = this.#totals;
    const ring = this.#ring;
    return () => {
      const seen = Atomics.load(cells, TAKES);
      if (Atomics.load(cells, STATE) !== OPEN) return SHUT;
      const guard = tryTake(cells, GUARD);
      if (guard !== true) return guard;
      try {
        const tail = totals[TAIL]!;
        const max = cells[MAX_ITEMS]!;
        if (ring.capacity - (tail - totals[HEAD]!) < size || (max > 0 && cells[COUNT]! >= max)) return new Retry(TAKES, seen);
        ring.write(tail % ring.capacity, payload);
        totals[TAIL] = tail + size;
        cells[COUNT] = cells[COUNT]! + 1;
        return true;
      } finally {
        give(cells, GUARD);
      }
    };
  }

  #putDone(result: true | typeof SHUT | typeof TIMED_OUT): void {
    if (result === SHUT) throw new QueueShutDown();
    if (result === TIMED_OUT) throw new TimeoutError('SharedQueue.put() timed out');
    wake(this.#cells, PUTS);
  }

  #getAttempt(): () => Uint8Array | typeof SHUT | Retry {
    const cells = this.#cells;
    const totals = this.#totals;
    const ring = this.#ring;
    return () => {
      const seen = Atomics.load(cells, PUTS);
      const state = Atomics.load(cells, STATE);
      if (state === SHUT_DOWN_IMMEDIATE) return SHUT;
      const guard = tryTake(cells, GUARD);
      if (guard !== true) return guard;
      try {
        const head = totals[HEAD]!;
        if (head === totals[TAIL]) return state === OPEN ? new Retry(PUTS, seen) : SHUT;
        const payload = ring.read(head % ring.capacity, totals[TAIL]! - head - 4);
        totals[HEAD] = head + 4 + payload.length;
        cells[COUNT] = cells[COUNT]! - 1;
        return payload;
      } finally {
        give(cells, GUARD);
      }
    };
  }

  #got(result: Uint8Array | typeof SHUT | typeof TIMED_OUT): T {
    if (result === SHUT) throw new QueueShutDown();
    if (result === TIMED_OUT) throw new TimeoutError('SharedQueue.get() timed out');
    wake(this.#cells, TAKES);
    return v8Module().deserialize(result) as T;
  }
}

/** The invariants of a queue's memory that hold at every instant, whatever other threads do. */
function checkQueueHeader(cells: Int32Array, buffer: SharedArrayBuffer): string | undefined {
  const capacity = buffer.byteLength - HEADER_BYTES;
  const guard = Atomics.load(cells, GUARD);
  if (guard < 0) return `its guard word is ${guard}, expected 0 or a thread's token`;
  const state = Atomics.load(cells, STATE);
  if (state !== OPEN && state !== SHUT_DOWN && state !== SHUT_DOWN_IMMEDIATE) return `its state is ${state}, expected 0, 1 or 2`;
  const max = Atomics.load(cells, MAX_ITEMS);
  if (max < 0) return `its maxsize is ${max}, expected 0 (none) or more`;
  // Every record takes at least 4 bytes; COUNT may be off by one for a moment (see TOTALS_AT).
  const count = Atomics.load(cells, COUNT);
  if (count < -1 || count > capacity / 4 + 1) return `it counts ${count} items, impossible in ${capacity} bytes`;
  const totals = new Float64Array(buffer, TOTALS_AT, 2);
  // The totals only grow. Reading HEAD on both sides of TAIL gives a pair that held at one instant.
  for (let tries = 0; ; tries++) {
    const head = totals[HEAD]!;
    const tail = totals[TAIL]!;
    if (totals[HEAD] !== head && tries < 100) continue;
    const whole = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;
    if (!whole(head) || !whole(tail) || head > tail || tail - head > capacity) {
      return `its ring positions (${head}, ${tail}) do not fit its ${capacity} bytes`;
    }
    return undefined;
  }
}

function wake(cells: Int32Array, index: number): void {
  Atomics.add(cells, index, 1);
  Atomics.notify(cells, index);
}
