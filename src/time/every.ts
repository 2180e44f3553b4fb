import { obeyedAbort } from '../internal/abort.js';
import { describe, validateFunction, validateOptions, validateSignal } from '../internal/validate.js';
import { sleep } from './sleep.js';

/**
 * Options of {@link every}.
 * @example
 * ```ts
 * import { every } from 'aiox';
 * const poller = every(10_000, (signal) => fetch('https://example.com/health', { signal }), {
 *   immediate: true, // first check now, not in 10 s
 *   overlap: 'wait', // a check slower than 10 s delays the next one instead of skipping it
 *   onError: (error) => console.error('check failed:', error), // and the loop goes on
 *   signal: AbortSignal.timeout(60_000), // then `done` rejects with the TimeoutError
 * });
 * ```
 */
export interface EveryOptions {
  /** Stops the loop at once (no further run starts; a run in progress sees the abort); `done` rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
  /** Run once right away, at time 0, instead of first after one interval. @default false */
  readonly immediate?: boolean;
  /**
   * What to do with a tick that comes while the previous run is still going. `'skip'`: drop it; the next
   * run starts at the next tick after the run ends. `'wait'`: start one run as soon as the previous ends,
   * then go back to the ticks. Either way several missed ticks give one run, never a burst.
   * @default 'skip'
   */
  readonly overlap?: 'skip' | 'wait';
  /**
   * Called with an error thrown by `fn`; the loop goes on. Without it, the first error stops the loop
   * and `done` rejects with it. If `onError` itself throws, the loop stops with that error.
   */
  readonly onError?: (error: unknown) => void | PromiseLike<void>;
}

/**
 * The lifecycle of an {@link every} loop.
 * @example
 * ```ts
 * import { PeriodicState, every } from 'aiox';
 * const ticker = every(1000, () => console.log('tick'));
 * ticker.stop();
 * console.log(ticker.state === PeriodicState.STOPPING); // true until `done` settles
 * await ticker.done;
 * console.log(ticker.state === PeriodicState.STOPPED); // true
 * ```
 */
export const PeriodicState = {
  RUNNING: 'running',
  /** `stop()` was called or the signal aborted; `done` settles once a run in progress has settled. */
  STOPPING: 'stopping',
  /** The loop is over, by `stop()`, the signal or an error; `done` is settled. */
  STOPPED: 'stopped',
} as const;
/** One of the values of {@link PeriodicState}. */
export type PeriodicState = (typeof PeriodicState)[keyof typeof PeriodicState];

/**
 * The handle {@link every} returns. It is not itself awaitable: await its `done`.
 * @example
 * ```ts
 * import { every, sleep } from 'aiox';
 * {
 *   await using heartbeat = every(1000, () => console.log('alive'));
 *   await sleep(3500); // stands in for the real work
 * } // leaving the block stops the loop and waits for a run in progress
 * ```
 */
export interface Periodic extends AsyncDisposable {
  /**
   * Settles when the loop is over and no run is in progress: resolves after `stop()`, rejects with the
   * signal's reason after an abort, or with `fn`'s error when there is no `onError`. That includes a run
   * in progress at `stop()` that then fails: only a failure that is the run obeying the abort (the
   * signal's reason, or an `AbortError`) is not an error; anything else goes to `onError`, or rejects `done`. A rejection caused
   * by the signal is never reported as unhandled; one caused by `fn` is, if nobody awaits `done`.
   */
  readonly done: Promise<void>;
  /** `RUNNING`, `STOPPING` or `STOPPED`. */
  readonly state: PeriodicState;
  /** Stops the loop: no further run starts, and the signal a run in progress received aborts. Idempotent. */
  stop(): void;
}

const STOP = new Error('every() was stopped');

/**
 * Calls `fn` every `interval` milliseconds, the replacement for a `while (true) { work(); sleep() }`
 * polling loop. Runs are scheduled from a fixed origin (at `interval`, `2 × interval`, ...), not from the
 * end of the previous run, so the loop does not drift; ticks missed while a run overran, or while the
 * event loop was busy, are skipped, not replayed. `fn` receives a signal that aborts when the loop stops.
 *
 * @param interval Milliseconds between ticks, > 0.
 * @param fn The work to run; may be async, and is awaited before the next run (see `overlap`).
 * @throws {RangeError} for an `interval` that is not a finite number > 0 or an unknown `overlap`;
 *   {TypeError} for a bad `fn`, `onError` or `signal`.
 * @example
 * ```ts
 * import { Event, every } from 'aiox';
 * const done = new Event();
 * setTimeout(() => done.set(), 3500); // stands in for an IO callback
 * const poller = every(1000, () => console.log('tick'), { immediate: true }); // ticks at 0, 1000, 2000, 3000
 * await done.wait();
 * poller.stop();
 * await poller.done;
 * ```
 */
