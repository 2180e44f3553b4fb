import { after } from '../internal/timers.js';
import { validateOptions, validateSignal, validateTimeout } from '../internal/validate.js';
import { Waiters } from '../internal/waiters.js';

/**
 * Options of {@link Event.wait}.
 * @example
 * ```ts
 * import { Event } from 'aiox';
 * const ready = new Event();
 * const shutdown = new AbortController();
 * // false after 5 s; rejects with the reason if `shutdown` aborts first.
 * if (!(await ready.wait({ timeout: 5000, signal: shutdown.signal }))) console.log('not ready after 5 s');
 * ```
 */
export interface EventWaitOptions {
  /** Stops waiting: `wait` rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
  /** Milliseconds to wait at most; when they pass, `wait` resolves to `false`. @default Infinity */
  readonly timeout?: number;
}

/**
 * A flag that tasks can wait for, like asyncio's `Event`: `set()` wakes every waiter, `clear()` lowers the
 * flag again. A `set()` followed at once by `clear()` still wakes everyone who was waiting at the `set()`.
 *
 * @example
 * ```ts
 * import { Event } from 'aiox';
 * const ready = new Event();
 * setTimeout(() => ready.set(), 100);
 * await ready.wait(); // true, after about 100 ms
 * ```
 */
export class Event {
  #set = false;
  readonly #waiters = new Waiters<boolean>();

  /** True while the flag is set. */
  isSet(): boolean {
    return this.#set;
  }

  /** Sets the flag and wakes every waiter. Does nothing more if it was already set. */
  set(): void {
    this.#set = true;
    while (this.#waiters.wakeFirst(true));
  }

  /** Lowers the flag; later `wait()` calls wait again. Waiters already woken stay woken. */
  clear(): void {
    this.#set = false;
  }

  /**
   * Waits until the flag is set. Resolves to `true` when it is (at once if it already is), or to `false`
   * when `timeout` passes first, as Python's `threading.Event.wait(timeout)` returns.
   *
   * @param options.signal Aborting it rejects the wait with `signal.reason` and leaves nothing behind.
   * @param options.timeout Milliseconds to wait at most. @default Infinity
   * @throws {RangeError} for a negative or non-numeric `timeout`; {TypeError} for a `signal` that is not an AbortSignal.
   * @example
   * ```ts
   * import { Event } from 'aiox';
   * const done = new Event();
   * while (!(await done.wait({ timeout: 1000 }))) console.log('still waiting');
   * ```
   */
  wait(options: EventWaitOptions = {}): Promise<boolean> {
    validateOptions(options);
    const { signal, timeout = Infinity } = options;
    validateSignal(signal);
    validateTimeout(timeout);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#set) return Promise.resolve(true);
    if (timeout === 0) return Promise.resolve(false);
    const ticket = this.#waiters.enqueue(undefined, signal);
    if (timeout === Infinity) return ticket.promise;
    const timer = after(timeout, () => ticket.withdraw(false));
    return ticket.promise.finally(() => timer.clear());
  }
}
