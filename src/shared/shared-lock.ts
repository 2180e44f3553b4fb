import { InvalidStateError, TimeoutError } from '../futures/errors.js';
import { releasable, type Releasable } from '../sync/releasable.js';
import { bufferOf, newMemory, type SharedHandle } from './handle.js';
import { give, recoverWord, tryTake } from './owner-word.js';
import { recoverOnExit } from './recovery.js';
import {
  assertMayBlock,
  deadlineOf,
  ownerThread,
  SELF,
  TIMED_OUT,
  untilAsync,
  untilSync,
  type SharedSyncWaitOptions,
  type SharedWaitOptions,
} from './wait.js';

const KIND = 'SharedLock';
const WORD = 0;
const MARK = 1;
const BYTES = 8;

/**
 * For {@link SharedCondition} only: which of this thread's acquisitions holds the lock, and a way to hand
 * that identity back after a wait gave the lock up and took it again, so the caller's handle still works.
 */
export let sharedHolding: { current(lock: SharedLock): number; restore(lock: SharedLock, holder: number): void };

// The memory `from()` hands to the constructor, so that the public constructor takes no buffer.
let adopting: SharedArrayBuffer | undefined;

/**
 * A mutual-exclusion lock in shared memory, held by one thread at a time across the main thread and
 * worker threads. Pass it to a thread task as an argument; the task gets a plain clone and calls
 * {@link SharedLock.from} to use it. The main thread waits with `acquire()` (never blocking its event
 * loop); a worker may also block with `acquireSync()`.
 *
 * The lock records its owner's `threadId` in the shared word in the same atomic step that takes it. When a
 * thread-pool worker dies holding it (a crash, `process.exit()`, a task aborted and its worker terminated),
 * the main thread frees it as soon as the pool reports the exit, and the waiters go on. This covers locks
 * that the main thread created or revived (through `from()`) and workers started by aiox's thread pools.
 *
 * It is not reentrant, and between threads it is not fair: a thread that releases and at once acquires
 * again may win over one that was waiting. Async code on the main thread shares one owner (the main
 * thread), so any of it may release what another part acquired, as with asyncio's `Lock`.
 * Process pools share no memory: use a {@link Manager}'s lock instead (see docs/sharing-state.md).
 *
 * @example
 * ```ts
 * // file: tasks.ts
 * import { defineTask, SharedLock, type SharedHandle } from 'aiox';
 * export const work = defineTask(import.meta.url, function work(handle: SharedHandle<'SharedLock'>): void {
 *   const lock = SharedLock.from(handle);
 *   const held = lock.acquireSync();
 *   try { } finally { held.release(); } // one thread at a time in here
 * });
 * ```
 * ```ts
 * import { SharedLock, ThreadPoolExecutor } from 'aiox';
 * import { work } from './tasks.js';
 * await using pool = new ThreadPoolExecutor();
 * const lock = new SharedLock();
 * await Promise.all([pool.submit(work, lock), pool.submit(work, lock)]);
 * ```
 */
export class SharedLock implements SharedHandle<'SharedLock'> {
  /** The kind tag that survives structured cloning; see {@link SharedLock.from}. */
  readonly aioxShared = KIND;
  /** The shared memory: one 32-bit word, 0 when free, else the owner's `threadId + 1`; then the kind's mark. */
  readonly buffer: SharedArrayBuffer;
  readonly #cells: Int32Array;
  // As in Lock: the number of the acquisition (through this object, in this thread) that holds the lock, 0
  // when none, and a count that only grows to number them. A handle releases only while its number holds
  // and this thread still holds the word: once `release()` ended its hold (here or in another thread) the
  // handle is stale and must not free whoever holds the lock next.
  #holder = 0;
  #acquisitions = 0;

  static {
    sharedHolding = {
      current: (lock) => lock.#holder,
      restore: (lock, holder) => {
        lock.#holder = holder;
      },
    };
  }