export function every(interval: number, fn: (signal: AbortSignal) => unknown, options: EveryOptions = {}): Periodic {
  validateOptions(options);
  if (typeof interval !== 'number' || !Number.isFinite(interval) || interval <= 0) {
    throw new RangeError(`interval must be a finite number > 0 (milliseconds), received ${describe(interval)}`);
  }
  validateFunction(fn, 'fn');
  const { signal, immediate = false, overlap = 'skip', onError } = options;
  validateSignal(signal);
  if (overlap !== 'skip' && overlap !== 'wait') throw new RangeError(`overlap must be 'skip' or 'wait', received ${describe(overlap)}`);
  if (onError !== undefined) validateFunction(onError, 'onError');
  return new PeriodicLoop(interval, fn, signal, immediate, overlap, onError);
}

class PeriodicLoop implements Periodic {
  readonly done: Promise<void>;
  #state: PeriodicState = PeriodicState.RUNNING;
  readonly #controller = new AbortController();
  readonly #outer: AbortSignal | undefined;
  readonly #onOuterAbort = (): void => this.#halt(this.#outer!.reason);

  constructor(
    interval: number,
    fn: (signal: AbortSignal) => unknown,
    outer: AbortSignal | undefined,
    immediate: boolean,
    overlap: 'skip' | 'wait',
    onError: EveryOptions['onError'],
  ) {
    this.#outer = outer;
    let resolve!: () => void;
    let reject!: (reason: unknown) => void;
    this.done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    if (outer?.aborted) this.#halt(outer.reason);
    else outer?.addEventListener('abort', this.#onOuterAbort, { once: true });
    this.#loop(interval, fn, immediate, overlap, onError).then(
      () => this.#settle(resolve, reject),
      (error: unknown) => {
        this.#state = PeriodicState.STOPPED;
        this.#outer?.removeEventListener('abort', this.#onOuterAbort);
        this.#controller.abort(STOP);
        reject(error);
      },
    );
  }

  get state(): PeriodicState {
    return this.#state;
  }

  stop(): void {
    this.#halt(STOP);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.stop();
    await this.done.catch((error: unknown) => {
      // The signal's reason was not a failure of the loop; an error from fn still surfaces.
      if (!(this.#outer?.aborted && error === this.#outer.reason)) throw error;
    });
  }

  #halt(reason: unknown): void {
    if (this.#state !== PeriodicState.RUNNING) return;
    this.#state = PeriodicState.STOPPING;
    this.#controller.abort(reason);
  }

  #settle(resolve: () => void, reject: (reason: unknown) => void): void {
    this.#state = PeriodicState.STOPPED;
    this.#outer?.removeEventListener('abort', this.#onOuterAbort);
    const reason: unknown = this.#controller.signal.reason;
    if (reason === STOP) return resolve();
    // Stopped by the caller's signal: report it, but never as an unhandled rejection, so a program that
    // aborts on Ctrl-C without awaiting `done` does not crash.
    this.done.catch(() => {});
    reject(reason);
  }

  /** Resolves when stopped by stop() or the signal; rejects with an error of fn (or onError). */
  async #loop(
    interval: number,
    fn: (signal: AbortSignal) => unknown,
    immediate: boolean,
    overlap: 'skip' | 'wait',
    onError: EveryOptions['onError'],
  ): Promise<void> {
    const signal = this.#controller.signal;
    const origin = performance.now();
    let tick = immediate ? 0 : 1;
    while (!signal.aborted) {
      const delay = origin + tick * interval - performance.now();
      if (delay > 0) {
        try {
          await sleep(delay, { signal });
        } catch {
          return;
        }
      }
      // A late wake (busy event loop) runs once for the latest tick due, not once per tick missed.
      tick = Math.max(tick, Math.floor((performance.now() - origin) / interval));
      try {
        await fn(signal);
      } catch (error) {
        // A run that fails because it obeyed the stop is no failure; any other error is one, even after stop().
        if (obeyedAbort(error, signal)) return;
        if (onError === undefined) throw error;
        await onError(error);
      }
      const elapsed = (performance.now() - origin) / interval;
      // 'skip': the next tick not yet reached. 'wait': the latest tick already due, so a run overrunning
      // one or more ticks is followed by exactly one run at once.
      tick = Math.max(tick + 1, overlap === 'skip' ? Math.ceil(elapsed) : Math.floor(elapsed));
    }
  }
}
