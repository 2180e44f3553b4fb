import { describe, validateInteger, validateOptions } from '../internal/validate.js';
import { untilShutDown, type QueueShutdownOptions } from '../sync/queue.js';
import { brand, callProxy, ManagedObject, waitProxy, type ManagedWaitOptions } from './proxy.js';
import { reviveValue } from './revive.js';

/**
 * Options of {@link ManagedQueue.getMany}.
 * @example
 * ```ts
 * import { Manager } from 'aiox';
 * await using manager = new Manager();
 * const jobs = manager.queue<number>();
 * await jobs.putMany([1, 2, 3]);
 * console.log(await jobs.getMany({ max: 2 })); // [1, 2]
 * ```
 */
export interface ManagedGetManyOptions extends ManagedWaitOptions {
  /** The most items to take at once (an integer >= 1, or `Infinity`: every item there). @default Infinity */
  readonly max?: number;
}

/**
 * A proxy of a queue hosted by a {@link Manager}: the methods of {@link Queue}, each async, usable from the
 * caller, thread tasks and process tasks alike. Items are copied (structured clone / V8 serialization);
 * proxies among them come out as usable proxies.
 *
 * An item is handed to a waiting `get` in the manager at the moment it is put; if that getter's worker died
 * before the item could be sent to it, the item goes back in the queue (at the end), so none is lost.
 *
 * Every call is a message to the manager and its answer. Calls made in one turn share a frame, but to move
 * many small items, `putMany` and `getMany` carry a batch in one call each way: from one process to another
 * they move several times more items a second than a `put` and a `get` per item (docs/benchmarks.md, q1).
 *
 * @example
 * ```ts
 * import { Manager } from 'aiox';
 * await using manager = new Manager();
 * const results = manager.queue<number>({ maxsize: 100 });
 * await results.put(1);
 * console.log(await results.get()); // 1
 * ```
 */
export class ManagedQueue<T> extends ManagedObject implements AsyncIterable<T> {
  static {
    brand(this, 'queue');
  }

  /** Adds an item, waiting while the queue is full. @throws {QueueShutDown} {TimeoutError} (rejects) */
  async put(item: T, options: ManagedWaitOptions = {}): Promise<void> {
    await waitProxy(this, 'put', [item], options);
  }

  /**
   * Adds `items` in order, as a run of `put`s would: while the queue is full, each waits for room. Resolves
   * once all are in the queue; one call to the manager, whatever their number.
   *
   * If it stops before the end (its `signal` or `timeout`, or the queue shut down), it rejects, and the
   * items put before that stay in the queue.
   * @throws {TypeError} if `items` is not iterable. {QueueShutDown} {TimeoutError} (rejects)
   * @example
   * ```ts
   * import { Manager } from 'aiox';
   * await using manager = new Manager();
   * const lines = manager.queue<string>({ maxsize: 1000 });
   * await lines.putMany(['a', 'b', 'c']);
   * console.log(await lines.qsize()); // 3
   * ```
   */
  async putMany(items: Iterable<T>, options: ManagedWaitOptions = {}): Promise<void> {
    if (items === null || typeof (items as Partial<Iterable<T>>)?.[Symbol.iterator] !== 'function') {
      throw new TypeError(`items must be an iterable, received ${describe(items)}`);
    }
    await waitProxy(this, 'putMany', [Array.isArray(items) ? items : [...items]], options);
  }

  /** Adds an item without waiting. @throws {QueueFull} {QueueShutDown} (rejects) */
  async putNowait(item: T): Promise<void> {
    await callProxy(this, 'putNowait', [item]);
  }

  /** Removes and returns the next item, waiting while the queue is empty. @throws {QueueShutDown} {TimeoutError} (rejects) */
  async get(options: ManagedWaitOptions = {}): Promise<T> {
    return reviveValue((await waitProxy(this, 'get', [], options)) as T);
  }

  /**
   * Removes and returns the next items, in queue order: waits while the queue is empty, then takes every
   * item there at that moment, up to `max`. Resolves to at least one item.
   *
   * As for `get`, items handed to a worker that died before they reached it go back in the queue.
   * @throws {RangeError} for a bad `max`. {QueueShutDown} {TimeoutError} (rejects)
   * @example
   * ```ts
   * import { Manager } from 'aiox';
   * await using manager = new Manager();
   * const jobs = manager.queue<number>();
   * await jobs.putMany([1, 2, 3]);
   * console.log(await jobs.getMany()); // [1, 2, 3]
   * ```
   */
  async getMany(options: ManagedGetManyOptions = {}): Promise<T[]> {
    validateOptions(options);
    const { max = Infinity } = options;
    validateInteger(max, 'max', 1, true);
    const items = (await waitProxy(this, 'getMany', [max], options)) as T[];
    for (let i = 0; i < items.length; i++) items[i] = reviveValue(items[i] as T);
    return items;
  }

  /** Removes and returns the next item without waiting. @throws {QueueEmpty} {QueueShutDown} (rejects) */
  async getNowait(): Promise<T> {
    return reviveValue((await callProxy(this, 'getNowait')) as T);
  }

  /** The number of items in the queue. */
  async qsize(): Promise<number> {
    return (await callProxy(this, 'qsize')) as number;
  }

  async empty(): Promise<boolean> {
    return (await callProxy(this, 'empty')) as boolean;
  }

  async full(): Promise<boolean> {
    return (await callProxy(this, 'full')) as boolean;
  }

  /** Says that an item taken has been processed; see {@link Queue.taskDone}. @throws {InvalidStateError} (rejects) */
  async taskDone(): Promise<void> {
    await callProxy(this, 'taskDone');
  }

  /** Waits until every item put has been marked done. @throws {TimeoutError} (rejects) */
  async join(options: ManagedWaitOptions = {}): Promise<void> {
    await waitProxy(this, 'join', [], options);
  }

  /** Shuts the queue down; see {@link Queue.shutdown}. */
  async shutdown(options: QueueShutdownOptions = {}): Promise<void> {
    validateOptions(options);
    await callProxy(this, 'shutdown', [options.immediate === true]);
  }

  /** Yields items as `get()` returns them, ending when the queue is shut down and empty. */
  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    return untilShutDown(() => this.get());
  }
}
