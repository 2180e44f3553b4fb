import { inspect, type InspectOptions } from 'node:util';
import { stackOf } from '../internal/message-of.js';
import { isThenable } from '../internal/validate.js';
import { CancelledError, InvalidStateError } from './errors.js';
import { trackUnobserved, untrackUnobserved } from './unobserved.js';

/**
 * The states of a {@link Future}, as in Python's `concurrent.futures`.
 * @example
 * ```ts
 * import { FutureState, ThreadPoolExecutor } from 'aiox';
 * await using pool = new ThreadPoolExecutor();
 * const future = pool.submit(() => 42);
 * console.log(future.state === FutureState.PENDING); // true: no worker has it yet
 * await future;
 * console.log(future.state === FutureState.FINISHED); // true
 * ```
 */
export const FutureState = {
  /** Created or queued; not yet started. `cancel()` succeeds. */
  PENDING: 'pending',
  /** Taken by an executor; `cancel()` fails. */
  RUNNING: 'running',
  /** Cancelled before it ran. Done. */
  CANCELLED: 'cancelled',
  /** Has a result or an exception. Done. */
  FINISHED: 'finished',
} as const;
/** One of the values of {@link FutureState}. */
export type FutureState = (typeof FutureState)[keyof typeof FutureState];

type DoneCallback<T> = (future: Future<T>) => void;
// Stored callbacks are typed loosely so that Future<T> stays covariant in T.
type StoredCallback = (future: never) => void;

/**
 * Internal: the executor that holds a pending future's work (queued, or handed to a worker that has not
 * started it yet). Asked by the future, so that no listener per future is needed.
 */
export interface FutureOwner<F extends Future<unknown>> {
  /**
   * `future.cancel()` was called: true if the work is withdrawn and will never run (the future is
   * cancelled), false if it has just started (the future becomes running and `cancel()` fails).
   */
  cancel(future: F): boolean;
  /** Whether the work of `future` has started; the future then becomes running. */
  started(future: F): boolean;
}

// Future.#bits: the state's index in STATES (two bits), then flags. One field keeps a future small.
const STATES = [FutureState.PENDING, FutureState.RUNNING, FutureState.CANCELLED, FutureState.FINISHED] as const;
const PENDING = 0;
const RUNNING = 1;
const CANCELLED = 2;
const FINISHED = 3;
const STATE = 3;
const FAILED = 4;
const OBSERVED = 8;

let setOwnerImpl: (future: Future<unknown>, owner: FutureOwner<never>) => void;
let whenDoneImpl: (future: Future<unknown>, fn: DoneCallback<unknown>) => void;
let failureOfImpl: (future: Future<unknown>) => unknown;

// The resolve function of the future under construction: one executor for all, so no closure per future.
let nextResolve: ((value: unknown) => void) | undefined;
function capture(resolve: (value: unknown) => void): void {
  nextResolve = resolve;
}

/**
 * What a future resolves its promise with to reject it (see Future.#settle): a thenable that rejects at once
 * when asked, so the promise rejects one job after the failure. A future keeps no reject function.
 */
