import { TimeoutError } from '../futures/errors.js';
import { validateInteger } from '../internal/validate.js';
import { releasable, type Releasable } from '../sync/releasable.js';
import { bufferOf, newMemory, type SharedHandle } from './handle.js';
import { attemptNow, give, recoverWord, tryTake } from './owner-word.js';
import { recoverOnExit } from './recovery.js';
import {
  assertMayBlock,
  deadlineOf,
  Retry,
  SELF,
  TIMED_OUT,
  untilAsync,
  untilSync,
  type SharedSyncWaitOptions,
  type SharedWaitOptions,
} from './wait.js';

const KIND = 'SharedSemaphore';
// Layout, in 32-bit words: an internal owner word guarding the holder table, a counter bumped by every
// release (what waiters watch), the number of permits, the number of slots, then one (owner, count)
// pair per slot: which thread holds how many permits.
const GUARD = 0;
const RELEASES = 1;
const PERMITS = 2;
const SLOTS = 3;
const MARK = 4;
const TABLE = 5;
/** At most this many threads hold permits at the same time; more wait as if no permit were free. */
const MAX_SLOTS = 256;

let adopting: SharedArrayBuffer | undefined;

/**
 * A counting semaphore in shared memory, across the main thread and worker threads, with
 * `acquireMany(n)` as in aioextensions: `n` permits are granted at once or not at all. Pass it to a
 * thread task as an argument and rebuild it there with {@link SharedSemaphore.from}.
 *
 * Permits are accounted per thread in the shared memory (a table of owner and count, guarded by an
 * internal word held for a few instructions), so when a thread-pool worker dies holding permits, the main
 * thread gives them back as soon as the pool reports the exit. Permits go back only through the handle
 * `acquire` returned, never by a bare `release()`: that is what keeps the accounting right. Between
 * threads it is not fair, and a large request may wait while small ones go first. At most 256 threads
 * hold permits at once. Process pools share no memory: use a {@link Semaphore} in the parent process.
 *
 * @example
 * ```ts
 * // file: tasks.ts
 * import { defineTask, SharedSemaphore, type SharedHandle } from 'aiox';
 * export const useDisk = defineTask(import.meta.url, function useDisk(handle: SharedHandle<'SharedSemaphore'>): void {
 *   using _permit = SharedSemaphore.from(handle).acquireSync();
 *   // at most 2 threads at a time in here
 * });
 * ```
 * ```ts
 * import { SharedSemaphore, ThreadPoolExecutor } from 'aiox';
 * import { useDisk } from './tasks.js';
 * await using pool = new ThreadPoolExecutor({ maxWorkers: 4 });
 * const disk = new SharedSemaphore(2);
 * await Promise.all(Array.from({ length: 8 }, () => pool.submit(useDisk, disk)));
 * ```
 */
export class SharedSemaphore implements SharedHandle<'SharedSemaphore'> {
  /** The kind tag that survives structured cloning; see {@link SharedSemaphore.from}. */
  readonly aioxShared = KIND;
  /** The shared memory: counters and the table of which thread holds how many permits. */
  readonly buffer: SharedArrayBuffer;
  readonly #cells: Int32Array;

  /**
   * @param permits How many permits there are. @default 1
   * @throws {RangeError} if `permits` is not an integer >= 1.
   */
  constructor(permits = 1) {
    if (adopting === undefined) {
      validateInteger(permits, 'permits', 1);
      if (permits > 0x7fffffff) throw new RangeError(`permits must be at most ${0x7fffffff}, received ${permits}`);
      const slots = Math.min(permits, MAX_SLOTS);
      this.buffer = newMemory(KIND, 4 * (TABLE + 2 * slots), MARK);
      this.#cells = new Int32Array(this.buffer);
      this.#cells[PERMITS] = permits;
      this.#cells[SLOTS] = slots;
    } else {
      this.buffer = adopting;
      adopting = undefined;
      this.#cells = new Int32Array(this.buffer);
    }
    const cells = this.#cells;
    recoverOnExit(this, (token) => recover(cells, token));
  }

