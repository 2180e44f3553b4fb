import { InvalidStateError, QueueEmpty, QueueFull, QueueShutDown } from '../futures/errors.js';
import { Deque } from '../internal/deque.js';
import { validateInteger, validateOptions, validateSignal } from '../internal/validate.js';
import { Waiters } from '../internal/waiters.js';

/**
 * Options of {@link Queue}, {@link LifoQueue} and {@link PriorityQueue}.
 * @example
 * ```ts
 * import { Queue } from 'aiox';
 * const lines = new Queue<string>({ maxsize: 2 }); // back-pressure: a third put waits for a get
 * await lines.put('a');
 * await lines.put('b');
 * console.log(lines.full(), lines.qsize()); // true 2
 * ```
 */
export interface QueueOptions {
  /** The most items the queue holds; `put` waits while it is full. 0 or `Infinity` means no limit. @default 0 */
  readonly maxsize?: number;
}

/**
 * Options of the waiting methods of a queue.
 * @example
 * ```ts
 * import { Queue } from 'aiox';
 * const results = new Queue<number>();
 * const stop = new AbortController();
 * setTimeout(() => stop.abort(), 100);
 * // An aborted get takes nothing, so no item is lost to a consumer that left.
 * await results.get({ signal: stop.signal }).catch((e) => console.log(e.name)); // AbortError
 * ```
 */
export interface QueueWaitOptions {
  /** Stops waiting: the call rejects with `signal.reason`; an aborted `put` adds nothing, an aborted `get` takes nothing. */
  readonly signal?: AbortSignal;
}

/**
 * Options of {@link Queue.shutdown}.
 * @example
 * ```ts
 * import { Queue } from 'aiox';
 * const jobs = new Queue<string>();
 * jobs.putNowait('a');
 * jobs.shutdown({ immediate: true }); // 'a' is dropped, so gets fail at once
 * await jobs.join(); // at once: a dropped item counts as done
 * ```
 */
export interface QueueShutdownOptions {
  /** Drop the items still queued (and count them as done for `join()`), so `get` fails at once. @default false */
  readonly immediate?: boolean;
}

/**
 * The lifecycle of a queue.
 * @example
 * ```ts
 * import { Queue, QueueState } from 'aiox';
 * function offer(queue: Queue<string>, job: string): boolean {
 *   if (queue.state !== QueueState.OPEN) return false; // putNowait would throw QueueShutDown
 *   queue.putNowait(job);
 *   return true;
 * }
 * ```
 */
export const QueueState = {
  OPEN: 'open',
  /** `shutdown()` was called: puts fail; gets take what is left, then fail. */
  SHUT_DOWN: 'shut-down',
} as const;
/** One of the values of {@link QueueState}. */
export type QueueState = (typeof QueueState)[keyof typeof QueueState];

/**
 * Where a queue keeps its items; the order in which `take()` returns them is what tells `Queue`,
 * `LifoQueue` and `PriorityQueue` apart.
 * @internal
 */
export interface ItemStore<T> {
  readonly length: number;
  push(item: T): void;
  /** Removes and returns the next item; only called when `length > 0`. */
  take(): T;
}

class FifoStore<T> extends Deque<T> implements ItemStore<T> {
  take(): T {
    return this.shift() as T;
  }
}

let setStore: <T>(queue: Queue<T>, store: ItemStore<T>) => void;

/**
 * Lets a subclass in this package choose the order of its items, without a protected member on the public
 * surface. Call it from the constructor, before any item is put.
 * @internal
 */
export function useStore<T>(queue: Queue<T>, store: ItemStore<T>): void {
  setStore(queue, store);
}

/**
 * A first-in first-out queue for async producers and consumers, like asyncio's `Queue` (including
 * Python 3.13's `shutdown`). `put` waits while the queue is full, `get` while it is empty; waiters are
 * served in order. An item is handed to a waiting `get` at the moment it is put, so a `get` aborted
 * afterwards cannot lose it. It is also an async iterable that ends when the queue is shut down and empty.
 *
 * @example
 * ```ts
 * import { Queue } from 'aiox';
 * const jobs = new Queue<string>({ maxsize: 100 });
 * const worker = (async () => {
 *   for await (const job of jobs) {
 *     console.log('working on', job);
 *     jobs.taskDone();
 *   }
 * })();
 * await jobs.put('a');
 * await jobs.put('b');
 * await jobs.join(); // both done
 * jobs.shutdown();
 * await worker;
 * ```
 */
