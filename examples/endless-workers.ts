// The reference thread's "close all threads with endless loops" program: two threads print forever, and
// the question is how to stop them. Here they are pool tasks that loop until a done flag in shared memory
// is set (a clean stop: each returns what it did), plus a third that never checks anything, stopped by an
// AbortSignal, which terminates its worker. The flag is set after a while, or at once on Ctrl-C.
//
//   npm run build && node build/examples/endless-workers.js
import { ThreadPoolExecutor, run, sleep } from 'aiox';
import { isMain } from './lib/main.js';
import { tickUntilDone } from './tasks/endless.js';
import { spinForever } from './tasks/runaway.js';

/** How long the loops run before the program says "done" by itself. */
const RUN_FOR_MS = 1000;

export async function endlessWorkers(signal?: AbortSignal): Promise<void> {
  console.log(`TEST1 every 100 ms and TEST2 every 300 ms in worker threads, stopped by a shared done flag after ${RUN_FOR_MS} ms (or Ctrl-C)`);
  // The stop is cooperative, even on Ctrl-C: the pool does not follow run()'s signal (which would terminate
  // its workers at once), the done flag stops the loops.
  await using pool = new ThreadPoolExecutor({ maxWorkers: 3, signal: null });
  const done = new Int32Array(new SharedArrayBuffer(4));
  const start = Date.now();
  const test1 = pool.submit(tickUntilDone, done, 100);
  const test2 = pool.submit(tickUntilDone, done, 300);
  // A loop that checks no flag at all: only terminating its worker stops it.
  const stopSpinner = new AbortController();
  const spinner = pool.submitWith(spinForever, [], { signal: stopSpinner.signal });

  const interrupted = await sleep(RUN_FOR_MS, signal && { signal }).then(
    () => false,
    () => true,
  );
  const flagAt = Date.now() - start;
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
  stopSpinner.abort(new Error('no flag to check, so its worker was terminated'));

  const [ticks1, ticks2] = await Promise.all([test1, test2]);
  const spun = await spinner.then(
    () => 'finished (unexpected)',
    (error: unknown) => `stopped: ${(error as Error).message}`,
  );
  const lines = [...ticks1.map((at) => [at - start, 'TEST1'] as const), ...ticks2.map((at) => [at - start, 'TEST2'] as const)];
  for (const [at, name] of lines.sort((a, b) => a[0] - b[0])) console.log(`  ${String(at).padStart(5)} ms  ${name}`);
  console.log(`  ${String(flagAt).padStart(5)} ms  ${interrupted ? 'Ctrl-C' : 'time is up'}: done flag set`);
  console.log(`  TEST1 returned after ${ticks1.length} ticks, TEST2 after ${ticks2.length}; the spinning task ${spun}`);
  console.log('All workers stopped.');
}

if (isMain(import.meta.url)) await run((signal) => endlessWorkers(signal));
