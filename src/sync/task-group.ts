import { obeyedAbort } from '../internal/abort.js';
import { CancelledError, InvalidStateError } from '../futures/errors.js';
import { validateFunction, validateOptions, validateSignal } from '../internal/validate.js';

/**
 * Options of {@link TaskGroup}.
 * @example
 * ```ts
 * import { TaskGroup, sleep } from 'aiox';
 * const group = new TaskGroup({ signal: AbortSignal.timeout(100) }); // the whole group gets 100 ms
 * group.start((signal) => sleep(60_000, { signal }));
 * await group.wait().catch((e) => console.log(e.name)); // TimeoutError: the children were aborted with it
 * ```
 */
export interface TaskGroupOptions {
  /** Aborting it aborts every child with `signal.reason`; `wait()` then rejects with that reason. */
  readonly signal?: AbortSignal;
}

/**
 * The lifecycle of a {@link TaskGroup}.
 * @example
 * ```ts
 * import { TaskGroup, TaskGroupState } from 'aiox';
 * function startIfOpen(group: TaskGroup, work: (signal: AbortSignal) => Promise<void>): void {
 *   if (group.state === TaskGroupState.OPEN) group.start(work); // start throws once aborting or done
 * }
 * ```
 */
export const TaskGroupState = {
  /** Children can be started. */
  OPEN: 'open',
  /** A child failed or the group was aborted: the children's signal is aborted; no new child may start. */
  ABORTING: 'aborting',
  /** `wait()` saw every child settle; the group is closed. */
  DONE: 'done',
} as const;
/** One of the values of {@link TaskGroupState}. */
export type TaskGroupState = (typeof TaskGroupState)[keyof typeof TaskGroupState];

/**
 * Structured concurrency, like asyncio's `TaskGroup`: children started in the group share one signal,
 * and the group waits for all of them. The first child to fail aborts the others, and the group rejects
 * with an `AggregateError` of every failure. A child that stopped because it was told to does not count
 * as a failure: it rejects with the group's abort reason, or with the `AbortError` that `timers/promises`,
 * `events.once` or `fetch` throw for the group's signal.
 *
 * Lead with {@link TaskGroup.run}: it sees how the body ends, so a body that throws aborts the children,
 * waits for them and rejects with an `AggregateError` holding the body's error first, as asyncio does.
 * The `await using` form cannot do that, because a disposer is never told that its block threw: leaving
 * the block waits for the children (and reports their failures) but does not abort them, so on a throw
 * they run on to their end. Use it only when that is what you want, or call `abort()` in a `catch`.
 *
 * Only children that listen to the signal stop early; the group still waits for the others to settle.
 *
 * @example
 * ```ts
 * import { TaskGroup } from 'aiox';
 * const [users, posts] = await TaskGroup.run(async (group) => {
 *   const users = group.start((signal) => fetch('https://example.com/users', { signal }));
 *   const posts = group.start((signal) => fetch('https://example.com/posts', { signal }));
 *   return [users, posts] as const; // the group waits for both; if one fails, the other is aborted
 * }, { signal: AbortSignal.timeout(10_000) });
 * console.log((await users).status, (await posts).status);
 * ```
 */
export class TaskGroup implements AsyncDisposable {
  readonly #controller = new AbortController();
  readonly #outer: AbortSignal | undefined;
  readonly #onOuterAbort = (): void => this.#abort(this.#outer!.reason);
  #state: TaskGroupState = TaskGroupState.OPEN;
  #running = 0;
  readonly #failures: unknown[] = [];
  #finished: Promise<void> | undefined;
  #finish: (() => void) | undefined;

