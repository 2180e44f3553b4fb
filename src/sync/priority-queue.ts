import { describe, validateFunction, validateOptions } from '../internal/validate.js';
import { Heap } from '../internal/heap.js';
import { Queue, useStore, type ItemStore, type QueueOptions } from './queue.js';

/**
 * Options of {@link PriorityQueue}.
 * @example
 * ```ts
 * import { PriorityQueue } from 'aiox';
 * interface Job { deadline: number; name: string }
 * const jobs = new PriorityQueue<Job>({ compare: (a, b) => a.deadline - b.deadline, maxsize: 100 });
 * jobs.putNowait({ deadline: 20, name: 'report' });
 * jobs.putNowait({ deadline: 10, name: 'backup' });
 * console.log(jobs.getNowait().name); // backup: earliest deadline first
 * ```
 */
export interface PriorityQueueOptions<T> extends QueueOptions {
  /**
   * Orders the items: negative when `a` comes out before `b`. Items that compare equal come out in the
   * order they were put. @default {@link comparePriority}: numbers, strings and bigints by value, arrays
   * element by element (like Python's tuples, so `[priority, data]` entries work)
   */
  readonly compare?: (a: T, b: T) => number;
}

/**
 * The default order of a {@link PriorityQueue}: numbers, strings and bigints by value, and arrays element
 * by element, the shorter first when one is a prefix of the other, as Python compares tuples.
 *
 * @throws {TypeError} for items of other kinds (pass `compare` for those), or of different kinds.
 * @example
 * ```ts
 * import { comparePriority } from 'aiox';
 * comparePriority([1, 'b'], [1, 'c']); // -1
 * ```
 */
export function comparePriority(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < a.length && i < b.length; i++) {
      const order = comparePriority(a[i], b[i]);
      if (order !== 0) return order;
    }
    return a.length - b.length;
  }
  const kind = typeof a;
  if ((kind === 'number' || kind === 'string' || kind === 'bigint') && typeof b === kind) {
    return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
  }
  throw new TypeError(
    `PriorityQueue cannot order ${describe(a)} and ${describe(b)}: items must be numbers, strings, bigints or arrays of them, or give a compare option`,
  );
}

class HeapStore<T> extends Heap<T> implements ItemStore<T> {
  take(): T {
    return this.pop() as T;
  }
}

/**
 * A {@link Queue} that returns the smallest item first, like asyncio's `PriorityQueue`. Entries are often
 * `[priority, data]` arrays; equal entries come out first in first out.
 *
 * @example
 * ```ts
 * import { PriorityQueue } from 'aiox';
 * const q = new PriorityQueue<[number, string]>();
 * q.putNowait([2, 'later']);
 * q.putNowait([1, 'sooner']);
 * q.getNowait(); // [1, 'sooner']
 * ```
 */
export class PriorityQueue<T> extends Queue<T> {
  /** @throws {RangeError} for a bad `maxsize`; {TypeError} for a `compare` that is not a function. */
  constructor(options: PriorityQueueOptions<T> = {}) {
    validateOptions(options);
    const { compare = comparePriority } = options;
    validateFunction(compare, 'compare');
    super(options);
    useStore(this, new HeapStore<T>(compare));
  }
}