  /** Creates a free lock in new shared memory. */
  constructor() {
    this.buffer = adopting ?? newMemory(KIND, BYTES, MARK);
    adopting = undefined;
    const cells = (this.#cells = new Int32Array(this.buffer, 0, 1));
    recoverOnExit(this, (token) => void recoverWord(cells, WORD, token));
  }

  /**
   * Rebuilds a working lock from its structured clone (what a thread task receives), over the same
   * memory. Given a `SharedLock`, returns it as is.
   *
   * @throws {TypeError} if `value` is neither a SharedLock nor its clone, or its memory is not a valid SharedLock's.
   * @example
   * ```ts
   * import { SharedLock } from 'aiox';
   * const lock = SharedLock.from(structuredClone(new SharedLock()));
   * ```
   */
  static from(value: SharedHandle<'SharedLock'>): SharedLock {
    if (value instanceof SharedLock) return value;
    adopting = bufferOf(value, KIND, BYTES, MARK, (cells) => {
      const owner = Atomics.load(cells, WORD);
      return owner < 0 ? `its owner word is ${owner}, expected 0 (free) or a thread's token` : undefined;
    });
    return new SharedLock();
  }

  /** True while some thread holds the lock. */
  locked(): boolean {
    return Atomics.load(this.#cells, WORD) !== 0;
  }

  /** The `threadId` of the thread holding the lock (0 is the main thread), or `undefined` when free. */
  owner(): number | undefined {
    const token = Atomics.load(this.#cells, WORD);
    return token === 0 ? undefined : ownerThread(token);
  }

  /**
   * Waits, without blocking the thread, until the lock is free, takes it, and resolves to a handle that
   * releases it once (also through `await using`). The handle releases only the hold it stands for: once
   * `release()` ended that hold, it does nothing, even when the lock is held again by then.
   *
   * @param options.signal Aborting it while waiting rejects with `signal.reason` and takes nothing.
   * @param options.timeout Milliseconds to wait at most; then rejects with `TimeoutError`. @default Infinity
   * @throws {TimeoutError} when `timeout` passes; {RangeError} / {TypeError} for bad options.
   * @example
   * ```ts
   * import { SharedLock } from 'aiox';
   * const lock = new SharedLock();
   * await using _held = await lock.acquire({ timeout: 1000 });
   * ```
   */
  async acquire(options: SharedWaitOptions = {}): Promise<Releasable> {
    const deadline = deadlineOf(options);
    const result = await untilAsync(this.#cells, () => tryTake(this.#cells, WORD), options.signal, deadline);
    if (result === TIMED_OUT) throw new TimeoutError('SharedLock.acquire() timed out');
    return this.#handle();
  }

  /**
   * Blocks the calling worker thread until the lock is free, takes it, and returns a handle that
   * releases it once (also through `using`).
   *
   * @param options.timeout Milliseconds to block at most; then throws `TimeoutError`. @default Infinity
   * @throws {InvalidStateError} on the main thread, or if this thread already holds the lock (it would
   * wait forever); {TimeoutError} when `timeout` passes.
   * @example
   * ```ts
   * import { SharedLock } from 'aiox';
   * function inWorker(lock: SharedLock): void {
   *   using _held = lock.acquireSync({ timeout: 5000 });
   * }
   * ```
   */
  acquireSync(options: SharedSyncWaitOptions = {}): Releasable {
    assertMayBlock('acquireSync');
    const deadline = deadlineOf(options);
    if (this.heldByMe()) {
      throw new InvalidStateError('acquireSync() called by the thread that holds the SharedLock: it would wait forever');
    }
    if (untilSync(this.#cells, () => tryTake(this.#cells, WORD), deadline) === TIMED_OUT) {
      throw new TimeoutError('SharedLock.acquireSync() timed out');
    }
    return this.#handle();
  }

  /**
   * Takes the lock if it is free right now, without waiting.
   *
   * @returns A handle that releases it once, or `undefined` if another holder has it.
   * @example
   * ```ts
   * import { SharedLock } from 'aiox';
   * const held = new SharedLock().tryAcquire();
   * held?.release();
   * ```
   */
  tryAcquire(): Releasable | undefined {
    return tryTake(this.#cells, WORD) === true ? this.#handle() : undefined;
  }

  /**
   * Releases the lock and wakes the threads waiting for it.
   *
   * @throws {InvalidStateError} if the lock is not held.
   * @example
   * ```ts
   * import { SharedLock } from 'aiox';
   * const lock = new SharedLock();
   * lock.tryAcquire();
   * lock.release();
   * ```
   */
  release(): void {
    this.#holder = 0;
    if (!give(this.#cells, WORD)) throw new InvalidStateError('release() called on an unlocked SharedLock');
  }

  /** True when the calling thread holds the lock (on the main thread: some async code of it does). */
  heldByMe(): boolean {
    return Atomics.load(this.#cells, WORD) === SELF;
  }

  #handle(): Releasable {
    const acquisition = (this.#holder = ++this.#acquisitions);
    return releasable(() => {
      if (this.#holder === acquisition && this.heldByMe()) this.release();
    });
  }
}
