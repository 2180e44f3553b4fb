// A function that never returns, stopped from outside: a per-task `timeout` (or an AbortSignal) terminates
// the worker running it, its future fails, and a fresh worker serves the next task.
//
//   npm run build && node build/examples/runaway.js
import { setTimeout as sleep } from 'node:timers/promises';
import { ProcessPoolExecutor, ThreadPoolExecutor, TimeoutError } from 'aiox';
import { noteIfBusy } from './lib/load.js';
import { isMain } from './lib/main.js';
import { Timeline } from './lib/timeline.js';
import { whoAmI } from './tasks/io.js';
import { spinForever } from './tasks/runaway.js';

const TIMEOUT_MS = 500;

export async function runaway(): Promise<void> {
  await noteIfBusy(runRunaway);
}

async function runRunaway(): Promise<void> {
  console.log(`while (true) {} in a pool of one worker, stopped by { timeout: ${TIMEOUT_MS} } and then by an AbortSignal`);
  const timeline = new Timeline();
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1 });

  let at = timeline.now();
  const first = await pool.submit(whoAmI);
  timeline.addSpan(first, 'whoAmI', at, timeline.now());

  // The task writes its thread id into shared memory before it spins, so we can name the stuck worker.
  const announce = new Int32Array(new SharedArrayBuffer(4));
  at = timeline.now();
  const stuck = pool.submitWith(spinForever, [announce], { timeout: TIMEOUT_MS });
  const error = await stuck.catch((e: unknown) => e);
  const stuckWorker = `thread ${Atomics.load(announce, 0)}`;
  timeline.addSpan(stuckWorker, 'spin', at, timeline.now());
  timeline.mark(stuckWorker, 'killed');
  console.log(`  spinForever on ${stuckWorker} failed after ${Math.round(timeline.now() - at)} ms with ${describe(error)}`);

  const second = await timed(timeline, pool.submit(whoAmI));
  console.log(`  the next task ran on ${second}, a replacement worker (the first one was ${first})`);

  // The same with a signal, as a Ctrl-C handler or a caller giving up would do it.
  const controller = new AbortController();
  Atomics.store(announce, 0, 0);
  at = timeline.now();
  const aborted = pool.submitWith(spinForever, [announce], { signal: controller.signal });
  // Abort 300 ms after the task has really started spinning (its announcement, awaited without blocking).
  await Atomics.waitAsync(announce, 0, 0).value;
  await sleep(300);
  controller.abort(new Error('stopped by the caller'));
  const reason = await aborted.catch((e: unknown) => e);
  const abortedWorker = `thread ${Atomics.load(announce, 0)}`;
  timeline.addSpan(abortedWorker, 'spin', at, timeline.now());
  timeline.mark(abortedWorker, 'killed');
  console.log(`  spinForever on ${abortedWorker} failed with ${describe(reason)} once the signal aborted`);
  const third = await timed(timeline, pool.submit(whoAmI));
  console.log(`  and the pool went on with ${third}; ${pool.stats().failed} tasks failed, ${pool.stats().completed} completed`);
  console.log(timeline.render());

  // A process pool stops a runaway child by killing it.
  await using processes = new ProcessPoolExecutor({ maxWorkers: 1 });
  const before = await processes.submit(whoAmI);
  at = performance.now();
  const killed = await processes.submitWith(spinForever, [], { timeout: TIMEOUT_MS }).catch((e: unknown) => e);
  console.log(`  process pool: spinForever on ${before} failed after ${Math.round(performance.now() - at)} ms with ${describe(killed)}`);
  console.log(`  and the next task ran on ${await processes.submit(whoAmI)}`);
}

async function timed(timeline: Timeline, future: PromiseLike<string>): Promise<string> {
  const at = timeline.now();
  const worker = await future;
  timeline.addSpan(worker, 'whoAmI', at, timeline.now());
  return worker;
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return `${error instanceof TimeoutError ? 'TimeoutError' : error.name}: ${error.message}`;
}

if (isMain(import.meta.url)) await runaway();
