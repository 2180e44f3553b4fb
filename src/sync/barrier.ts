import { BrokenBarrierError } from '../futures/errors.js';
import { validateInteger, validateOptions, validateSignal } from '../internal/validate.js';
import { Waiters } from '../internal/waiters.js';

/**
 * The states of a {@link Barrier}.
 * @example
 * ```ts
 * import { Barrier, BarrierState } from 'aiox';
 * const barrier = new Barrier(2);
 * barrier.abort();
 * console.log(barrier.state === BarrierState.BROKEN); // true, until reset()
 * ```
 */
export const BarrierState = {
  /** Parties are arriving; the barrier opens when the last one arrives, then fills again. */
  FILLING: 'filling',
  /** `abort()` was called: every `wait()` fails with `BrokenBarrierError` until `reset()`. */
  BROKEN: 'broken',
} as const;
/** One of the values of {@link BarrierState}. */
export type BarrierState = (typeof BarrierState)[keyof typeof BarrierState];

/**
 * Options of {@link Barrier.wait}.
 * @example
 * ```ts
 * import { Barrier, timeout } from 'aiox';
 * const barrier = new Barrier(2);
 * await timeout(100, (signal) => barrier.wait({ signal })).catch((e) => console.log(e.name)); // TimeoutError
 * console.log(await Promise.all([barrier.wait(), barrier.wait()])); // [ 0, 1 ]: not broken, the party withdrew
 * ```
 */
export interface BarrierWaitOptions {
  /**
   * Stops waiting: the call rejects with `signal.reason` and the party withdraws, so the barrier waits for
   * one more arrival. Unlike a timeout in Python's `threading.Barrier`, this does not break the barrier.
   */
  readonly signal?: AbortSignal;
}

/**
 * A meeting point for a fixed number of parties, like asyncio's `Barrier`: each `wait()` blocks until
 * `parties` calls are waiting, then all of them go on together. It is reusable: the next `parties` calls
 * form the next round.
 *
 * @example
 * ```ts
 * import { Barrier } from 'aiox';
 * const barrier = new Barrier(3);
 * const indexes = await Promise.all([barrier.wait(), barrier.wait(), barrier.wait()]);
 * console.log(indexes); // [0, 1, 2]
 * ```
 */
export class Barrier {
  readonly #parties: number;
  #state: BarrierState = BarrierState.FILLING;
  readonly #waiters = new Waiters<number>();

  /**
   * @param parties How many `wait()` calls open the barrier.
   * @throws {RangeError} if `parties` is not an integer >= 1.
   */
  constructor(parties: number) {
    validateInteger(parties, 'parties', 1);
    this.#parties = parties;
  }

  /** How many `wait()` calls open the barrier. */
  get parties(): number {
    return this.#parties;
  }

  /** How many parties are waiting in the current round. */
  get nWaiting(): number {
    return this.#waiters.length;
  }

  /** `'filling'`, or `'broken'` after `abort()` until `reset()`; see {@link BarrierState}. */
  get state(): BarrierState {
    return this.#state;
  }

  /** True after `abort()`, until `reset()`. */
  get broken(): boolean {
    return this.#state === BarrierState.BROKEN;
  }

  /**
   * Waits until `parties` calls are waiting, then resolves to this party's index in the round, distinct
   * for every party, from 0 (the first to arrive among those still waiting) to `parties - 1` (the last,
   * which opens the barrier without waiting).
   *
   * @throws {BrokenBarrierError} (rejects) if the barrier is broken, or is reset or aborted while waiting.
   * @example
   * ```ts
   * import { Barrier } from 'aiox';
   * const barrier = new Barrier(2);
   * const [a, b] = await Promise.all([barrier.wait(), barrier.wait()]); // 0, 1
   * ```
   */
  wait(options: BarrierWaitOptions = {}): Promise<number> {
    validateOptions(options);
    const { signal } = options;
    validateSignal(signal);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#state === BarrierState.BROKEN) return Promise.reject(new BrokenBarrierError());
    if (this.#waiters.length + 1 < this.#parties) return this.#waiters.enqueue(undefined, signal).promise;
    // Indexes are given out when the barrier opens, in order of arrival among the parties still there,
    // so a party that withdrew (aborted) leaves no gap and no index is given twice.
    for (let index = 0; this.#waiters.wakeFirst(index); index++);
    return Promise.resolve(this.#parties - 1);
  }

  /**
   * Rejects every waiting party with `BrokenBarrierError` and makes the barrier usable again, empty
   * (also after `abort()`).
   *
   * @example
   * ```ts
   * import { Barrier } from 'aiox';
   * const barrier = new Barrier(2);
   * const waiting = barrier.wait();
   * barrier.reset();
   * await waiting.catch((e) => console.log(e.name)); // BrokenBarrierError
   * ```
   */
  reset(): void {
    this.#waiters.rejectAll(new BrokenBarrierError('the barrier was reset while parties were waiting'));
    this.#state = BarrierState.FILLING;
  }

  /**
   * Breaks the barrier: rejects every waiting party and every later `wait()` with `BrokenBarrierError`,
   * until `reset()`. Use it when a party cannot arrive, so the others do not wait forever.
   *
   * @example
   * ```ts
   * import { Barrier } from 'aiox';
   * const barrier = new Barrier(2);
   * barrier.abort();
   * await barrier.wait().catch((e) => console.log(e.name)); // BrokenBarrierError
   * ```
   */
  abort(): void {
    this.#state = BarrierState.BROKEN;
    this.#waiters.rejectAll(new BrokenBarrierError('the barrier was aborted'));
  }
}
