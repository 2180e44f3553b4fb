import { describe, isThenable } from './validate.js';

/** The end of an iteration, shared rather than allocated each time. */
export const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
const ignore = (): void => undefined;

/**
 * Takes the items of a sync or async iterable, one at a time and in order: the one way `map`, `collect` and
 * `resolve` read their input. Each of them runs the same loop over it:
 * `step = reader.isSync ? reader.takeSync() : await reader.takeAsync()`, then, when `step` is undefined,
 * the input has ended or thrown (`failure`).
 *
 * A sync iterable is read synchronously (no await per item on the hot path). An async iterator is never
 * asked for a next item before its previous answer settled, because hand-written async iterators need not
 * queue concurrent `next()` calls the way async generators do. An input that ended or threw is finished:
 * like for-of, `close()` does not call its `return()` then.
 */
export class InputReader<T> {
  /** Whether `takeSync` (rather than `takeAsync`) is the way to read. */
  readonly isSync: boolean;
  #sync: Iterator<T> | undefined;
  #async: AsyncIterator<T> | undefined;
  // Kept so that close() can mark the promises nobody took as handled: the caller made them all up front.
  #array: readonly unknown[] | undefined;
  #taken = 0;
  #finished = false;
  #failure: { readonly error: unknown } | undefined;
  #pulling = 0;
  #chain: Promise<unknown> = Promise.resolve();
  readonly #pull = (): IteratorResult<T> | Promise<IteratorResult<T>> => (this.#finished ? DONE : this.#async!.next());

  /** Starts iterating `items`. @throws {TypeError} as {@link isSyncInput}. */
  constructor(items: Iterable<T> | AsyncIterable<T>) {
    this.isSync = isSyncInput(items);
    if (this.isSync) {
      this.#sync = (items as Iterable<T>)[Symbol.iterator]();
      if (Array.isArray(items)) this.#array = items;
    } else {
      this.#async = (items as AsyncIterable<T>)[Symbol.asyncIterator]();
    }
  }

  /** Whether the input has ended, failed or been closed: no more items will come. */
  get finished(): boolean {
    return this.#finished;
  }

  /** What the input threw, once it has. */
  get failure(): { readonly error: unknown } | undefined {
    return this.#failure;
  }

  /** Calls of `takeAsync` not settled yet. */
  get pulling(): number {
    return this.#pulling;
  }

  /** The next item of a sync input; undefined once the input has ended or thrown (see `failure`). */
  takeSync(): IteratorYieldResult<T> | undefined {
    if (this.#finished) return undefined;
    let step: IteratorResult<T>;
    try {
      step = this.#sync!.next();
    } catch (error) {
      this.#fail(error);
      return undefined;
    }
    return this.#took(step);
  }

  /** The next item of an async input, after the previous one settled; undefined as for `takeSync`. */
  async takeAsync(): Promise<IteratorYieldResult<T> | undefined> {
    // Asked at once when no other read is pending (the common case, one reader loop); else queued behind it.
    const pending = this.#pulling === 0 ? this.#pullNow() : this.#chain.then(this.#pull, this.#pull);
    this.#chain = pending;
    this.#pulling++;
    try {
      return this.#took(await pending);
    } catch (error) {
      this.#fail(error);
      return undefined;
    } finally {
      this.#pulling--;
    }
  }

  /**
   * Stops reading: the iterator's `return()` runs (a generator's `finally` blocks), unless the input is
   * finished already. Resolves or rejects as `return()` does.
   */
  async return(): Promise<void> {
    if (this.#finished) return;
    this.#finished = true;
    await (this.#sync !== undefined ? this.#sync.return?.() : this.#async!.return?.());
  }

  /**
   * Stops reading, as `return()` does, without waiting for it: the caller ends for a reason of its own.
   * Promises of an array input that were never taken get a no-op handler, so that their rejections are not
   * reported as unhandled.
   */
  close(): void {
    if (this.#array !== undefined) {
      const array = this.#array;
      this.#array = undefined;
      for (let i = this.#taken; i < array.length; i++) dropItem(array[i]);
    }
    this.return().catch(ignore);
  }

  #pullNow(): Promise<IteratorResult<T>> {
    try {
      return Promise.resolve(this.#pull());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #took(step: IteratorResult<T>): IteratorYieldResult<T> | undefined {
    if (step.done !== true) {
      this.#taken++;
      return step;
    }
    this.#finished = true;
    return undefined;
  }

  #fail(error: unknown): void {
    this.#failure ??= { error };
    this.#finished = true;
  }
}

/**
 * Whether `items` is read as a sync iterable (true) or an async one (false), without starting to iterate it.
 * @throws {TypeError} if it is neither.
 */
export function isSyncInput(items: unknown): boolean {
  if (items !== null && typeof items === 'object' && Symbol.asyncIterator in items) return false;
  if (items !== null && items !== undefined && typeof (items as Iterable<unknown>)[Symbol.iterator] === 'function') return true;
  throw new TypeError(`items must be an iterable or an async iterable, received ${describe(items)}`);
}

/** Marks an item that was taken but is dropped (its caller stopped) as handled, if it is a promise. */
export function dropItem(item: unknown): void {
  if (isThenable(item)) item.then(undefined, ignore);
}
