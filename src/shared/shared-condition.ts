import { InvalidStateError } from '../futures/errors.js';
import { describe, validateFunction, validateInteger } from '../internal/validate.js';
import type { Releasable } from '../sync/releasable.js';
import { bufferOf, newMemory, type SharedHandle } from './handle.js';
import { SharedLock, sharedHolding } from './shared-lock.js';
import { assertMayBlock, deadlineOf, Retry, TIMED_OUT, untilAsync, untilSync, type SharedSyncWaitOptions, type SharedWaitOptions } from './wait.js';

const KIND = 'SharedCondition';
// One word, bumped by every notify: a waiter returns once it differs from what it saw before releasing.
const NOTIFIES = 0;
const MARK = 1;
const BYTES = 8;

let adopting: SharedArrayBuffer | undefined;

/**
 * What a {@link SharedCondition} becomes when structured-cloned: its own memory and its lock's.
 * @example
 * ```ts
 * import { SharedCondition, SharedLock, type SharedConditionHandle } from 'aiox';
 * const handle: SharedConditionHandle = structuredClone(new SharedCondition()); // what a worker receives
 * const cond = SharedCondition.from(handle);
 * const lock = SharedLock.from(handle.lock); // the condition's own lock, usable alone
 * ```
 */
export interface SharedConditionHandle extends SharedHandle<'SharedCondition'> {
  readonly lock: SharedHandle<'SharedLock'>;
}

/**
 * A condition variable in shared memory, like asyncio's `Condition` across worker threads: a thread
 * holding the lock waits until another thread holding it calls `notify()`. Together with a plain
 * `Int32Array` over a `SharedArrayBuffer` for the state, it covers what a `SharedLock` alone cannot: waiting
 * for the state to change. `wait`, `waitFor`, `notify` and `notifyAll` throw unless the calling thread
 * holds the lock. As with threading's `Condition`, a wait may return without a notify (when another
 * thread's aborted wait shakes the word), so wait for a predicate with `waitFor`.
 *
 * A thread that dies while waiting holds nothing; one that dies holding the lock is covered by the lock's
 * dead-owner recovery. Pass it to a thread task as an argument and rebuild it with {@link SharedCondition.from}.
 *
 * @example
 * ```ts
 * import { SharedCondition } from 'aiox';
 * const cond = new SharedCondition();
 * const state = new Int32Array(new SharedArrayBuffer(4));
 * // in a worker: using _held = cond.acquireSync(); state[0] = 1; cond.notifyAll();
 * await using _held = await cond.acquire();
 * await cond.waitFor(() => state[0] === 1);
 * ```
 */
export class SharedCondition implements SharedConditionHandle {
  /** The kind tag that survives structured cloning; see {@link SharedCondition.from}. */
  readonly aioxShared = KIND;
  /** The shared memory: the notification counter. */
  readonly buffer: SharedArrayBuffer;
  /** The lock the condition uses. */
  readonly lock: SharedLock;
  readonly #cells: Int32Array;

  /**
   * @param lock The lock to use, shared with other conditions if wanted. @default a new SharedLock
   * @throws {TypeError} if `lock` is not a SharedLock.
   */
  constructor(lock: SharedLock = new SharedLock()) {
    if (!(lock instanceof SharedLock)) throw new TypeError(`lock must be a SharedLock, received ${describe(lock)}`);
    this.buffer = adopting ?? newMemory(KIND, BYTES, MARK);
    adopting = undefined;
    this.lock = lock;
    this.#cells = new Int32Array(this.buffer, 0, 1);
  }

  /**
   * Rebuilds a working condition (and its lock) from its structured clone, over the same memory. Given a
   * `SharedCondition`, returns it as is.
   *
   * @throws {TypeError} if `value` is neither a SharedCondition nor its clone, or its memory (or its lock's) is
   *   not a valid one.
   * @example
   * ```ts
   * import { SharedCondition } from 'aiox';
   * const cond = SharedCondition.from(structuredClone(new SharedCondition()));
   * ```
   */
  static from(value: SharedConditionHandle): SharedCondition {
    if (value instanceof SharedCondition) return value;
    const buffer = bufferOf(value, KIND, BYTES, MARK);
    const lock = SharedLock.from(value.lock);
    adopting = buffer;
    return new SharedCondition(lock);
  }

  /** Acquires the lock without blocking the thread; see {@link SharedLock.acquire}. */
  acquire(options: SharedWaitOptions = {}): Promise<Releasable> {
    return this.lock.acquire(options);
  }

  /** Acquires the lock, blocking the worker thread; see {@link SharedLock.acquireSync}. */
  acquireSync(options: SharedSyncWaitOptions = {}): Releasable {
    return this.lock.acquireSync(options);
  }

  /** Releases the lock; see {@link SharedLock.release}. */
  release(): void {
    this.lock.release();
  }

