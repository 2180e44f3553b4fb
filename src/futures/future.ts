import { inspect, type InspectOptions } from 'node:util';
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
export interface FutureOwner<K> {
  /**
   * `cancel()` was called: true if the work is withdrawn and will never run (the future is cancelled),
   * false if it has just started (the future becomes running and `cancel()` fails).
   */
  cancel(key: K): boolean;
  /** Whether the work has started; the future then becomes running. */
  started(key: K): boolean;
}

// Bits of Future.#flags. One field for all keeps a future small.
const FAILED = 1;
const OBSERVED = 2;
/**
 * Its `constructor` was read: the engine of `await`, `then`, `Promise.all`... does that before it attaches a
 * handler to a promise that is not a plain one, so a rejection may have a handler; see #settleNative().
 */
const ADOPTED = 4;

let setOwnerImpl: (future: Future<unknown>, owner: FutureOwner<never>, key: unknown) => void;

// The resolving functions of the future under construction: one shared executor, so no closure per future.
let nextResolve: ((value: unknown) => void) | undefined;
let nextReject: ((reason: unknown) => void) | undefined;
function capture(resolve: (value: unknown) => void, reject: (reason: unknown) => void): void {
  nextResolve = resolve;
  nextReject = reject;
}
/** Set while the future marks its own promise handled, so that this does not count as observing it. */
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
  #state: FutureState = FutureState.PENDING;
  // FAILED, OBSERVED, ADOPTED (see observe()).
  #flags = 0;
  #value: unknown = undefined;
  // One callback is stored bare and more go to an array: most futures have zero or one.
  #callbacks: StoredCallback | StoredCallback[] | undefined = undefined;
  // The resolving functions of the promise this future is, until it is done.
  #resolve: ((value: unknown) => void) | undefined;
  #reject: ((reason: unknown) => void) | undefined;
  // Set while pending by the executor holding the work, with its key for this future.
  #owner: FutureOwner<unknown> | undefined = undefined;
  #key: unknown = undefined;

  /** A pending future. */
  constructor() {
    super(capture as (resolve: (value: T) => void, reject: (reason: unknown) => void) => void);
    this.#resolve = nextResolve;
    this.#reject = nextReject;
    nextResolve = nextReject = undefined;
  }

  static {
    setOwnerImpl = (future, owner, key) => {
      future.#owner = owner as FutureOwner<unknown>;
      future.#key = key;
    };
    // A future is a native promise, so that `await`, `Promise.all` and the like take it as it is, with no
    // extra promise and job per future, as they would for a thenable. They do so for a promise whose
    // `constructor` is Promise; and as they read it before attaching their handlers, reading it observes
    // the future. Derived promises (`then`, `catch`, `finally`) are plain promises.
    Object.defineProperty(Future.prototype, 'constructor', {
      configurable: true,
      enumerable: false,
      get(this: Future<unknown>) {
        if (!quiet) {
          this.#observe();
          this.#flags |= ADOPTED;
        }
        return Promise;
      },
    });
  }

  /** The current state; see {@link FutureState}. */
  get state(): FutureState {
    if (this.#state === FutureState.PENDING && this.#owner?.started(this.#key) === true) this.#startedElsewhere();
    return this.#state;
  }

  /**
   * Cancels the future if it has not started. Returns `true` if it is now cancelled (including when it
   * already was), `false` if it is running or finished. A thread pool task counts as running once its
   * worker has started it, even if it was handed over ahead of time in a batch; a process pool task once it
   * has been handed to a worker, as in Python's process pool. Running work is never interrupted by this;
   * to stop it, pass an `AbortSignal` when submitting.
   */
  cancel(): boolean {
    if (this.#state === FutureState.CANCELLED) return true;
    if (this.#state !== FutureState.PENDING) return false;
    const owner = this.#owner;
    if (owner !== undefined && !owner.cancel(this.#key)) {
      this.#startedElsewhere();
      return false;
    }
    this.#state = FutureState.CANCELLED;
    this.#owner = this.#key = undefined;
    this.#complete();
    return true;
  }

  /** Whether the future was cancelled. */
  cancelled(): boolean {
    return this.#state === FutureState.CANCELLED;
  }

  /** Whether the work is running (taken by an executor and not yet finished). */
  running(): boolean {
    return this.state === FutureState.RUNNING;
  }

  /** Whether the future is cancelled or finished. */
  done(): boolean {
    return this.#state === FutureState.CANCELLED || this.#state === FutureState.FINISHED;
  }

  /**
   * The result of a done future.
   * @throws {CancelledError} if it was cancelled.
   * @throws the work's exception if it failed.
   * @throws {InvalidStateError} if it is not done yet.
   */
  result(): T {
    this.#assertDone('result');
    this.#observe();
    if (this.#state === FutureState.CANCELLED) throw new CancelledError();
    if (this.#failed()) throw this.#value;
    return this.#value as T;
  }

  /**
   * The exception of a done future, or `undefined` if it succeeded. A task that threw `undefined` has
   * failed too; tell the cases apart with `succeeded()`.
   * @throws {CancelledError} if it was cancelled.
   * @throws {InvalidStateError} if it is not done yet.
   */
  exception(): unknown {
    this.#assertDone('exception');
    this.#observe();
    if (this.#state === FutureState.CANCELLED) throw new CancelledError();
    return this.#failed() ? this.#value : undefined;
  }

  /** Whether the future finished with a result (not an exception, not cancelled). */
  succeeded(): boolean {
    return this.#state === FutureState.FINISHED && !this.#failed();
  }

  /**
   * Marks the future as observed, so that it raises no `AioxUnobservedFailureWarning` if it fails: for
   * work deliberately left to fail unseen. Valid in any state; returns the future.
   *
   * A future is observed once anything has taken charge of its outcome: `await` or `then`/`catch`/
   * `finally`, `result()`, `exception()`, `addDoneCallback()`, this method, or passing it to `wait()` or
   * `asCompleted()`. Reading `state`, `done()` or `succeeded()` does not observe it. A failed future never
   * observed is reported once, through `process.emitWarning` (code `ERR_AIOX_UNOBSERVED_FAILURE`), when it
   * is garbage collected or when the program runs out of work, whichever comes first; never as an
   * unhandled rejection.
   */
  markObserved(): this {
    this.#observe();
    return this;
  }

  /**
   * Calls `fn(future)` once the future is done, at once if it already is. Callbacks run in the order they
   * were added. One that throws is reported through `process.emitWarning` and does not stop the others.
   */
  addDoneCallback(fn: (future: Future<T>) => void): void {
    if (typeof fn !== 'function') throw new TypeError(`fn must be a function, received ${typeof fn}`);
    this.#observe();
    if (this.done()) return runCallback(fn, this);
    const cbs = this.#callbacks;
    if (cbs === undefined) this.#callbacks = fn;
    else if (typeof cbs === 'function') this.#callbacks = [cbs, fn];
    else cbs.push(fn);
  }

  /**
   * Removes every registration of `fn` added with `addDoneCallback`. Returns how many were removed.
   */
  removeDoneCallback(fn: (future: Future<T>) => void): number {
    const cbs = this.#callbacks;
    if (cbs === undefined) return 0;
    if (typeof cbs === 'function') {
      if (cbs !== (fn as StoredCallback)) return 0;
      this.#callbacks = undefined;
      return 1;
    }
    const kept = cbs.filter((cb) => cb !== (fn as StoredCallback));
    this.#callbacks = kept;
    return cbs.length - kept.length;
  }

  /**
   * For executor implementers: call before running the work. Returns `false` if the future was cancelled
   * (do not run the work), `true` if it is now running.
   * @throws {InvalidStateError} if the future is already running or finished.
   */
  setRunningOrNotifyCancel(): boolean {
    if (this.#state === FutureState.CANCELLED) return false;
    if (this.#state !== FutureState.PENDING) {
      throw new InvalidStateError(`cannot start a future that is ${this.#state}`);
    }
    this.#state = FutureState.RUNNING;
    this.#owner = this.#key = undefined;
    return true;
  }

  /**
   * For executor implementers: completes the future with a result.
   * @throws {InvalidStateError} if it is already done.
   */
  setResult(value: T): void {
    this.#finish(false, value);
  }

  /**
   * For executor implementers: completes the future with an exception, which may be any value.
   * @throws {InvalidStateError} if it is already done.
   */
  setException(error: unknown): void {
    this.#finish(true, error);
  }

  override get [Symbol.toStringTag](): string {
    return 'Future';
  }

  /** How `console.log` and `util.inspect` show it: `Future <pending>`, `Future <finished: 42>`. */
  // InspectOptions, not InspectOptionsStylized: @types/node 26 dropped that name, and this line is in aiox's .d.ts.
  [inspect.custom](depth: number, options: InspectOptions): string {
    if (this.#state !== FutureState.FINISHED) return `Future <${this.state}>`;
    const value = inspect(this.#value, { ...options, depth: options.depth === null ? null : depth - 1 });
    return `Future <finished${this.#failed() ? ', failed' : ''}: ${value}>`;
  }

  #assertDone(what: string): void {
    if (!this.done()) throw new InvalidStateError(`${what}() called on a future that is ${this.#state}`);
  }

  #finish(failed: boolean, value: unknown): void {
    if (this.done()) throw new InvalidStateError(`cannot complete a future that is ${this.#state}`);
    this.#state = FutureState.FINISHED;
    this.#value = value;
    this.#owner = this.#key = undefined;
    if (failed) {
      this.#flags |= FAILED;
      if ((this.#flags & OBSERVED) === 0) trackUnobserved(this, value);
    }
    this.#complete();
  }

  #failed(): boolean {
    return (this.#flags & FAILED) !== 0;
  }

  #observe(): void {
    const flags = this.#flags;
    if ((flags & OBSERVED) !== 0) return;
    this.#flags = flags | OBSERVED;
    if ((flags & FAILED) !== 0) untrackUnobserved(this);
  }

  /** Settles the promise this future is. */
  #settleNative(): void {
    const resolve = this.#resolve!;
    const reject = this.#reject!;
    this.#resolve = this.#reject = undefined;
    if (this.#state === FutureState.FINISHED && !this.#failed()) return resolve(this.#value);
    // A rejection nobody may handle yet gets a handler of its own first: a future that fails unobserved is
    // reported by its warning, never as an unhandled rejection (and may be awaited later).
    if ((this.#flags & ADOPTED) === 0) {
      quiet = true;
      try {
        Promise.prototype.then.call(this, undefined, ignore);
      } finally {
        quiet = false;
      }
    }
    reject(this.#state === FutureState.CANCELLED ? new CancelledError() : this.#value);
  }

  #startedElsewhere(): void {
    this.#state = FutureState.RUNNING;
    this.#owner = this.#key = undefined;
  }

  #complete(): void {
    this.#settleNative();
    const cbs = this.#callbacks;
    if (cbs === undefined) return;
    this.#callbacks = undefined;
    if (typeof cbs === 'function') runCallback(cbs as DoneCallback<T>, this);
    else for (const cb of cbs) runCallback(cb as DoneCallback<T>, this);
  }
}

function runCallback<T>(fn: DoneCallback<T>, future: Future<T>): void {
  try {
    fn(future);
  } catch (error) {
    process.emitWarning(
      `a done callback of a Future threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      { type: 'AioxCallbackWarning', code: 'ERR_AIOX_CALLBACK' },
    );
  }
}

/**
 * Internal: makes `owner` the holder of a pending future's work, asked with `key` when the future is
 * cancelled or its state is read. Not part of the public API.
 */
export function setOwner<K>(future: Future<unknown>, owner: FutureOwner<K>, key: K): void {
  setOwnerImpl(future, owner as FutureOwner<never>, key);
}
