// A worker that dies (here by calling process.exit) fails only the task it was running, with
// BrokenThreadPool or BrokenProcessPool naming the exit code; the pool starts a replacement and serves the
// rest. (Python's pools would be broken for good at this point.)
//
//   npm run build && node build/examples/crash.js
import { BrokenExecutor, ProcessPoolExecutor, ThreadPoolExecutor } from 'aiox';
import { isMain } from './lib/main.js';
import { Timeline } from './lib/timeline.js';
import { blockFor } from './tasks/io.js';
import { exitWorker } from './tasks/runaway.js';

export async function crash(): Promise<void> {
  console.log('Six tasks on a pool of two workers; the third calls process.exit(3)');
  for (const [kind, pool] of [
    ['threads', new ThreadPoolExecutor({ maxWorkers: 2 })],
    ['processes', new ProcessPoolExecutor({ maxWorkers: 2 })],
  ] as const) {
    await using _ = pool;
    console.log(`  ${kind}:`);
    await sixTasks(pool, new Timeline());
  }
}

async function sixTasks(pool: ThreadPoolExecutor | ProcessPoolExecutor, timeline: Timeline): Promise<void> {
  const futures = [1, 2, 3, 4, 5, 6].map((n) => (n === 3 ? pool.submit(exitWorker, 3) : pool.submit(blockFor, 100)));
  // The dead worker cannot report itself; mark when its task failed on a row of its own.
  futures[2]!.addDoneCallback(() => timeline.mark('(died)', 'task 3 failed'));
  for (const [i, future] of futures.entries()) {
    try {
      timeline.add(`task ${i + 1}`, await future);
    } catch (error) {
      if (!(error instanceof BrokenExecutor)) throw error;
      console.log(`    task ${i + 1} failed with ${error.name}: ${error.message}`);
    }
  }
  const ok = futures.filter((f) => f.exception() === undefined).length;
  console.log(`    ${ok} of ${futures.length} tasks succeeded; the pool is still ${pool.state}`);
  console.log(timeline.render().replace(/^/gm, '  '));
}

if (isMain(import.meta.url)) await crash();