  /**
   * Releases the lock, waits without blocking the thread for a `notify` (or the timeout), and takes the
   * lock back before it returns, whether notified, timed out or aborted.
   *
   * @returns `false` if `timeout` passed first, else `true`.
   * @throws {InvalidStateError} if this thread does not hold the lock; {RangeError} / {TypeError} for bad options.
   * @example
   * ```ts
   * import { SharedCondition } from 'aiox';
   * const cond = new SharedCondition();
   * await cond.acquire();
   * const notified = await cond.wait({ timeout: 10 }); // false: nobody notified
   * cond.release();
   * ```
   */
  async wait(options: SharedWaitOptions = {}): Promise<boolean> {
    const deadline = deadlineOf(options);
    this.#assertHeld('wait');
    const attempt = this.#attempt();
    // The caller's hold goes on after the wait: the handle it got from acquire() must still release it.
    const hold = sharedHolding.current(this.lock);
    this.lock.release();
    try {
      return (await untilAsync(this.#cells, attempt, options.signal, deadline)) !== TIMED_OUT;
    } finally {
      // No signal: the caller came in holding the lock and leaves holding it.
      await this.lock.acquire();
      sharedHolding.restore(this.lock, hold);
    }
  }

  /**
   * The blocking form of {@link SharedCondition.wait}, for worker threads.
   *
   * @throws {InvalidStateError} on the main thread, or if this thread does not hold the lock.
   * @example
   * ```ts
   * import { SharedCondition } from 'aiox';
   * function inWorker(cond: SharedCondition): void {
   *   using _held = cond.acquireSync();
   *   cond.waitSync({ timeout: 1000 });
   * }
   * ```
   */
  waitSync(options: SharedSyncWaitOptions = {}): boolean {
    assertMayBlock('waitSync');
    const deadline = deadlineOf(options);
    this.#assertHeld('waitSync');
    const attempt = this.#attempt();
    const hold = sharedHolding.current(this.lock);
    this.lock.release();
    try {
      return untilSync(this.#cells, attempt, deadline) !== TIMED_OUT;
    } finally {
      this.lock.acquireSync();
      sharedHolding.restore(this.lock, hold);
    }
  }

  /**
   * Waits until `predicate()` returns a truthy value and resolves to it; checked first, then after each
   * wake-up, always with the lock held. When `timeout` passes it resolves to the predicate's last value.
   *
   * @throws {InvalidStateError} if this thread does not hold the lock; {TypeError} for a predicate that is not a function.
   * @example
   * ```ts
   * import { SharedCondition } from 'aiox';
   * const cond = new SharedCondition();
   * const flag = new Int32Array(new SharedArrayBuffer(4));
   * await using _held = await cond.acquire();
   * await cond.waitFor(() => Atomics.load(flag, 0) === 1, { timeout: 10 }); // false after 10 ms
   * ```
   */
  async waitFor<R>(predicate: () => R, options: SharedWaitOptions = {}): Promise<R> {
    validateFunction(predicate, 'predicate');
    const deadline = deadlineOf(options);
    this.#assertHeld('waitFor');
    let result = predicate();
    while (!result) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      await this.wait({ ...options, timeout: left });
      result = predicate();
    }
    return result;
  }

  /**
   * The blocking form of {@link SharedCondition.waitFor}, for worker threads.
   *
   * @throws {InvalidStateError} on the main thread, or if this thread does not hold the lock.
   * @example
   * ```ts
   * import { SharedCondition } from 'aiox';
   * function inWorker(cond: SharedCondition, flag: Int32Array): void {
   *   using _held = cond.acquireSync();
   *   cond.waitForSync(() => flag[0] === 1);
   * }
   * ```
   */
  waitForSync<R>(predicate: () => R, options: SharedSyncWaitOptions = {}): R {
    assertMayBlock('waitForSync');
    validateFunction(predicate, 'predicate');
    const deadline = deadlineOf(options);
    this.#assertHeld('waitForSync');
    let result = predicate();
    while (!result) {
      const left = deadline - performance.now();
      if (left <= 0) break;
      this.waitSync({ timeout: left });
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` waiting threads (or async waits). They go on once they get the lock back.
   *
   * @param n How many waiters to wake. @default 1
   * @throws {InvalidStateError} if this thread does not hold the lock; {RangeError} if `n` is not an integer >= 0.
   * @example
   * ```ts
   * import { SharedCondition } from 'aiox';
   * const cond = new SharedCondition();
   * await cond.acquire();
   * cond.notify();
   * cond.release();
   * ```
   */
  notify(n = 1): void {
    validateInteger(n, 'n', 0, true);
    this.#assertHeld('notify');
    if (n === 0) return;
    Atomics.add(this.#cells, NOTIFIES, 1);
    Atomics.notify(this.#cells, NOTIFIES, n === Infinity ? undefined : n);
  }

  /**
   * Wakes every waiter.
   *
   * @throws {InvalidStateError} if this thread does not hold the lock.
   * @example
   * ```ts
   * import { SharedCondition } from 'aiox';
   * const cond = new SharedCondition();
   * await cond.acquire();
   * cond.notifyAll();
   * cond.release();
   * ```
   */
  notifyAll(): void {
    this.notify(Infinity);
  }

  #attempt(): () => true | Retry {
    const cells = this.#cells;
    const start = Atomics.load(cells, NOTIFIES);
    return () => (Atomics.load(cells, NOTIFIES) !== start ? true : new Retry(NOTIFIES, start));
  }

  #assertHeld(method: string): void {
    if (!this.lock.heldByMe()) throw new InvalidStateError(`${method}() called without holding the SharedCondition's lock in this thread`);
  }
}