export class Queue<T> implements AsyncIterable<T> {
  #store: ItemStore<T> = new FifoStore<T>();
  readonly #maxsize: number;
  #state: QueueState = QueueState.OPEN;
  #unfinished = 0;
  readonly #getters = new Waiters<T>();
  readonly #putters = new Waiters<void, T>();
  readonly #joiners = new Waiters<void>();

  static {
    setStore = (queue, store) => {
      queue.#store = store;
    };
  }

  /** @throws {RangeError} if `maxsize` is not an integer >= 0 (or `Infinity`). */
  constructor(options: QueueOptions = {}) {
    validateOptions(options);
    const { maxsize = 0 } = options;
    validateInteger(maxsize, 'maxsize', 0, true);
    this.#maxsize = maxsize === 0 ? Infinity : maxsize;
  }

  /** The most items the queue holds; `Infinity` when unbounded. */
  get maxsize(): number {
    return this.#maxsize;
  }

  /** `OPEN` or `SHUT_DOWN`. */
  get state(): QueueState {
    return this.#state;
  }

  /** The number of items in the queue. */
  qsize(): number {
    return this.#store.length;
  }

  /** True when the queue holds no item. */
  empty(): boolean {
    return this.#store.length === 0;
  }

  /** True when the queue holds `maxsize` items. */
  full(): boolean {
    return this.#store.length >= this.#maxsize;
  }

  /**
   * Adds an item, waiting while the queue is full. Puts are served in order.
   *
   * @throws {QueueShutDown} (rejects) if the queue is shut down, before or while waiting.
   * @example
   * ```ts
   * import { Queue } from 'aiox';
   * const q = new Queue<number>({ maxsize: 1 });
   * await q.put(1);
   * const second = q.put(2, { signal: AbortSignal.timeout(1000) }); // waits for a get
   * console.log(await q.get()); // 1, which makes room for 2
   * await second;
   * ```
   */
  put(item: T, options: QueueWaitOptions = {}): Promise<void> {
    validateOptions(options);
    const { signal } = options;
    validateSignal(signal);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#state === QueueState.SHUT_DOWN) return Promise.reject(new QueueShutDown());
    if (this.#putters.length === 0 && !this.full()) {
      this.#add(item);
      return Promise.resolve();
    }
    return this.#putters.enqueue(item, signal).promise;
  }

