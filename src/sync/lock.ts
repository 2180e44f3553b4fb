import { InvalidStateError } from '../futures/errors.js';
import { validateSignal } from '../internal/validate.js';
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
  #locked = false;
  readonly #waiters = new Waiters<void>();

  /** True while someone holds the lock. */
  locked(): boolean {
    return this.#locked;
  }

  /**
   * Waits until the lock is free, takes it, and resolves to a handle that releases it once (also through
   * `using` / `await using`). A signal that aborts after the lock was handed over changes nothing: the
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
    const { signal } = options;
    validateSignal(signal);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const handle = releasable(() => this.release());
    if (!this.#locked && this.#waiters.length === 0) {
      this.#locked = true;
      return Promise.resolve(handle);
    }
    return this.#waiters.enqueue(undefined, signal).promise.then(() => handle);
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
    if (!this.#locked) throw new InvalidStateError('release() called on an unlocked Lock');
    // Ownership passes directly to the next waiter, so no newcomer can slip in between: FIFO holds.
    if (!this.#waiters.wakeFirst()) this.#locked = false;
  }
}