  /** @throws {TypeError} for a `signal` that is not an AbortSignal. */
  constructor(options: TaskGroupOptions = {}) {
    validateOptions(options);
    const { signal } = options;
    validateSignal(signal);
    this.#outer = signal;
    if (signal?.aborted) this.#abort(signal.reason);
    else signal?.addEventListener('abort', this.#onOuterAbort, { once: true });
  }

  /**
   * Runs `body` with a new group and waits for every child the body started; the form to prefer over
   * `await using`. Resolves to the body's result once all children succeeded. If the body throws, the
   * children are aborted (their signal's reason is a `CancelledError` whose `cause` is the body's error),
   * the group waits for them, and the call rejects with an `AggregateError` of the body's error followed
   * by the children's failures. If a child fails, the others are aborted and the call rejects with an
   * `AggregateError` of the failures; the body is not stopped by force, so let it watch `group.signal`.
   * A body that rejects with the group's abort reason (or its signal's `AbortError`) obeyed the abort: that
   * is no failure of its own.
   *
   * @param body Starts the children with `group.start()`; may be async.
   * @param options.signal Aborting it aborts every child; the call then rejects with `signal.reason`.
   * @throws {TypeError} for a `body` that is not a function or a bad `signal`.
   * @example
   * ```ts
   * import { TaskGroup, sleep } from 'aiox';
   * await TaskGroup.run(async (group) => {
   *   group.start((signal) => sleep(60_000, { signal }));
   *   throw new Error('body failed');
   * }).catch((e: AggregateError) => console.log(e.errors[0].message)); // body failed, and the sleep was aborted
   * ```
   */
  static run<T>(body: (group: TaskGroup) => T | PromiseLike<T>, options: TaskGroupOptions = {}): Promise<T> {
    validateFunction(body, 'body');
    return TaskGroup.#run(new TaskGroup(options), body);
  }

  static async #run<T>(group: TaskGroup, body: (group: TaskGroup) => T | PromiseLike<T>): Promise<T> {
    let result: T;
    try {
      result = await body(group);
    } catch (error) {
      const signal = group.#controller.signal;
      const obeyed = obeyedAbort(error, signal);
      if (!obeyed) group.#abort(new CancelledError('the TaskGroup body failed', { cause: error }));
      await group.wait().catch(() => {});
      if (obeyed) throw (group.#outcome() ?? { error }).error;
      const n = group.#failures.length;
      throw new AggregateError([error, ...group.#failures], `the TaskGroup body failed${n === 0 ? '' : `, and ${n} task${n === 1 ? '' : 's'} in it`}`);
    }
    await group.wait();
    return result;
  }

  /** The signal every child receives. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** `OPEN`, `ABORTING` or `DONE`. */
  get state(): TaskGroupState {
    return this.#state;
  }

  /**
   * Starts a child: calls `fn(signal)` at once with the group's signal and returns its promise (a throw
   * from `fn` becomes a rejection). The group records the outcome, so leaving the returned promise
   * unhandled is safe.
   *
   * @throws {InvalidStateError} if the group is done, or aborting after a failure or an abort.
   * @throws {TypeError} if `fn` is not a function.
   * @example
   * ```ts
   * import { TaskGroup, sleep } from 'aiox';
   * const group = new TaskGroup();
   * const answer = group.start(async (signal) => { await sleep(10, { signal }); return 42; });
   * await group.wait();
   * await answer; // 42
   * ```
   */
  start<T>(fn: (signal: AbortSignal) => T | PromiseLike<T>): Promise<T> {
    validateFunction(fn, 'fn');
    if (this.#state !== TaskGroupState.OPEN) {
      throw new InvalidStateError(`cannot start a task in a TaskGroup that is ${this.#state === TaskGroupState.DONE ? 'done' : 'aborting'}`);
    }
    const signal = this.#controller.signal;
    const child = new Promise<T>((resolve) => resolve(fn(signal)));
    this.#running++;
    child.then(
      () => this.#settled(),
      (error: unknown) => {
        // A child that stopped because of the group's abort obeyed it; that is not a failure.
        if (!obeyedAbort(error, signal)) this.#fail(error);
        this.#settled();
      },
    );
    return child;
  }

  /**
   * Waits for every child, including those started while waiting, then closes the group. Resolves when
   * all succeeded; rejects with an `AggregateError` of the failures if any child failed, or else with the
   * abort reason if the group was aborted. Every call returns the same promise.
   *
   * @throws {AggregateError} (rejects) holding every child's failure, in the order they happened.
   * @example
   * ```ts
   * import { TaskGroup } from 'aiox';
   * const group = new TaskGroup();
   * group.start(async () => { throw new Error('boom'); });
   * await group.wait().catch((e: AggregateError) => console.log(e.errors)); // [Error: boom]
   * ```
   */
  wait(): Promise<void> {
    this.#finished ??= new Promise<void>((resolve, reject) => {
      this.#finish = () => {
        this.#state = TaskGroupState.DONE;
        this.#outer?.removeEventListener('abort', this.#onOuterAbort);
        const outcome = this.#outcome();
        if (outcome === undefined) resolve();
        else reject(outcome.error);
      };
    });
    if (this.#running === 0 && this.#state !== TaskGroupState.DONE) this.#finish!();
    return this.#finished;
  }

  /**
   * Aborts every child with `reason`; `wait()` then rejects with it (or with the failures, if any).
   * Does nothing if the group is already aborting or done.
   *
   * @example
   * ```ts
   * import { TaskGroup } from 'aiox';
   * const group = new TaskGroup();
   * group.start((signal) => new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))));
   * group.abort(new Error('enough'));
   * await group.wait().catch((e) => console.log(e.message)); // enough
   * ```
   */
  abort(reason: unknown = new CancelledError('the TaskGroup was aborted')): void {
    this.#abort(reason);
  }

  /**
   * Waits for the children, as {@link TaskGroup.wait}; what `await using` calls. It is not told whether
   * the block threw, so it never aborts the children on a throw: {@link TaskGroup.run} does.
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.wait();
  }

  /** What a finished group rejects with, or undefined when it succeeded. */
  #outcome(): { error: unknown } | undefined {
    const n = this.#failures.length;
    if (n > 0) return { error: new AggregateError(this.#failures, `${n} task${n === 1 ? '' : 's'} in the TaskGroup failed`) };
    // With no failure, only the outer signal or abort() can have aborted the group.
    if (this.#controller.signal.aborted) return { error: this.#controller.signal.reason };
    return undefined;
  }

    #abort(reason: unknown): void {
    if (this.#state !== TaskGroupState.OPEN) return;
    this.#state = TaskGroupState.ABORTING;
    this.#controller.abort(reason);
  }

  #fail(error: unknown): void {
    this.#failures.push(error);
    if (this.#state !== TaskGroupState.OPEN) return;
    this.#state = TaskGroupState.ABORTING;
    this.#controller.abort(new CancelledError('another task in the TaskGroup failed', { cause: error }));
  }

  #settled(): void {
    this.#running--;
    if (this.#running === 0 && this.#finish !== undefined && this.#state !== TaskGroupState.DONE) this.#finish();
  }
}