  /**
   * Adds an item without waiting.
   *
   * @throws {QueueFull} if the queue is full; {QueueShutDown} if it is shut down.
   * @example
   * ```ts
   * import { Queue } from 'aiox';
   * const q = new Queue<number>();
   * q.putNowait(1);
   * ```
   */
  putNowait(item: T): void {
    if (this.#state === QueueState.SHUT_DOWN) throw new QueueShutDown();
    if (this.#putters.length > 0 || this.full()) throw new QueueFull();
    this.#add(item);
  }

  /**
   * Removes and returns the next item, waiting while the queue is empty. Gets are served in order.
   *
   * @throws {QueueShutDown} (rejects) if the queue is shut down and empty, before or while waiting.
   * @example
   * ```ts
   * import { Queue } from 'aiox';
   * const q = new Queue<number>();
   * setTimeout(() => q.putNowait(7), 10);
   * await q.get(); // 7
   * ```
   */
  get(options: QueueWaitOptions = {}): Promise<T> {
    validateOptions(options);
    const { signal } = options;
    validateSignal(signal);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#store.length > 0) return Promise.resolve(this.getNowait());
    if (this.#state === QueueState.SHUT_DOWN) return Promise.reject(new QueueShutDown());
    return this.#getters.enqueue(undefined, signal).promise;
  }

  /**
   * Removes and returns the next item without waiting.
   *
   * @throws {QueueEmpty} if the queue is empty; {QueueShutDown} if it is shut down and empty.
   * @example
   * ```ts
   * import { Queue } from 'aiox';
   * const q = new Queue<number>();
   * q.putNowait(1);
   * q.getNowait(); // 1
   * ```
   */
  getNowait(): T {
    if (this.#store.length === 0) throw this.#state === QueueState.SHUT_DOWN ? new QueueShutDown() : new QueueEmpty();
    const item = this.#store.take();
    // A slot is free: the first waiting put takes it now, so the order of puts is kept.
    while (this.#putters.length > 0 && !this.full()) {
      const next = this.#putters.peek() as T;
      this.#putters.wakeFirst();
      this.#store.push(next);
      this.#unfinished++;
    }
    return item;
  }

  /**
   * Says that an item taken with `get` has been processed; once every item put has been, `join()` resolves.
   *
   * @throws {InvalidStateError} if called more times than items were put.
   * @example
   * ```ts
   * import { Queue } from 'aiox';
   * const q = new Queue<number>();
   * q.putNowait(1);
   * q.getNowait();
   * q.taskDone();
   * await q.join(); // at once
   * ```
   */
  taskDone(): void {
    if (this.#unfinished === 0) throw new InvalidStateError('taskDone() called more times than items were put');
    this.#unfinished--;
    if (this.#unfinished === 0) while (this.#joiners.wakeFirst());
  }

  /**
   * Waits until every item put has been marked done with `taskDone()`.
   *
   * @throws {TypeError} for a bad `signal`.
   * @example
   * ```ts
   * import { Queue } from 'aiox';
   * const q = new Queue<number>();
   * await q.join(); // at once: nothing was put
   * ```
   */
  join(options: QueueWaitOptions = {}): Promise<void> {
    validateOptions(options);
    const { signal } = options;
    validateSignal(signal);
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#unfinished === 0) return Promise.resolve();
    return this.#joiners.enqueue(undefined, signal).promise;
  }

  /**
   * Shuts the queue down, as Python 3.13 does: waiting and later puts fail with `QueueShutDown`; gets
   * take the items left and then fail with it too (waiting gets fail at once, since the queue is empty
   * when anyone waits). With `immediate`, the items left are dropped and counted as done. Calling it again
   * does nothing more, except that `immediate` still drops what is left.
   *
   * @example
   * ```ts
   * import { Queue } from 'aiox';
   * const q = new Queue<number>();
   * q.putNowait(1);
   * q.shutdown();
   * q.getNowait(); // 1
   * q.getNowait(); // throws QueueShutDown
   * ```
   */
  shutdown(options: QueueShutdownOptions = {}): void {
    validateOptions(options);
    const { immediate = false } = options;
    this.#state = QueueState.SHUT_DOWN;
    if (immediate) {
      for (; this.#store.length > 0; this.#unfinished--) this.#store.take();
      if (this.#unfinished === 0) while (this.#joiners.wakeFirst());
    }
    this.#getters.rejectAll(new QueueShutDown());
    this.#putters.rejectAll(new QueueShutDown());
  }

  /**
   * Yields items as `get()` returns them, ending when the queue is shut down and empty. It does not call
   * `taskDone()` for you. Breaking out of the loop takes no further item.
   */
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    return untilShutDown(() => this.get());
  }

  #add(item: T): void {
    // Someone waits only while the queue is empty, so handing the item over keeps every order intact.
    if (!this.#getters.wakeFirst(item)) this.#store.push(item);
    this.#unfinished++;
  }
}

/**
 * Yields what `get` returns until it throws QueueShutDown (the end of the items); any other error is
 * thrown. What every queue's async iterator does: this one, the shared queue's, a Manager's queue and pipe.
 */
export async function* untilShutDown<T>(get: () => Promise<T>): AsyncGenerator<T, void, undefined> {
  while (true) {
    let item: T;
    try {
      item = await get();
    } catch (error) {
      if (error instanceof QueueShutDown) return;
      throw error;
    }
    yield item;
  }
}
