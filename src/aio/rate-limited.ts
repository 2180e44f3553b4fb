import { Deque } from '../internal/deque.js';
import { MAX_DELAY } from '../internal/timers.js';
import { describe, validateFunction, validateInteger, validateOptions, validateSignal } from '../internal/validate.js';

/**
 * Options of {@link rateLimited}.
 * @example
 * ```ts
 * import { rateLimited, type RateLimitOptions } from 'aiox';
 * // An API that allows 100 requests a minute, taken no faster than one every 100 ms.
 * const limits = { maxCalls: 100, period: 60_000, minInterval: 100 } satisfies RateLimitOptions;
 * const get = rateLimited(limits)((path: string) => fetch(`https://api.example.com${path}`));
 * ```
 */
export interface RateLimitOptions {
  /** At most this many calls start in any window of `period` milliseconds: an integer >= 1. */
  readonly maxCalls: number;
  /** The window of `maxCalls`, in milliseconds: a finite number > 0. */
  readonly period: number;
  /** Milliseconds between two successive starts at least: a finite number >= 0. @default 0 */
  readonly minInterval?: number;
}

/**
 * A function wrapped by {@link rateLimited}.
 * @example
 * ```ts
 * import { rateLimited } from 'aiox';
 * const lookup = rateLimited({ maxCalls: 1, period: 1000 })(async (id: number) => ({ id, name: `user ${id}` }));
 * console.log((await lookup(1)).name); // user 1, at once
 * // The next start is 1 s away; this call gives up after 100 ms, leaves the queue and uses no slot.
 * await lookup.withSignal(AbortSignal.timeout(100))(2).catch((e) => console.log(e.name)); // TimeoutError
 * ```
 */
export interface RateLimitedFunction<A extends unknown[], R> {
  /** Calls the function when the limits allow: at once, or after the calls queued before this one. */
  (...args: A): Promise<Awaited<R>>;
  /**
   * The same function bound to a signal: a call whose signal aborts while it is queued rejects with
   * `signal.reason`, leaves the queue and uses no slot. Once started, the call is the function's own; pass
   * the signal among its arguments too if it should stop it.
   */
  withSignal(signal: AbortSignal): (...args: A) => Promise<Awaited<R>>;
}

/**
 * Makes a wrapper that rate-limits the starts of a function: no more than `maxCalls` start in any window
 * of `period` ms, and two successive starts are at least `minInterval` ms apart (an anti-burst guard).
 * Calls beyond the limits wait in a first-in first-out queue. Only starts are limited, not how many run at
 * once; combine with `collect`'s `workers` for that. What the function returns or throws is passed
 * through. Every function wrapped gets its own limiter, also when one wrapper wraps several functions.
 *
 * A queued call keeps the process alive until it has started; so does nothing else.
 *
 * @throws {RangeError} if an option is out of range (when `rateLimited` is called).
 * @throws {TypeError} if what is wrapped is not a function.
 *
 * @example
 * ```ts
 * import { rateLimited, collect } from 'aiox';
 * // At most 2 queries a second, and never two within 200 ms.
 * const query = rateLimited({ maxCalls: 2, period: 1000, minInterval: 200 })(async (n: number) => n * 2);
 * console.log(await collect([1, 2, 3].map((n) => () => query(n)))); // [2, 4, 6], started at 0, 200, 1000 ms
 * ```
 */
