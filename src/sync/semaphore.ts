import { validateInteger, validateOptions, validateSignal } from '../internal/validate.js';
import { Waiters } from '../internal/waiters.js';
import type { AcquireOptions } from './lock.js';
import { releasable, type Releasable } from './releasable.js';

/**
 * A counting semaphore, like asyncio's `Semaphore`, plus `acquireMany(n)` from aioextensions: a
 * request for `n` permits is granted all at once or not at all.
 *
 * Requests are served strictly first in first out: a request for 5 permits at the head of the line makes
 * a later request for 1 wait even if 1 permit is free. That is what keeps large requests from starving,
 * and since nobody ever holds part of a request while waiting for the rest, concurrent `acquireMany`
 * calls cannot deadlock each other.
 *
 * Give each acquisition back one way: through its handle, or with `release()`, never both. A semaphore has
 * no holder (as in asyncio), so a bare `release()` cannot say whose permits it returns, and a handle used
 * after `release()` already gave its permits back would give them back a second time. (A {@link Lock} has
 * one holder at a time and does tell: there a stale handle does nothing.) `BoundedSemaphore` at least
 * throws when such a double release would exceed its bound.
 *
 * @example
 * ```ts
 * import { Semaphore } from 'aiox';
 * const slots = new Semaphore(3);
 * async function fetchLimited(url: string): Promise<Response> {
 *   await using _permit = await slots.acquire();
 *   return fetch(url); // at most 3 at a time
 * }
 * ```
 */
export class Semaphore {
  #value: number;
  // The data of each waiter is how many permits it asks for. When a waiter at the head leaves by abort,
  // the ones behind it may now fit, hence the wake on abort.
  readonly #waiters = new Waiters<void, number>(() => this.#wake());

  /**
   * @param value The number of permits available at first. @default 1
   * @throws {RangeError} if `value` is not an integer >= 0.
   */
  constructor(value = 1) {
    validateInteger(value, 'value', 0);
    this.#value = value;
  }

  /** The number of permits free right now. */
  get value(): number {
    return this.#value;
  }

  /** True when `acquire()` would have to wait: no permit is free, or others are already waiting. */
  locked(): boolean {
    return this.#value === 0 || this.#waiters.length > 0;
  }

  /**
   * Takes one permit, waiting for it if needed; the same as `acquireMany(1, options)`.
   *
   * @throws {TypeError} for a `signal` that is not an AbortSignal.
   * @example
   * ```ts
   * import { Semaphore } from 'aiox';
   * const sem = new Semaphore(2);
   * const permit = await sem.acquire();
   * permit.release();
   * ```
   */
  acquire(options: AcquireOptions = {}): Promise<Releasable> {
    return this.acquireMany(1, options);
  }

  /**
   * Takes `n` permits at once, waiting in line until all `n` are free. Resolves to a handle that gives all
   * `n` back once (also through `using` / `await using`). Asking for more permits than the semaphore
   * holds now, even more than it started with, is not an error: the call waits, since a `release()` may
   * add permits beyond the initial value (as in asyncio). A {@link BoundedSemaphore}, which can never hold
   * more than it started with, throws `RangeError` instead. An abort while waiting takes nothing, so there
   * is nothing to give back; an abort after the permits were granted changes nothing.
   *
   * @param n How many permits to take.
   * @param options.signal Aborting it while waiting rejects with `signal.reason` and leaves the line.
   * @throws {RangeError} if `n` is not an integer >= 1; {TypeError} for a bad `signal`.
   * @example
   * ```ts
   * import { Semaphore } from 'aiox';
   * const memory = new Semaphore(1024); // megabytes
   * await using _mb = await memory.acquireMany(300, { signal: AbortSignal.timeout(5000) });
   * ```
   */
  acquireMany(n: number, options: AcquireOptions = {}): Promise<Releasable> {
    validateOptions(options);
    validateInteger(n, 'n', 1);
    const { signal } = options;
    validateSignal(signal);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const handle = releasable(() => this.release(n));
    if (this.#waiters.length === 0 && this.#value >= n) {
      this.#value -= n;
      return Promise.resolve(handle);
    }
    return this.#waiters.enqueue(n, signal).promise.then(() => handle);
  }

  /**
   * Gives back `n` permits and wakes the waiters that now fit, in order.
   *
   * @param n How many permits to give back. @default 1
   * @throws {RangeError} if `n` is not an integer >= 1.
   * @example
   * ```ts
   * import { Semaphore } from 'aiox';
   * const sem = new Semaphore(0);
   * sem.release(); // now 1 permit is free
   * ```
   */
  release(n = 1): void {
    validateInteger(n, 'n', 1);
    this.#value += n;
    this.#wake();
  }

  #wake(): void {
    // The permits are taken here, synchronously with the wake, so an abort arriving later cannot find
    // the waiter still in line: a permit is either granted or never taken, never both.
    while (this.#waiters.length > 0 && this.#value >= this.#waiters.peek()!) {
      this.#value -= this.#waiters.peek()!;
      this.#waiters.wakeFirst();
    }
  }
}
