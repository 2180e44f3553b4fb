// aioprocessing's example with a Manager: a worker process takes a lock, sets an event and puts items on a
// queue; the main program consumes them with await, and its event loop never blocks. A second coroutine
// waits for the event, then for the lock (so until the worker is done), and ends the stream.
//
//   npm run build && node build/examples/manager.js
import { Manager, ProcessPoolExecutor, type ManagedEvent, type ManagedLock, type ManagedQueue } from 'aiox';
import { isMain } from './lib/main.js';
import { fill } from './tasks/manager.js';

async function consume(queue: ManagedQueue<number | null>): Promise<void> {
  for (;;) {
    const result = await queue.get();
    if (result === null) break;
    console.log(`  got result ${result}`);
  }
}

async function finish(queue: ManagedQueue<number | null>, event: ManagedEvent, lock: ManagedLock): Promise<void> {
  await event.wait();
  await using _held = await lock.acquire(); // free once the worker has put all its items
  await queue.put(78);
  await queue.put(null); // ends consume()
}

export async function managerExample(): Promise<void> {
  await using manager = new Manager();
  await using pool = new ProcessPoolExecutor({ maxWorkers: 1 });
  const queue = manager.queue<number | null>();
  const event = manager.event();
  const lock = manager.lock();
  const worker = pool.submit(fill, queue, event, lock, [1, 2, 3, 4, 5], 50);
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 10);
  await Promise.all([consume(queue), finish(queue, event, lock)]);
  clearInterval(ticker);
  console.log(`  worker process ${await worker} filled the queue; this process's event loop ticked ${ticks} times meanwhile`);
}

if (isMain(import.meta.url)) await managerExample();
