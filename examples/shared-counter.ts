// Memory shared between worker threads: a plain counter guarded by a SharedLock, and a SharedQueue of
// objects filled by workers and drained by the main thread, whose event loop never blocks.
//
//   npm run build && node build/examples/shared-counter.js
import { SharedLock, SharedQueue, ThreadPoolExecutor } from 'aiox';
import { isMain } from './lib/main.js';
import { countUnderLock, produceWords } from './tasks/shared.js';

const WORKERS = 4;
const TIMES = 100_000;

export async function sharedCounter(): Promise<void> {
  await using pool = new ThreadPoolExecutor({ maxWorkers: WORKERS });

  const lock = new SharedLock();
  const memory = new SharedArrayBuffer(4);
  await Promise.all(Array.from({ length: WORKERS }, () => pool.submit(countUnderLock, lock, memory, TIMES)));
  console.log(`${WORKERS} threads × ${TIMES} locked increments: counter = ${new Int32Array(memory)[0]} (expected ${WORKERS * TIMES})`);

  const queue = new SharedQueue<{ word: string; n: number }>({ maxBytes: 4096 });
  const producers = Promise.all(['a', 'b'].map((prefix) => pool.submit(produceWords, queue, prefix, 1000))).then(() => queue.shutdown());
  let received = 0;
  for await (const item of queue) received += item.n >= 0 ? 1 : 0;
  await producers;
  console.log(`received ${received} items through a ${queue.maxBytes}-byte shared queue`);
}

if (isMain(import.meta.url)) await sharedCounter();
