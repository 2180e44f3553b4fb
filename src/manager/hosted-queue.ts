import { QueueFull } from '../futures/errors.js';
import { describe, validateInteger } from '../internal/validate.js';
import { LifoQueue } from '../sync/lifo-queue.js';
import { PriorityQueue } from '../sync/priority-queue.js';
import { Queue, QueueState } from '../sync/queue.js';
import { table, timed, timeoutOf, type CallContext, type Hosted } from './hosted.js';

/**
 * The order of a managed queue: first in first out, last in first out, or smallest first.
 * @example
 * ```ts
 * import { Manager, type QueueOrder } from 'aiox';
 * await using manager = new Manager();
 * const order: QueueOrder = 'lifo';
 * const stack = manager.queue<number>({ order });
 * ```
 */
export type QueueOrder = 'fifo' | 'lifo' | 'priority';

/**
 * A queue of src/sync/ served to peers. `putMany` and `getMany` move a batch in one call: a batch is put in
 * order as a run of `put`s would be (waiting for room item by item), and `getMany` waits only for its
 * first item, then takes what else is there now, up to its `max`.
 */
export function hostQueue(maxsize: number, order: QueueOrder): Hosted {
  const queue = order === 'lifo' ? new LifoQueue<unknown>({ maxsize }) : order === 'priority' ? new PriorityQueue<unknown>({ maxsize }) : new Queue<unknown>({ maxsize });
  /** Puts without waiting while there is room; returns how many of `items` from `from` went in. */
  const putWhileRoom = (items: readonly unknown[], from: number): number => {
    let i = from;
    if (queue.state !== QueueState.OPEN) return i;
    try {
      while (i < items.length && !queue.full()) queue.putNowait(items[i++]);
    } catch (error) {
      // A put that waits is ahead of this one: the rest waits its turn too.
      if (!(error instanceof QueueFull)) throw error;
      i--;
    }
    return i;
  };
  /** Items that were taken but cannot reach their taker go back in the queue (at the end). */
  const giveBack = (items: readonly unknown[]): void => {
    for (const item of items) void queue.put(item).catch(() => undefined);
  };
  /** Items handed to a peer whose connection closed before the reply left go back. */
  const handedOver = <T>(call: CallContext, items: T): T => {
    if (call.peer.gone) giveBack(items as unknown[]);
    return items;
  };
  const takeNow = (first: unknown[], max: number): unknown[] => {
    while (first.length < max && !queue.empty()) first.push(queue.getNowait());
    return first;
  };
  return {
    methods: table({
      put: (call, [item, options]) => {
        const timeout = timeoutOf(options);
        // Without waiting, no signal is needed: most puts take this way, and pay for no AbortController.
        if (putWhileRoom([item], 0) === 1) return undefined;
        return timed(call, timeout, (signal) => queue.put(item, { signal }));
      },
      putMany: (call, [items, options]) => {
        if (!Array.isArray(items)) throw new TypeError(`items must be an array, received ${describe(items)}`);
        const timeout = timeoutOf(options);
        let i = putWhileRoom(items, 0);
        if (i === items.length) return undefined;
        return timed(call, timeout, async (signal) => {
          for (; i < items.length; i = putWhileRoom(items, i + 1)) await queue.put(items[i], { signal });
        });
      },
      putNowait: (_call, [item]) => queue.putNowait(item),
      get: (call, [options]) => {
        const timeout = timeoutOf(options);
        if (!queue.empty()) return queue.getNowait();
        return timed(call, timeout, (signal) => queue.get({ signal })).then((item) => handedOver(call, [item])[0]);
      },
      getMany: (call, [max, options]) => {
        validateInteger(max, 'max', 1, true);
        const most = max;
        const timeout = timeoutOf(options);
        if (!queue.empty()) return takeNow([], most);
        return timed(call, timeout, (signal) => queue.get({ signal })).then((item) => handedOver(call, takeNow([item], most)));
      },
      getNowait: () => queue.getNowait(),
      qsize: () => queue.qsize(),
      empty: () => queue.empty(),
      full: () => queue.full(),
      taskDone: () => queue.taskDone(),
      join: (call, [options]) => timed(call, timeoutOf(options), (signal) => queue.join({ signal })),
      shutdown: (_call, [immediate]) => queue.shutdown({ immediate: immediate === true }),
    }),
    // A batch of items can be over the frame limit although each item came in under it: they go back.
    unsent: (method, value) => {
      if (method === 'getMany') giveBack(value as unknown[]);
      else if (method === 'get' || method === 'getNowait') giveBack([value]);
    },
  };
}