class Rejection {
  readonly #reason: unknown;
  constructor(reason: unknown) {
    this.#reason = reason;
  }
  then(_: unknown, reject: (reason: unknown) => void): void {
    reject(this.#reason);
  }
}

/** Set while a future gives its own promise a handler, which does not count as observing it. */
let quiet = false;
const ignore = (): void => undefined;

/**
 * The eventual outcome of work, with the state machine of Python's `concurrent.futures.Future`.
 *
 * A future is awaitable: `await future` gives its result or throws its exception (`CancelledError` when it
 * was cancelled). `result()` and `exception()` are synchronous and only valid once `done()`; nothing in
 * JavaScript may block, so to wait with a limit use `wait(fs, { timeout })`.
 *
 * A future that fails and is never observed (awaited, `result()`, `exception()`, a done callback...; see
 * {@link Future.markObserved}) is reported by an `AioxUnobservedFailureWarning`, the equivalent of
 * asyncio's "Future exception was never retrieved". Call `markObserved()` on one deliberately ignored.
 *
 * A future is a native promise (`future instanceof Promise`), so `await`, `Promise.all`, `Promise.race`...
 * take it as it is, at the cost of a promise. A result reaches its awaiters in the same job as a plain
 * promise's would; a failure or a cancellation one microtask job later (a future keeps no reject function,
 * which spares every pending future 64 bytes), still within the same turn of the event loop. So
 * `Promise.race` between a future that fails and a promise settled right after it, in the same synchronous
 * stretch, picks the promise; done callbacks, `wait` and `asCompleted` see outcomes in the order they
 * happened. Its `then`, `catch` and `finally` return plain promises, and its
 * `constructor` property is `Promise` (what lets them take it as it is). Create futures with `new Future()`:
 * the static methods inherited from `Promise` (`Future.resolve`, `Future.all`...) throw a `TypeError`; use
 * `Promise.resolve`, `Promise.all`...
 *
 * Executors create futures; user code normally only reads them. The methods marked "for executor
 * implementers" drive the state machine and are public so that other executors can be written.
 *
 * @example
 * ```ts
 * import { Future } from 'aiox';
 * const f = new Future<number>();
 * f.setRunningOrNotifyCancel();
 * f.setResult(42);
 * console.log(f.result(), await f); // 42 42
 * ```
 */
export class Future<T> extends Promise<T> {
  // The state (see STATES) and FAILED, OBSERVED.
  #bits = PENDING;
  // The outcome once done; before, the done callbacks: one is stored bare and more go to an array (most
  // futures have zero or one).
  #value: unknown = undefined;
  // Settles the promise this future is; dropped once done. A future keeps no reject function: it rejects
  // through this one (see #settle), which costs its awaiters one job and spares every pending future the
  // function and its field, 64 bytes.
  #resolve: ((value: unknown) => void) | undefined;
  // Set while pending by the executor holding the work (which knows the work by the future itself).
  #owner: FutureOwner<Future<unknown>> | undefined = undefined;

  /** A pending future. */
  constructor() {
    super(capture as (resolve: (value: T) => void, reject: (reason: unknown) => void) => void);
    this.#resolve = nextResolve;
    nextResolve = undefined;
  }

