import { bufferOf, newMemory, type SharedHandle } from './handle.js';
import { assertMayBlock, deadlineOf, Retry, TIMED_OUT, untilAsync, untilSync, type SharedSyncWaitOptions, type SharedWaitOptions } from './wait.js';

const KIND = 'SharedEvent';
const FLAG = 0;
// Bumped by every set(): a waiter returns when it changes, so a set() followed at once by clear() still
// wakes everyone who was waiting at the set().
const GENERATION = 1;
const MARK = 2;
const BYTES = 12;

let adopting: SharedArrayBuffer | undefined;

/**
 * A flag in shared memory that threads wait for, like asyncio's `Event` across worker threads: `set()`
 * wakes every waiter in every thread, `clear()` lowers the flag again. The main thread waits with
 * `wait()` (its event loop keeps running); a worker may also block with `waitSync()`. Pass it to a thread
 * task as an argument and rebuild it there with {@link SharedEvent.from}.
 *
 * An event holds nothing, so a thread that dies leaves nothing behind. Process pools share no memory: use
 * an {@link Event} in the parent process (see docs/shared-memory.md).
 *
 * @example
 * ```ts
 * // file: tasks.ts
 * import { defineTask, SharedEvent, type SharedHandle } from 'aiox';
 * export const loop = defineTask(import.meta.url, function loop(handle: SharedHandle<'SharedEvent'>): number {
 *   const stop = SharedEvent.from(handle);
 *   let rounds = 0;
 *   while (!stop.isSet()) rounds++;
 *   return rounds;
 * });
 * ```
 * ```ts
 * import { SharedEvent, ThreadPoolExecutor } from 'aiox';
 * import { loop } from './tasks.js';
 * await using pool = new ThreadPoolExecutor();
 * const stop = new SharedEvent();
 * const rounds = pool.submit(loop, stop);
 * setTimeout(() => stop.set(), 100);
 * await rounds;
 * ```
 */
export class SharedEvent implements SharedHandle<'SharedEvent'> {
  /** The kind tag that survives structured cloning; see {@link SharedEvent.from}. */
  readonly aioxShared = KIND;
  /** The shared memory: the flag and a generation counter. */
  readonly buffer: SharedArrayBuffer;
  readonly #cells: Int32Array;

  /** Creates a cleared event in new shared memory. */
  constructor() {
    this.buffer = adopting ?? newMemory(KIND, BYTES, MARK);
    adopting = undefined;
    this.#cells = new Int32Array(this.buffer, 0, 2);
  }

  /**
   * Rebuilds a working event from its structured clone, over the same memory. Given a `SharedEvent`,
   * returns it as is.
   *
   * @throws {TypeError} if `value` is neither a SharedEvent nor its clone, or its memory is not a valid SharedEvent's.
   * @example
   * ```ts
   * import { SharedEvent } from 'aiox';
   * const event = SharedEvent.from(structuredClone(new SharedEvent()));
   * ```
   */
  static from(value: SharedHandle<'SharedEvent'>): SharedEvent {
    if (value instanceof SharedEvent) return value;
    adopting = bufferOf(value, KIND, BYTES, MARK, (cells) => {
      const flag = Atomics.load(cells, FLAG);
      return flag === 0 || flag === 1 ? undefined : `its flag is ${flag}, expected 0 or 1`;
    });
    return new SharedEvent();
  }

  /** True while the flag is set. */
  isSet(): boolean {
    return Atomics.load(this.#cells, FLAG) === 1;
  }

  /** Sets the flag and wakes every waiter in every thread. */
  set(): void {
    Atomics.store(this.#cells, FLAG, 1);
    Atomics.add(this.#cells, GENERATION, 1);
    Atomics.notify(this.#cells, GENERATION);
  }

  /** Lowers the flag; later waits wait again. */
  clear(): void {
    Atomics.store(this.#cells, FLAG, 0);
  }

  /**
   * Waits, without blocking the thread, until the flag is set. Resolves to `true` when it is (at once if
   * it already is), or `false` when `timeout` passes first.
   *
   * @param options.signal Aborting it rejects with `signal.reason` and leaves nothing behind.
   * @param options.timeout Milliseconds to wait at most. @default Infinity
   * @throws {RangeError} / {TypeError} for bad options.
   * @example
   * ```ts
   * import { SharedEvent } from 'aiox';
   * const ready = new SharedEvent();
   * setTimeout(() => ready.set(), 10);
   * await ready.wait(); // true
   * ```
   */
  async wait(options: SharedWaitOptions = {}): Promise<boolean> {
    const deadline = deadlineOf(options);
    const result = await untilAsync(this.#cells, this.#attempt(), options.signal, deadline);
    return result !== TIMED_OUT;
  }

  /**
   * Blocks the calling worker thread until the flag is set; `false` if `timeout` passes first.
   *
   * @param options.timeout Milliseconds to block at most. @default Infinity
   * @throws {InvalidStateError} on the main thread.
   * @example
   * ```ts
   * import { SharedEvent } from 'aiox';
   * function inWorker(go: SharedEvent): void {
   *   if (!go.waitSync({ timeout: 5000 })) throw new Error('no go');
   * }
   * ```
   */
  waitSync(options: SharedSyncWaitOptions = {}): boolean {
    assertMayBlock('waitSync');
    const deadline = deadlineOf(options);
    return untilSync(this.#cells, this.#attempt(), deadline) !== TIMED_OUT;
  }

  #attempt(): () => true | Retry {
    const start = Atomics.load(this.#cells, GENERATION);
    const cells = this.#cells;
    return () => (Atomics.load(cells, FLAG) === 1 || Atomics.load(cells, GENERATION) !== start ? true : new Retry(GENERATION, start));
  }
}
