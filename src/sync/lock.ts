import { InvalidStateError } from '../futures/errors.js';
import { validateOptions, validateSignal } from '../internal/validate.js';
import { Waiters } from '../internal/waiters.js';
import { releasable, type Releasable } from './releasable.js';

/**
 * Options of the `acquire` methods of the sync primitives.
 * @example
 * ```ts
 * import { Semaphore } from 'aiox';
 * const slots = new Semaphore(4);
 * async function serve(request: { signal: AbortSignal }): Promise<void> {
 *   await using _slot = await slots.acquire({ signal: request.signal }); // a client gone while waiting takes no slot
 *   // ... handle the request ...
 * }
 * ```
 */
export interface AcquireOptions {
  /** Stops waiting: `acquire` rejects with `signal.reason` and takes nothing. */
  readonly signal?: AbortSignal;
}

/**
 * For {@link Condition} only: which acquisition holds a lock, and a way to hand that identity back after
 * `wait()` gave the lock up and took it again, so that the caller's handle still releases it.
 */
export let holding: { current(lock: Lock): number; restore(lock: Lock, holder: number): void };

/**
 * A mutual-exclusion lock for async code, like asyncio's `Lock`: one holder at a time, waiters served
 * first in first out. It does not track its owner: any code may `release()` it, as in asyncio.
 *
 * @example
 * ```ts
 * import { Lock } from 'aiox';
 * const lock = new Lock();
 * {
 *   await using _held = await lock.acquire();
 *   // ...only one task at a time runs here...
 * } // released here, even on a throw
 * ```
 */
export class Lock {
  // The acquisition that holds the lock now (0: free). Each acquisition gets its own number, so a handle
  // can tell whether the lock it took is still the one held: after `lock.release()` ended its hold and
  // someone else acquired, the old handle must not free the new holder.
  #holder = 0;
  #acquisitions = 0;
  // The data of each waiter is the acquisition number it will hold.
  readonly #waiters = new Waiters<void, number>();

  static {
    holding = {
      current: (lock) => lock.#holder,
      restore: (lock, holder) => {
        lock.#holder = holder;
      },
    };
  }

  /** True while someone holds the lock. */
  locked(): boolean {
    return this.#holder !== 0;
  }

  /**
   * Waits until the lock is free, takes it, and resolves to a handle that releases it once (also through
   * `using` / `await using`). The handle releases only the hold it stands for: if `lock.release()` already
   * ended that hold, the handle does nothing, even when someone else holds the lock by then. A signal that aborts after the lock was handed over changes nothing: the
   * caller holds it and must release it.
   *
   * @param options.signal Aborting it while waiting rejects with `signal.reason` and leaves the line.
   * @throws {TypeError} for a `signal` that is not an AbortSignal.
   * @example
   * ```ts
   * import { Lock } from 'aiox';
   * const lock = new Lock();
   * const held = await lock.acquire({ signal: AbortSignal.timeout(1000) });
   * try { } finally { held.release(); }
   * ```
   */
  acquire(options: AcquireOptions = {}): Promise<Releasable> {
    validateOptions(options);
    const { signal } = options;
    validateSignal(signal);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const acquisition = ++this.#acquisitions;
    // Only the hold this handle stands for: after a plain `release()` ended it, the handle does nothing.
    const handle = releasable(() => {
      if (this.#holder === acquisition) this.release();
    });
    if (this.#holder === 0 && this.#waiters.length === 0) {
      this.#holder = acquisition;
      return Promise.resolve(handle);
    }
    return this.#waiters.enqueue(acquisition, signal).promise.then(() => handle);
  }

  /**
   * Releases the lock, handing it straight to the first waiter if there is one.
   *
   * @throws {InvalidStateError} if the lock is not held.
   * @example
   * ```ts
   * import { Lock } from 'aiox';
   * const lock = new Lock();
   * await lock.acquire();
   * lock.release();
   * ```
   */
  release(): void {
    if (this.#holder === 0) throw new InvalidStateError('release() called on an unlocked Lock');
    // Ownership passes directly to the next waiter, so no newcomer can slip in between: FIFO holds.
    this.#holder = this.#waiters.length > 0 ? this.#waiters.peek()! : 0;
    this.#waiters.wakeFirst();
  }
}

