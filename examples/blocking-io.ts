// Blocking calls in threads: five tasks that each hold their thread for one second (as a synchronous
// database driver or a slow `readFileSync` would) finish together in about one second on five threads,
// while the main thread's event loop stays free.
//
//   npm run build && node build/examples/blocking-io.js
import { ThreadPoolExecutor } from 'aiox';
import { noteIfBusy } from './lib/load.js';
import { isMain } from './lib/main.js';
import { Timeline } from './lib/timeline.js';
import { blockFor } from './tasks/io.js';

const TASKS = 5;
const BLOCK_MS = 1000;

export async function blockingIo(): Promise<void> {
  await noteIfBusy(runBlockingIo);
}

async function runBlockingIo(): Promise<void> {
  console.log(`${TASKS} tasks, each blocking its thread for ${BLOCK_MS} ms (Atomics.wait), on ${TASKS} worker threads`);
  const timeline = new Timeline();
  // The main thread keeps ticking while the workers are blocked: count its timer callbacks.
  let ticks = 0;
  const ticker = setInterval(() => ticks++, 50);
  {
    await using pool = new ThreadPoolExecutor({ maxWorkers: TASKS });
    const futures = Array.from({ length: TASKS }, () => pool.submit(blockFor, BLOCK_MS));
    for (const [i, future] of futures.entries()) timeline.add(`task ${i + 1}`, await future);
  }
  clearInterval(ticker);
  const elapsed = timeline.now();
  const { first, last } = timeline.extent();
  console.log(`  ${TASKS} × ${BLOCK_MS} ms of blocking ran side by side: first start ${Math.round(first)} ms, last end ${Math.round(last)} ms (${Math.round(last - first)} ms)`);
  console.log(`  ${Math.round(elapsed)} ms in all, starting the threads included; the main event loop ran ${ticks} timer ticks meanwhile`);
  console.log(timeline.render());
}

if (isMain(import.meta.url)) await blockingIo();
