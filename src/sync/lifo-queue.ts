import { Deque } from '../internal/deque.js';
import { Queue, useStore, type ItemStore, type QueueOptions } from './queue.js';

class LifoStore<T> extends Deque<T> implements ItemStore<T> {
  take(): T {
    return this.pop() as T;
  }
}

/**
 * A {@link Queue} that returns the most recently added item first (a stack), like asyncio's `LifoQueue`.
 *
 * @example
 * ```ts
 * import { LifoQueue } from 'aiox';
 * const q = new LifoQueue<number>();
 * q.putNowait(1);
 * q.putNowait(2);
 * q.getNowait(); // 2
 * ```
 */
export class LifoQueue<T> extends Queue<T> {
  /** @throws {RangeError} if `maxsize` is not an integer >= 0 (or `Infinity`). */
  constructor(options: QueueOptions = {}) {
    super(options);
    useStore(this, new LifoStore<T>());
  }
}
