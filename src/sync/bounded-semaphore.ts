import { InvalidStateError } from '../futures/errors.js';
import { validateInteger, validateOptions } from '../internal/validate.js';
import type { AcquireOptions } from './lock.js';
import type { Releasable } from './releasable.js';
import { Semaphore } from './semaphore.js';

/**
 * A {@link Semaphore} that refuses to hold more permits than it started with, like asyncio's
 * `BoundedSemaphore`: a release beyond the initial value is a bug (released twice) and throws.
 *
 * @example
 * ```ts
 * import { BoundedSemaphore } from 'aiox';
 * const sem = new BoundedSemaphore(1);
 * sem.release(); // throws InvalidStateError: no permit was taken
 * ```
 */
export class BoundedSemaphore extends Semaphore {
  readonly #bound: number;

  /**
   * @param value The number of permits, which is also the most it can ever hold. @default 1
   * @throws {RangeError} if `value` is not an integer >= 0.
   */
  constructor(value = 1) {
    super(value);
    this.#bound = value;
  }

  /**
   * As {@link Semaphore.acquireMany}; asking for more permits than the bound could never succeed.
   *
   * @throws {RangeError} if `n` is not an integer between 1 and the initial value.
   * @example
   * ```ts
   * import { BoundedSemaphore } from 'aiox';
   * const sem = new BoundedSemaphore(4);
   * await using _two = await sem.acquireMany(2);
   * ```
   */
  override acquireMany(n: number, options: AcquireOptions = {}): Promise<Releasable> {
    validateOptions(options);
    validateInteger(n, 'n', 1);
    if (n > this.#bound) throw new RangeError(`n must be an integer <= ${this.#bound} (the semaphore's bound), received ${n}`);
    return super.acquireMany(n, options);
  }

  /**
   * As {@link Semaphore.release}, but never beyond the initial value.
   *
   * @throws {InvalidStateError} if the release would leave more permits than the initial value;
   *   {RangeError} if `n` is not an integer >= 1.
   * @example
   * ```ts
   * import { BoundedSemaphore } from 'aiox';
   * const sem = new BoundedSemaphore(2);
   * await sem.acquire();
   * sem.release();
   * ```
   */
  override release(n = 1): void {
    validateInteger(n, 'n', 1);
    if (this.value + n > this.#bound) {
      throw new InvalidStateError(`BoundedSemaphore released too many times: ${this.value} + ${n} permits would exceed its bound of ${this.#bound}`);
    }
    super.release(n);
  }
}
