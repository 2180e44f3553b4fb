import { InvalidStateError } from '../futures/errors.js';
import { describe, validateFunction, validateInteger, validateOptions, validateSignal } from '../internal/validate.js';
import { Waiters } from '../internal/waiters.js';
import { holding, Lock, type AcquireOptions } from './lock.js';
import type { Releasable } from './releasable.js';

/**
 * Options of {@link Condition.wait} and {@link Condition.waitFor}.
 * @example
 * ```ts
 * import { Condition } from 'aiox';
 * const cond = new Condition();
 * const jobs: string[] = [];
 * const giveUp = new AbortController();
 * setTimeout(() => giveUp.abort(), 100);
 * await using _held = await cond.acquire();
 * // The lock is taken back before the call rejects, so `_held` still releases it rightly.
 * await cond.waitFor(() => jobs.length > 0, { signal: giveUp.signal }).catch((e) => console.log(e.name)); // AbortError
 * ```
 */
export interface ConditionWaitOptions {
  /**
   * Stops waiting: the lock is taken back, then the call rejects with `signal.reason`. A waiter already
   * notified is not stopped by a later abort, so no notification is lost.
   */
  readonly signal?: AbortSignal;
}

/**
 * A condition variable, like asyncio's `Condition`: tasks holding the lock wait until another task that
 * holds it calls `notify()`. `wait`, `waitFor`, `notify` and `notifyAll` throw unless the lock is held
 * (the lock tracks no owner, so "held" means "locked by someone", as in asyncio).
 *
 * @example
 * ```ts
 * import { Condition } from 'aiox';
 * const cond = new Condition();
 * const items: number[] = [];
 * const consumer = (async () => {
 *   await using _held = await cond.acquire();
 *   await cond.waitFor(() => items.length > 0);
 *   return items.shift();
 * })();
 * {
 *   await using _held = await cond.acquire();
 *   items.push(42);
 *   cond.notify();
 * }
 * await consumer; // 42
 * ```
 */
export class Condition {
  readonly #lock: Lock;
  readonly #waiters = new Waiters<void>();

  /** @param lock The lock to use, shared with other conditions if wanted. @default a new Lock */
  constructor(lock: Lock = new Lock()) {
    if (!(lock instanceof Lock)) throw new TypeError(`lock must be a Lock, received ${describe(lock)}`);
    this.#lock = lock;
  }

  /** True while the underlying lock is held. */
  locked(): boolean {
    return this.#lock.locked();
  }

  /** Acquires the underlying lock; see {@link Lock.acquire}. */
  acquire(options: AcquireOptions = {}): Promise<Releasable> {
    return this.#lock.acquire(options);
  }

  /** Releases the underlying lock; see {@link Lock.release}. @throws {InvalidStateError} if it is not held. */
  release(): void {
    this.#lock.release();
  }

  /**
   * Releases the lock, waits for a `notify`, and takes the lock back before it returns, whether it was
   * notified or aborted.
   *
   * @throws {InvalidStateError} if the lock is not held; {TypeError} for a bad `signal`.
   * @example
   * ```ts
   * import { Condition } from 'aiox';
   * const cond = new Condition();
   * await cond.acquire();
   * setTimeout(async () => { await cond.acquire(); cond.notifyAll(); cond.release(); }, 10);
   * await cond.wait(); // holds the lock again here
   * cond.release();
   * ```
   */
  async wait(options: ConditionWaitOptions = {}): Promise<void> {
    validateOptions(options);
    const { signal } = options;
    validateSignal(signal);
    this.#assertLocked('wait');
    signal?.throwIfAborted();
    const ticket = this.#waiters.enqueue(undefined, signal);
    // The caller's hold goes on after the wait: the handle it got from acquire() must still release it.
    const hold = holding.current(this.#lock);
    this.#lock.release();
    try {
      await ticket.promise;
    } finally {
      // No signal here: the caller entered holding the lock and must leave holding it, even when aborted.
      await this.#lock.acquire();
      holding.restore(this.#lock, hold);
    }
  }

  /**
   * Waits until `predicate()` returns a truthy value and resolves to that value. The predicate is checked
   * first, then after every notification, always with the lock held.
   *
   * @throws {InvalidStateError} if the lock is not held; {TypeError} for a predicate that is not a function.
   * @example
   * ```ts
   * import { Condition } from 'aiox';
   * const cond = new Condition();
   * let ready = false;
   * await cond.acquire();
   * setTimeout(async () => { await cond.acquire(); ready = true; cond.notify(); cond.release(); }, 10);
   * await cond.waitFor(() => ready);
   * cond.release();
   * ```
   */
  async waitFor<R>(predicate: () => R, options: ConditionWaitOptions = {}): Promise<R> {
    validateOptions(options);
    validateFunction(predicate, 'predicate');
    validateSignal(options.signal);
    this.#assertLocked('waitFor');
    let result = predicate();
    while (!result) {
      await this.wait(options);
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` waiters, first come first served. They run once they get the lock back.
   *
   * @param n How many waiters to wake. @default 1
   * @throws {InvalidStateError} if the lock is not held; {RangeError} if `n` is not an integer >= 0.
   * @example
   * ```ts
   * import { Condition } from 'aiox';
   * const cond = new Condition();
   * await cond.acquire();
   * cond.notify(2);
   * cond.release();
   * ```
   */
  notify(n = 1): void {
    validateInteger(n, 'n', 0, true);
    this.#assertLocked('notify');
    for (let i = 0; i < n && this.#waiters.wakeFirst(); i++);
  }

  /**
   * Wakes every waiter.
   *
   * @throws {InvalidStateError} if the lock is not held.
   * @example
   * ```ts
   * import { Condition } from 'aiox';
   * const cond = new Condition();
   * await cond.acquire();
   * cond.notifyAll();
   * cond.release();
   * ```
   */
  notifyAll(): void {
    this.notify(Infinity);
  }

  #assertLocked(method: string): void {
    if (!this.#lock.locked()) throw new InvalidStateError(`${method}() called without holding the Condition's lock`);
  }
}