  /**
   * Rebuilds a working semaphore from its structured clone, over the same memory. Given a
   * `SharedSemaphore`, returns it as is.
   *
   * @throws {TypeError} if `value` is neither a SharedSemaphore nor its clone, or its memory is not a valid
   *   SharedSemaphore's.
   * @example
   * ```ts
   * import { SharedSemaphore } from 'aiox';
   * const sem = SharedSemaphore.from(structuredClone(new SharedSemaphore(3)));
   * ```
   */
  static from(value: SharedHandle<'SharedSemaphore'>): SharedSemaphore {
    if (value instanceof SharedSemaphore) return value;
    adopting = bufferOf(value, KIND, 4 * (TABLE + 2), MARK, checkSemaphoreHeader);
    return new SharedSemaphore();
  }

  /** The number of permits in all. */
  get permits(): number {
    return Atomics.load(this.#cells, PERMITS);
  }

  /** The number of permits free right now (a snapshot: other threads may take or return some at once). */
  get value(): number {
    return this.permits - held(this.#cells);
  }

  /**
   * Takes one permit, waiting without blocking the thread; the same as `acquireMany(1, options)`.
   *
   * @example
   * ```ts
   * import { SharedSemaphore } from 'aiox';
   * const sem = new SharedSemaphore(2);
   * await using _permit = await sem.acquire();
   * ```
   */
  acquire(options: SharedWaitOptions = {}): Promise<Releasable> {
    return this.acquireMany(1, options);
  }

  /**
   * Takes `n` permits at once, waiting without blocking the thread until all `n` are free, and resolves
   * to a handle that gives them back once (also through `await using`).
   *
   * @param n How many permits to take, at most `permits`.
   * @param options.signal Aborting it while waiting rejects with `signal.reason` and takes nothing.
   * @param options.timeout Milliseconds to wait at most; then rejects with `TimeoutError`. @default Infinity
   * @throws {RangeError} if `n` is not an integer from 1 to `permits`; {TimeoutError} when `timeout` passes.
   * @example
   * ```ts
   * import { SharedSemaphore } from 'aiox';
   * const memory = new SharedSemaphore(1024); // megabytes
   * await using _mb = await memory.acquireMany(300, { timeout: 5000 });
   * ```
   */
  async acquireMany(n: number, options: SharedWaitOptions = {}): Promise<Releasable> {
    this.#validate(n);
    const deadline = deadlineOf(options);
    const slot = await untilAsync(this.#cells, this.#attempt(n), options.signal, deadline);
    if (slot === TIMED_OUT) throw new TimeoutError('SharedSemaphore.acquire() timed out');
    return this.#handle(slot, n);
  }

  /**
   * Blocks the calling worker thread until `n` permits are free and takes them; returns a handle that gives
   * them back once (also through `using`).
   *
   * @param n How many permits to take. @default 1
   * @param options.timeout Milliseconds to block at most; then throws `TimeoutError`. @default Infinity
   * @throws {InvalidStateError} on the main thread; {TimeoutError} when `timeout` passes.
   * @example
   * ```ts
   * import { SharedSemaphore } from 'aiox';
   * function inWorker(sem: SharedSemaphore): void {
   *   using _permit = sem.acquireSync();
   * }
   * ```
   */
  acquireSync(n = 1, options: SharedSyncWaitOptions = {}): Releasable {
    assertMayBlock('acquireSync');
    this.#validate(n);
    const deadline = deadlineOf(options);
    const slot = untilSync(this.#cells, this.#attempt(n), deadline);
    if (slot === TIMED_OUT) throw new TimeoutError('SharedSemaphore.acquireSync() timed out');
    return this.#handle(slot, n);
  }

  /**
   * Takes `n` permits if they are free right now, without waiting.
   *
   * @returns A handle that gives them back once, or `undefined` if they are not free.
   * @example
   * ```ts
   * import { SharedSemaphore } from 'aiox';
   * const permit = new SharedSemaphore(1).tryAcquire();
   * permit?.release();
   * ```
   */
  tryAcquire(n = 1): Releasable | undefined {
    this.#validate(n);
    const slot = attemptNow(this.#cells, GUARD, this.#attempt(n));
    return slot === undefined ? undefined : this.#handle(slot, n);
  }

  #validate(n: number): void {
    validateInteger(n, 'n', 1);
    if (n > this.permits) throw new RangeError(`n must be at most permits (${this.permits}), received ${n}`);
  }

  /** Takes `n` permits for this thread if they are free; returns the table slot that records them. */
  #attempt(n: number): () => number | Retry {
    const cells = this.#cells;
    return () => {
      const seen = Atomics.load(cells, RELEASES);
      const guard = tryTake(cells, GUARD);
      if (guard !== true) return guard;
      try {
        let used = 0;
        let mine = -1;
        let free = -1;
        for (let at = TABLE; at < cells.length; at += 2) {
          const owner = Atomics.load(cells, at);
          used += Atomics.load(cells, at + 1);
          if (owner === SELF) mine = at;
          else if (owner === 0 && free < 0) free = at;
        }
        const slot = mine >= 0 ? mine : free;
        if (cells[PERMITS]! - used < n || slot < 0) return new Retry(RELEASES, seen);
        // Owner first, then count: a thread stopped between the two leaves a slot that holds nothing.
        if (mine < 0) Atomics.store(cells, slot, SELF);
        Atomics.add(cells, slot + 1, n);
        return slot;
      } finally {
        give(cells, GUARD);
      }
    };
  }

  #handle(slot: number, n: number): Releasable {
    const cells = this.#cells;
    return releasable(() => {
      // Only this thread writes its own slot (and recovery, which touches dead threads only), so the
      // release needs no guard; a thread scanning the table meanwhile sees at worst fewer permits free.
      if (Atomics.sub(cells, slot + 1, n) === n) Atomics.compareExchange(cells, slot, SELF, 0);
      wakeWaiters(cells);
    });
  }
}

/** The invariants of a semaphore's memory that hold at every instant, whatever other threads do. */
function checkSemaphoreHeader(cells: Int32Array, buffer: SharedArrayBuffer): string | undefined {
  const guard = Atomics.load(cells, GUARD);
  if (guard < 0) return `its guard word is ${guard}, expected 0 or a thread's token`;
  const permits = Atomics.load(cells, PERMITS);
  if (permits < 1) return `its permits are ${permits}, expected at least 1`;
  const slots = Atomics.load(cells, SLOTS);
  if (slots !== Math.min(permits, MAX_SLOTS)) return `it has ${slots} slots, expected ${Math.min(permits, MAX_SLOTS)} for ${permits} permits`;
  if (buffer.byteLength !== 4 * (TABLE + 2 * slots)) return `it is ${buffer.byteLength} bytes long, expected ${4 * (TABLE + 2 * slots)}`;
  for (let at = TABLE; at < cells.length; at += 2) {
    const owner = Atomics.load(cells, at);
    const count = Atomics.load(cells, at + 1);
    if (owner < 0 || count < 0 || count > permits) return `slot ${(at - TABLE) / 2} holds ${count} permits for owner ${owner}`;
  }
  return undefined;
}

function held(cells: Int32Array): number {
  let used = 0;
  for (let at = TABLE + 1; at < cells.length; at += 2) used += Atomics.load(cells, at);
  return used;
}

function wakeWaiters(cells: Int32Array): void {
  Atomics.add(cells, RELEASES, 1);
  Atomics.notify(cells, RELEASES);
}

/** Gives back every permit the dead thread `token` held, and the guard if it died holding it. */
function recover(cells: Int32Array, token: number): void {
  let freed = recoverWord(cells, GUARD, token);
  for (let at = TABLE; at < cells.length; at += 2) {
    if (Atomics.load(cells, at) !== token) continue;
    Atomics.store(cells, at + 1, 0);
    Atomics.compareExchange(cells, at, token, 0);
    freed = true;
  }
  if (freed) wakeWaiters(cells);
}