export function rateLimited(
  options: RateLimitOptions,
): <A extends unknown[], R>(fn: (...args: A) => R) => RateLimitedFunction<A, R> {
  validateOptions(options);
  const { maxCalls, period, minInterval = 0 } = options;
  validateInteger(maxCalls, 'maxCalls', 1);
  if (typeof period !== 'number' || !Number.isFinite(period) || period <= 0) {
    throw new RangeError(`period must be a finite number > 0 (milliseconds), received ${describe(period)}`);
  }
  if (typeof minInterval !== 'number' || !Number.isFinite(minInterval) || minInterval < 0) {
    throw new RangeError(`minInterval must be a finite number >= 0 (milliseconds), received ${describe(minInterval)}`);
  }
  return <A extends unknown[], R>(fn: (...args: A) => R): RateLimitedFunction<A, R> => {
    validateFunction(fn, 'fn');
    const limiter = new RateLimiter(maxCalls, period, minInterval);
    const call = (signal: AbortSignal | undefined, self: unknown, args: A): Promise<Awaited<R>> =>
      new Promise<Awaited<R>>((resolve, reject) => {
        limiter.enqueue(() => resolve(fn.apply(self, args) as Awaited<R>), reject, signal);
      });
    const limited = function (this: unknown, ...args: A) {
      return call(undefined, this, args);
    } as RateLimitedFunction<A, R>;
    limited.withSignal = (signal: AbortSignal) => {
      validateSignal(signal);
      return function (this: unknown, ...args: A) {
        return call(signal, this, args);
      };
    };
    Object.defineProperty(limited, 'name', { value: fn.name, configurable: true });
    return limited;
  };
}

interface Waiter {
  readonly start: () => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  cancelled: boolean;
}

/**
 * The limiter of one wrapped function: the start times of the last `maxCalls` calls in a ring, the queue,
 * and at most one timer, set for when the queue's head may start.
 */
class RateLimiter {
  readonly #maxCalls: number;
  readonly #period: number;
  readonly #minInterval: number;
  readonly #starts: number[] = [];
  // Index in #starts of the oldest recorded start, once the ring is full.
  #oldest = 0;
  #last = -Infinity;
  readonly #queue = new Deque<Waiter>();
  // Waiters in the queue that were not aborted.
  #queued = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(maxCalls: number, period: number, minInterval: number) {
    this.#maxCalls = maxCalls;
    this.#period = period;
    this.#minInterval = minInterval;
  }

  enqueue(start: () => void, reject: (reason: unknown) => void, signal: AbortSignal | undefined): void {
    if (signal?.aborted) return reject(signal.reason);
    const waiter: Waiter = { start, reject, signal, onAbort: undefined, cancelled: false };
    if (signal !== undefined) {
      waiter.onAbort = () => this.#cancel(waiter);
      signal.addEventListener('abort', waiter.onAbort, { once: true });
    }
    this.#queue.push(waiter);
    this.#queued++;
    if (this.#timer === undefined) this.#pump();
  }

  /** The earliest time the next call may start. */
  #earliest(): number {
    const byInterval = this.#last + this.#minInterval;
    if (this.#starts.length < this.#maxCalls) return byInterval;
    return Math.max(byInterval, this.#starts[this.#oldest]! + this.#period);
  }

  /** Starts queued calls while the limits allow, then sets the timer for the next one. */
  #pump(): void {
    this.#timer = undefined;
    for (;;) {
      const head = this.#queue.peek();
      if (head === undefined) return;
      if (head.cancelled) {
        this.#queue.shift();
        continue;
      }
      const now = performance.now();
      const wait = this.#earliest() - now;
      if (wait > 0) {
        // A timer may fire a little early against performance.now(); #pump then sets a new one.
        this.#timer = setTimeout(() => this.#pump(), Math.min(Math.ceil(wait), MAX_DELAY));
        return;
      }
      this.#queue.shift();
      this.#queued--;
      this.#record(now);
      if (head.onAbort !== undefined) head.signal!.removeEventListener('abort', head.onAbort);
      try {
        head.start();
      } catch (error) {
        head.reject(error);
      }
    }
  }

  #record(now: number): void {
    this.#last = now;
    if (this.#starts.length < this.#maxCalls) {
      this.#starts.push(now);
    } else {
      this.#starts[this.#oldest] = now;
      this.#oldest = (this.#oldest + 1) % this.#maxCalls;
    }
  }

  #cancel(waiter: Waiter): void {
    waiter.cancelled = true;
    this.#queued--;
    waiter.reject(waiter.signal!.reason);
    if (this.#queued === 0) {
      // Nothing left to start: drop the aborted entries and the timer, which would hold the process open.
      this.#queue.drain();
      if (this.#timer !== undefined) clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }
}
