import { validateOptions } from '../internal/validate.js';
import { untilShutDown, type QueueShutdownOptions } from '../sync/queue.js';
import { brand, callProxy, ManagedObject, waitProxy, type ManagedWaitOptions } from './proxy.js';
import { reviveValue } from './revive.js';

/**
 * A proxy of a queue hosted by a {@link Manager}: the methods of {@link Queue}, each async, usable from the
 * caller, thread tasks and process tasks alike. Items are copied (structured clone / V8 serialization);
 * proxies among them come out as usable proxies.
 *
 * An item is handed to a waiting `get` in the manager at the moment it is put; if that getter's worker died
 * before the item could be sent to it, the item goes back in the queue (at the end), so none is lost.
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

  /** Adds an item without waiting. @throws {QueueFull} {QueueShutDown} (rejects) */
  async putNowait(item: T): Promise<void> {
    await callProxy(this, 'putNowait', [item]);
  }

  /** Removes and returns the next item, waiting while the queue is empty. @throws {QueueShutDown} {TimeoutError} (rejects) */
  async get(options: ManagedWaitOptions = {}): Promise<T> {
    return reviveValue((await waitProxy(this, 'get', [], options)) as T);
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
