// The reference thread's "close all threads with endless loops" program: two threads print forever, and
// the question is how to stop them. Here they are pool tasks that loop until a done flag in shared memory
// is set (a clean stop: each returns what it did), plus a third that never checks anything, stopped by an
// AbortSignal, which terminates its worker. The flag is set after a while, or at once on Ctrl-C.
//
//   npm run build && node build/examples/endless-workers.js
import { ThreadPoolExecutor, run, sleep } from 'aiox';
import { busyNote, measureLoad } from './lib/load.js';
import { isMain } from './lib/main.js';
import { tickUntilDone, type Ticks } from './tasks/endless.js';
import { spinForever } from './tasks/runaway.js';

/** How long the loops run before the program says "done" by itself. */
const RUN_FOR_MS = 1000;

const LOOPS = [
  { name: 'TEST1', periodMs: 100 },
  { name: 'TEST2', periodMs: 300 },
] as const;

export async function endlessWorkers(signal?: AbortSignal): Promise<void> {
  console.log(`TEST1 every 100 ms and TEST2 every 300 ms in worker threads, stopped by a shared done flag after ${RUN_FOR_MS} ms (or Ctrl-C)`);
  const { load } = await measureLoad(() => runLoops(signal));
  const note = busyNote(load, 'the tick counts');
  if (note !== undefined) console.log(note);
  console.log('All workers stopped.');
}

async function runLoops(signal: AbortSignal | undefined): Promise<void> {
  // The stop is cooperative, even on Ctrl-C: the pool does not follow run()'s signal (which would terminate
  // its workers at once), the done flag stops the loops.
  await using pool = new ThreadPoolExecutor({ maxWorkers: 3, signal: null });
  const done = new Int32Array(new SharedArrayBuffer(4));
  const start = Date.now();
  const loops = LOOPS.map(({ periodMs }) => pool.submit(tickUntilDone, done, periodMs));
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

  const results = await Promise.all(loops);
  const spun = await spinner.then(
    () => 'finished (unexpected)',
    (error: unknown) => `stopped: ${(error as Error).message}`,
  );
  const lines: (readonly [number, string])[] = [[flagAt, `${interrupted ? 'Ctrl-C' : 'time is up'}: done flag set`]];
  for (const [i, { started, ticks }] of results.entries()) {
    const { name } = LOOPS[i]!;
    lines.push([started - start, `${name} loop started`], ...ticks.map((at) => [at - start, name] as const));
  }
  for (const [at, what] of lines.sort((a, b) => a[0] - b[0])) console.log(`  ${String(at).padStart(5)} ms  ${what}`);
  console.log(`  TEST1 returned after ${results[0]!.ticks.length} ticks, TEST2 after ${results[1]!.ticks.length}; the spinning task ${spun}`);
  for (const [i, result] of results.entries()) {
    const note = lateLoopNote(LOOPS[i]!.name, LOOPS[i]!.periodMs, relativeTo(start, result), flagAt);
    if (note !== undefined) console.log(note);
  }
}

function relativeTo(start: number, { started, ticks }: Ticks): Ticks {
  return { started: started - start, ticks: ticks.map((at) => at - start) };
}

/**
 * Says why a loop ticked fewer times than its period allows before the flag was set (times in ms from
 * the start), or `undefined` when it ticked as it should: a loop whose thread started after the flag
 * returns without a tick, and one that did not get the CPU in time misses ticks. Both happen only on a
 * machine too busy to run the threads on time, and the count alone would not show it.
 */
export function lateLoopNote(name: string, periodMs: number, { started, ticks }: Ticks, flagAt: number): string | undefined {
  if (started >= flagAt) {
    return `  ! ${name}'s thread started only at ${started} ms, after the flag was set at ${flagAt} ms, so it returned at once without a tick: starting a thread took that long on this busy machine`;
  }
  const due = Math.floor((flagAt - started) / periodMs);
  if (ticks.length >= due - 1) return undefined;
  return `  ! ${name} ticked ${ticks.length} times in the ${flagAt - started} ms it ran, where ${due} were due: its thread did not get the CPU in time on this busy machine`;
}

if (isMain(import.meta.url)) await run((signal) => endlessWorkers(signal));
