import { defineTask, sleep, type ManagedEvent, type ManagedLock, type ManagedQueue } from 'aiox';

/**
 * The worker side of aioprocessing's example: holding the lock, sets the event, then puts each item + 5 on
 * the queue, one every `pause` ms. It runs in a worker process and reaches the main program's objects
 * through their proxies, received as ordinary arguments.
 */
export const fill = defineTask(
  import.meta.url,
  async function fill(queue: ManagedQueue<number | null>, event: ManagedEvent, lock: ManagedLock, items: number[], pause: number): Promise<number> {
    await using _held = await lock.acquire();
    await event.set();
    for (const item of items) {
      await sleep(pause);
      await queue.put(item + 5);
    }
    return process.pid;
  },
);
