import { describe, isThenable } from '../internal/validate.js';

/**
 * What a function item of {@link collect} or {@link resolve} receives when a worker calls it.
 * @example
 * ```ts
 * import { collect, type WorkContext } from 'aiox';
 * // Typed by hand when the function is not written inline in the call.
 * const download = (url: string) => ({ signal }: WorkContext) => fetch(url, { signal }).then((r) => r.text());
 * const urls = ['https://example.com/a', 'https://example.com/b'];
 * const pages = await collect(urls.map(download), { workers: 2 });
 * ```
 */
export interface WorkContext {
  /**
   * Aborts when the call that took the item gives up on it (`collect` rejected, `resolve`'s consumer
   * stopped, or the caller's own signal aborted). Pass it on to whatever the function waits for.
   */
  readonly signal: AbortSignal;
}

/**
 * One item of the input of {@link collect} or {@link resolve}: a plain value, a promise (or any thenable,
 * such as a `Future`), or a function returning either. A function is called only when a worker takes it,
 * so only functions are bounded by `workers`: a promise is already running when it is created. Every
 * function is called, so a function cannot itself be a result; wrap it (`() => fn`).
 * @example
 * ```ts
 * import { collect, sleep, type WorkItem } from 'aiox';
 * const items: WorkItem<number>[] = [
 *   1, // a value
 *   Promise.resolve(2), // already running: `workers` does not bound it
 *   async ({ signal }) => { await sleep(10, { signal }); return 3; }, // called when a worker takes it
 * ];
 * console.log(await collect(items, { workers: 1 })); // [ 1, 2, 3 ]
 * ```
 */
export type WorkItem<T> = T | PromiseLike<T> | ((context: WorkContext) => T | PromiseLike<T>);

/**
 * The input of {@link collect} and {@link resolve}: an iterable or async iterable of {@link WorkItem}s.
 * @example
 * ```ts
 * import { collect, type WorkInput } from 'aiox';
 * async function countTruthy(items: WorkInput<unknown>): Promise<number> {
 *   return (await collect(items, { workers: 4 })).filter(Boolean).length;
 * }
 * console.log(await countTruthy([1, Promise.resolve(0), () => 'yes'])); // 2
 * ```
 */
export type WorkInput<T> = Iterable<WorkItem<T>> | AsyncIterable<WorkItem<T>>;

/** The end of an iteration, shared rather than allocated each time. */
export const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });
const ignore = (): void => undefined;

/**
 * Takes items from a sync or async iterable for a set of workers, one at a time and in order.
 *
 * A sync iterable is read synchronously (no await per item on the hot path). An async iterator is never
 * asked for a next item before its previous answer settled, because hand-written async iterators need not
 * queue concurrent `next()` calls the way async generators do.
 */
export class WorkInputReader<T> {
  /** Whether `takeSync` (rather than `takeAsync`) is the way to read. */
  readonly isSync: boolean;
  #sync: Iterator<WorkItem<T>> | undefined;
  #async: AsyncIterator<WorkItem<T>> | undefined;
  // Kept so that close() can mark the promises nobody took as handled: the caller made them all up front.
  #array: readonly unknown[] | undefined;
  #taken = 0;
  #finished = false;
  #chain: Promise<unknown> = Promise.resolve();
  readonly #pull = (): IteratorResult<WorkItem<T>> | Promise<IteratorResult<WorkItem<T>>> =>
    this.#finished ? DONE : this.#async!.next();

  constructor(items: WorkInput<T>) {
    if (items !== null && typeof items === 'object' && Symbol.asyncIterator in items) {
      this.isSync = false;
      this.#async = items[Symbol.asyncIterator]();
    } else if (items !== null && items !== undefined && typeof (items as Iterable<T>)[Symbol.iterator] === 'function') {
      this.isSync = true;
      this.#sync = (items as Iterable<WorkItem<T>>)[Symbol.iterator]();
      if (Array.isArray(items)) this.#array = items;
    } else {
      throw new TypeError(`items must be an iterable or an async iterable, received ${describe(items)}`);
    }
  }

  /** Whether the input has ended, failed or been closed: no more items will come. */
  get finished(): boolean {
    return this.#finished;
  }

  /** The next step of a sync input. Throws what the input throws; the input is then finished. */
  takeSync(): IteratorResult<WorkItem<T>> {
    if (this.#finished) return DONE;
    try {
      const step = this.#sync!.next();
      if (step.done === true) this.#finished = true;
      else this.#taken++;
      return step;
    } catch (error) {
      this.#finished = true;
      throw error;
    }
  }

  /** The next step of an async input, after the previous one settled. Rejects as the input does. */
  async takeAsync(): Promise<IteratorResult<WorkItem<T>>> {
    const pending = this.#chain.then(this.#pull, this.#pull);
    this.#chain = pending;
    try {
      const step = await pending;
      if (step.done === true) this.#finished = true;
      return step;
    } catch (error) {
      this.#finished = true;
      throw error;
    }
  }

  /**
   * Stops reading: the iterator's `return()` runs (a generator's `finally` blocks), and promises of an array
   * input that were never taken get a no-op handler so that their rejections are not reported as unhandled.
   */
  close(): void {
    if (this.#array !== undefined) {
      const array = this.#array;
      this.#array = undefined;
      for (let i = this.#taken; i < array.length; i++) {
        const item = array[i];
        if (isThenable(item)) item.then(undefined, ignore);
      }
    }
    if (this.#finished) return;
    this.#finished = true;
    try {
      const closing = this.#sync !== undefined ? this.#sync.return?.() : this.#async!.return?.();
      if (isThenable(closing)) closing.then(undefined, ignore);
    } catch {
      // The input's own cleanup failed; the caller is already ending for a reason of its own.
    }
  }
}

/** Marks an item that was taken but is dropped (its caller stopped) as handled, if it is a promise. */
export function dropItem(item: unknown): void {
  if (isThenable(item)) item.then(undefined, ignore);
}