  static {
    whenDoneImpl = (future, fn) => Future.#addCallback(future, fn);
    failureOfImpl = (future) => (Future.#failed(future) ? future.#value : undefined);
    setOwnerImpl = (future, owner) => {
      future.#owner = owner as FutureOwner<Future<unknown>>;
    };
    // `await`, `Promise.all` and the like take a promise as it is, with no extra promise and job per future
    // as for a thenable, when its `constructor` is Promise. `await` attaches its handlers with no call of
    // `then` but reads `constructor` first, so reading it observes the future. The prototype itself (and
    // anything else that is not a future) still names Future.
    Object.defineProperty(Future.prototype, 'constructor', {
      configurable: true,
      enumerable: false,
      get(this: object) {
        if (!(#bits in this)) return Future;
        if (!quiet) Future.#observe(this as Future<unknown>);
        return Promise;
      },
    });
  }

  /** Derived promises (`then`, `catch`, `finally`), of subclasses too, are plain promises. */
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  /** Like `Promise.prototype.then`; observes the future (see {@link Future.markObserved}). */
  override then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    Future.#observe(this);
    return super.then(onfulfilled, onrejected);
  }

  /** The current state; see {@link FutureState}. */
  get state(): FutureState {
    if ((this.#bits & STATE) === PENDING && this.#owner?.started(this) === true) Future.#startedElsewhere(this);
    return STATES[this.#bits & STATE]!;
  }

  /**
   * Cancels the future if it has not started. Returns `true` if it is now cancelled (including when it
   * already was), `false` if it is running or finished. A thread pool task counts as running once its
   * worker has started it, even if it was handed over ahead of time in a batch; a process pool task once it
   * has been handed to a worker, as in Python's process pool. Running work is never interrupted by this;
   * to stop it, pass an `AbortSignal` when submitting.
   */
  cancel(): boolean {
    const state = this.#bits & STATE;
    if (state === CANCELLED) return true;
    if (state !== PENDING) return false;
    const owner = this.#owner;
    if (owner !== undefined && !owner.cancel(this)) {
      Future.#startedElsewhere(this);
      return false;
    }
    this.#owner = undefined;
    Future.#complete(this, CANCELLED, undefined);
    return true;
  }

  /** Whether the future was cancelled. */
  cancelled(): boolean {
    return (this.#bits & STATE) === CANCELLED;
  }

  /** Whether the work is running (taken by an executor and not yet finished). */
  running(): boolean {
    return this.state === FutureState.RUNNING;
  }

  /** Whether the future is cancelled or finished. */
  done(): boolean {
    return (this.#bits & STATE) >= CANCELLED;
  }

  /**
   * The result of a done future.
   * @throws {CancelledError} if it was cancelled.
   * @throws the work's exception if it failed.
   * @throws {InvalidStateError} if it is not done yet.
   */
  result(): T {
    Future.#assertDone(this, 'result');
    Future.#observe(this);
    if ((this.#bits & STATE) === CANCELLED) throw new CancelledError();
    if (Future.#failed(this)) throw this.#value;
    return this.#value as T;
  }

  /**
   * The exception of a done future, or `undefined` if it succeeded. A task that threw `undefined` has
   * failed too; tell the cases apart with `succeeded()`.
   * @throws {CancelledError} if it was cancelled.
   * @throws {InvalidStateError} if it is not done yet.
   */
  exception(): unknown {
    Future.#assertDone(this, 'exception');
    Future.#observe(this);
    if ((this.#bits & STATE) === CANCELLED) throw new CancelledError();
    return Future.#failed(this) ? this.#value : undefined;
  }

  /** Whether the future finished with a result (not an exception, not cancelled). */
  succeeded(): boolean {
    return (this.#bits & (STATE | FAILED)) === FINISHED;
  }

  /**
   * Marks the future as observed, so that it raises no `AioxUnobservedFailureWarning` if it fails: for
   * work deliberately left to fail unseen. Valid in any state; returns the future.
   *
   * A future is observed once anything has taken charge of its outcome: `await` or `then`/`catch`/
   * `finally`, `result()`, `exception()`, `addDoneCallback()`, this method, or passing it to `wait()` or
   * `asCompleted()`. Reading `state`, `done()` or `succeeded()` does not observe it; `util.inspect` (and so
   * `console.log`) does, since it reads the future's `constructor`, as `await` does. A failed future never
   * observed is reported once, through `process.emitWarning` (code `ERR_AIOX_UNOBSERVED_FAILURE`), when it
   * is garbage collected or when the program runs out of work, whichever comes first; never as an
   * unhandled rejection.
   */
  markObserved(): this {
    Future.#observe(this);
    return this;
  }

  /**
   * Calls `fn(future)` once the future is done, at once if it already is. Callbacks run in the order they
   * were added. One that throws is reported through `process.emitWarning` and does not stop the others.
   */
  addDoneCallback(fn: (future: Future<T>) => void): void {
    if (typeof fn !== 'function') throw new TypeError(`fn must be a function, received ${typeof fn}`);
    Future.#observe(this);
    Future.#addCallback(this, fn);
  }

  static #addCallback<T>(future: Future<T>, fn: (future: Future<T>) => void): void {
    if (future.done()) return runCallback(fn, future);
    const cbs = future.#value as StoredCallback | StoredCallback[] | undefined;
    if (cbs === undefined) future.#value = fn;
    else if (typeof cbs === 'function') future.#value = [cbs, fn];
    else cbs.push(fn);
  }

  /**
   * Removes every registration of `fn` added with `addDoneCallback`. Returns how many were removed.
   */
  removeDoneCallback(fn: (future: Future<T>) => void): number {
    if (this.done()) return 0;
    const cbs = this.#value as StoredCallback | StoredCallback[] | undefined;
    if (cbs === undefined) return 0;
    if (typeof cbs === 'function') {
      if (cbs !== (fn as StoredCallback)) return 0;
      this.#value = undefined;
      return 1;
    }
    const kept = cbs.filter((cb) => cb !== (fn as StoredCallback));
    this.#value = kept;
    return cbs.length - kept.length;
  }

  /**
   * For executor implementers: call before running the work. Returns `false` if the future was cancelled
   * (do not run the work), `true` if it is now running.
   * @throws {InvalidStateError} if the future is already running or finished.
   */
  setRunningOrNotifyCancel(): boolean {
    const state = this.#bits & STATE;
    if (state === CANCELLED) return false;
    if (state !== PENDING) throw new InvalidStateError(`cannot start a future that is ${STATES[state]}`);
    Future.#startedElsewhere(this);
    return true;
  }

  /**
   * For executor implementers: completes the future with a result.
   * @throws {InvalidStateError} if it is already done.
   */
  setResult(value: T): void {
    Future.#finish(this, false, value);
  }

  /**
   * For executor implementers: completes the future with an exception, which may be any value.
   * @throws {InvalidStateError} if it is already done.
   */
  setException(error: unknown): void {
    Future.#finish(this, true, error);
  }

  override get [Symbol.toStringTag](): string {
    return 'Future';
  }

  /** How `console.log` and `util.inspect` show it: `Future <pending>`, `Future <finished: 42>`. */
  // InspectOptions, not InspectOptionsStylized: @types/node 26 dropped that name, and this line is in aiox's .d.ts.
  [inspect.custom](depth: number, options: InspectOptions): string {
    if ((this.#bits & STATE) !== FINISHED) return `Future <${this.state}>`;
    const value = inspect(this.#value, { ...options, depth: options.depth === null ? null : depth - 1 });
    return `Future <finished${Future.#failed(this) ? ', failed' : ''}: ${value}>`;
  }

  // The helpers below are static so that a future carries no private brand (a field that instances of a
  // class with private instance methods pay).

  static #assertDone(f: Future<unknown>, what: string): void {
    if (!f.done()) throw new InvalidStateError(`${what}() called on a future that is ${STATES[f.#bits & STATE]}`);
  }

  static #finish(f: Future<unknown>, failed: boolean, value: unknown): void {
    if (f.done()) throw new InvalidStateError(`cannot complete a future that is ${STATES[f.#bits & STATE]}`);
    f.#owner = undefined;
    if (failed) {
      f.#bits |= FAILED;
      if ((f.#bits & OBSERVED) === 0) trackUnobserved(f, value);
    }
    Future.#complete(f, FINISHED, value);
  }

  static #failed(f: Future<unknown>): boolean {
    return (f.#bits & FAILED) !== 0;
  }

  static #observe(f: Future<unknown>): void {
    const bits = f.#bits;
    if ((bits & OBSERVED) !== 0) return;
    f.#bits = bits | OBSERVED;
    if ((bits & FAILED) !== 0) untrackUnobserved(f);
  }

  static #startedElsewhere(f: Future<unknown>): void {
    f.#bits = (f.#bits & ~STATE) | RUNNING;
    f.#owner = undefined;
  }

  /** Enters a done state with `value`, settles the promise `f` is and runs the done callbacks. */
  static #complete(f: Future<unknown>, state: typeof CANCELLED | typeof FINISHED, value: unknown): void {
    const cbs = f.#value as StoredCallback | StoredCallback[] | undefined;
    f.#bits = (f.#bits & ~STATE) | state;
    f.#value = value;
    Future.#settle(f);
    if (cbs === undefined) return;
    if (typeof cbs === 'function') runCallback(cbs as DoneCallback<unknown>, f);
    else for (const cb of cbs) runCallback(cb as DoneCallback<unknown>, f);
  }

  /** Settles the promise `f` is, after its state. */
  static #settle(f: Future<unknown>): void {
    const resolve = f.#resolve!;
    f.#resolve = undefined;
    const succeeded = f.succeeded();
    // The promise gets a handler of its own first when it may reject (a failure, or a result that is itself a
    // thenable, which it adopts): a future that fails unobserved is reported by its warning, never as an
    // unhandled rejection, and may still be awaited later.
    if (!succeeded || isThenable(f.#value)) {
      quiet = true;
      try {
        Promise.prototype.then.call(f, undefined, ignore);
      } finally {
        quiet = false;
      }
    }
    if (succeeded) resolve(f.#value);
    else resolve(new Rejection(f.cancelled() ? new CancelledError() : f.#value));
  }
}

function runCallback<T>(fn: DoneCallback<T>, future: Future<T>): void {
  try {
    fn(future);
  } catch (error) {
    process.emitWarning(
      `a done callback of a Future threw: ${stackOf(error)}`,
      { type: 'AioxCallbackWarning', code: 'ERR_AIOX_CALLBACK' },
    );
  }
}

/**
 * Internal: makes `owner` the holder of a pending future's work, asked when the future is cancelled or its
 * state is read. Not part of the public API.
 */
export function setOwner<F extends Future<unknown>>(future: F, owner: FutureOwner<F>): void {
  setOwnerImpl(future, owner as unknown as FutureOwner<never>);
}

/**
 * Internal: `addDoneCallback` without observing the future, for the pool's own bookkeeping (a failure no
 * one awaits must still be reported). Not part of the public API.
 */
export function whenDone(future: Future<unknown>, fn: (future: Future<unknown>) => void): void {
  whenDoneImpl(future, fn);
}

/**
 * Internal: the exception of a failed future without observing it (see `exception()`), `undefined` if it has
 * not failed. Not part of the public API.
 */
export function failureOf(future: Future<unknown>): unknown {
  return failureOfImpl(future);
}
