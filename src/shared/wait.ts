import { isMainThread, threadId } from 'node:worker_threads';
import { InvalidStateError } from '../futures/errors.js';
import { within } from '../internal/timers.js';
import { validateOptions, validateSignal, validateTimeout } from '../internal/validate.js';

/**
 * How the shared primitives wait on a word of shared memory: asynchronously with `Atomics.waitAsync`
 * (any thread; the only way on the main thread) or blocking with `Atomics.wait` (worker threads only).
 *
 * Every primitive is written as one synchronous `attempt` that either succeeds or says which word to
 * watch and which value it saw there; the loops below repeat it until it succeeds, the time runs out or
 * the signal aborts. Whoever changes the watched word notifies it, so the value read before the attempt
 * makes the wait return at once if the change happened in between: no wake-up is lost.
 */

/** What marks an owner in shared memory: the thread's `threadId + 1`, so that 0 can mean "nobody". */
export const SELF = threadId + 1;

/** The `threadId` an owner word holds. */
export function ownerThread(token: number): number {
  return token - 1;
}

/** The result of an attempt that could not finish: wait until `cells[index]` is no longer `seen`. */
export class Retry {
  constructor(
    readonly index: number,
    readonly seen: number,
  ) {}
}

/** What the loops return when the time runs out. */
export const TIMED_OUT: unique symbol = Symbol('timed out');

/**
 * Options of the waits that do not block (`acquire`, `wait`, `put`, `get`) of the shared primitives.
 * @example
 * ```ts
 * import { SharedLock, TimeoutError } from 'aiox';
 * const lock = new SharedLock();
 * const held = await lock.acquire({ timeout: 1000, signal: AbortSignal.timeout(5000) }).catch((e) => {
 *   if (e instanceof TimeoutError) return undefined; // aiox's TimeoutError after 1 s
 *   throw e; // the signal's reason
 * });
 * held?.release();
 * ```
 */
export interface SharedWaitOptions {
  /** Stops waiting: the call rejects with `signal.reason` and takes nothing. */
  readonly signal?: AbortSignal;
  /** Milliseconds to wait at most. @default Infinity */
  readonly timeout?: number;
}

/**
 * Options of the blocking waits (`acquireSync`, `waitSync`, `putSync`, `getSync`), worker threads only.
 * @example
 * ```ts
 * import { SharedQueue, TimeoutError } from 'aiox';
 * // In a worker thread (blocking throws on the main thread): wait 100 ms at most for the next item.
 * function nextOrIdle(queue: SharedQueue<string>): string | undefined {
 *   try { return queue.getSync({ timeout: 100 }); } catch (e) { if (e instanceof TimeoutError) return undefined; throw e; }
 * }
 * ```
 */
export interface SharedSyncWaitOptions {
  /** Milliseconds to block at most. @default Infinity */
  readonly timeout?: number;
}

/** Validates the options and turns `timeout` into a deadline on `performance.now()`. */
export function deadlineOf(options: SharedWaitOptions): number {
  validateOptions(options);
  validateSignal(options.signal);
  const { timeout = Infinity } = options;
  validateTimeout(timeout);
  return timeout === Infinity ? Infinity : performance.now() + timeout;
}

/** Blocking waits would freeze the event loop of the main thread, so they exist only in workers. */
export function assertMayBlock(method: string): void {
  if (isMainThread) {
    const async = method.replace(/Sync$/, '');
    throw new InvalidStateError(`${method}() blocks and is not allowed on the main thread; await ${async}() instead`);
  }
}

/** Repeats `attempt` until it returns a value, waiting asynchronously in between. */
export async function untilAsync<T>(
  cells: Int32Array,
  attempt: () => T | Retry,
  signal: AbortSignal | undefined,
  deadline: number,
): Promise<T | typeof TIMED_OUT> {
  signal?.throwIfAborted();
  for (;;) {
    const result = attempt();
    if (!(result instanceof Retry)) return result;
    const left = deadline - performance.now();
    if (left <= 0) return TIMED_OUT;
    signal?.throwIfAborted();
    await waitAsync(cells, result.index, result.seen, signal, left);
  }
}

/** Repeats `attempt` until it returns a value, blocking the thread in between. */
export function untilSync<T>(cells: Int32Array, attempt: () => T | Retry, deadline: number): T | typeof TIMED_OUT {
  for (;;) {
    const result = attempt();
    if (!(result instanceof Retry)) return result;
    const left = deadline - performance.now();
    if (left <= 0) return TIMED_OUT;
    Atomics.wait(cells, result.index, result.seen, left);
  }
}

/**
 * One `Atomics.waitAsync` that a signal can stop. A pending `waitAsync` cannot be withdrawn, so on abort
 * or timeout the word is notified to end it at once: it would otherwise stay in the word's waiter list,
 * and a later `notify(1)` could be spent on it. The other waiters woken by that notify see nothing
 * changed and wait again. The timer is an ordinary (ref'd) one, as in `Event.wait`, so a waiting program
 * with a timeout lives until it fires; `waitAsync` alone keeps nothing alive.
 */
function waitAsync(cells: Int32Array, index: number, seen: number, signal: AbortSignal | undefined, left: number): Promise<void> {
  const wait = Atomics.waitAsync(cells, index, seen);
  if (!wait.async) return Promise.resolve();
  if (signal === undefined && left === Infinity) return wait.value.then(() => undefined);
  // The time running out is not an error here: the caller sees the deadline and gives up.
  const elapsed = Symbol('elapsed');
  return within(wait.value, Math.ceil(left), signal, () => elapsed, () => Atomics.notify(cells, index)).then(
    () => undefined,
    (reason: unknown) => {
      if (reason !== elapsed) throw reason;
    },
  );
}
