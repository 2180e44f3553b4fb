// A long task that talks back: it reports its progress, which the caller draws as a bar, and it stops
// cleanly when asked. A task reaches its context with currentTask(): progress() and emit() to talk to the
// caller, and a signal that aborts when the caller's signal or the task's timeout does. A task that stops
// on its signal keeps its worker (no restart); one that ignores it loses its worker after the pool's
// abortGrace. Under run(), Ctrl-C aborts the same way.
//
//   npm run build && node build/examples/progress.js
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ThreadPoolExecutor, TimeoutError } from 'aiox';
import { isMain } from './lib/main.js';
import { whoAmI } from './tasks/io.js';
import { checksum } from './tasks/progress.js';

const WIDTH = 30;

export async function progress(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'aiox-progress-'));
  try {
    await runProgress(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runProgress(dir: string): Promise<void> {
  // abortGrace: how long a stopped task has to settle before its worker is terminated (100 ms by default,
  // plenty for this task on a quiet machine; a busy one may need more).
  await using pool = new ThreadPoolExecutor({ maxWorkers: 1, abortGrace: 2_000 });
  console.log('checksum of 200 chunks, with a progress bar (latest value wins: the task may report as often as it likes)');
  const bar = new ProgressBar();
  let worker = '';
  const digest = await pool.submitWith(checksum, [200, dir], {
    onProgress: (fraction) => bar.draw(fraction),
    onEvent: (event) => (worker = event.worker),
  });
  bar.done();
  console.log(`  digest ${digest}, computed on ${worker}`);

  console.log('\nthe same over 100,000 chunks, with { timeout: 300 }: the task stops on its signal and cleans up');
  let scratch = '';
  const stopped = pool.submitWith(checksum, [100_000, dir], {
    timeout: 300,
    onProgress: (fraction) => bar.draw(fraction),
    onEvent: (event) => (scratch = event.scratch),
  });
  const error = await stopped.catch((e: unknown) => e);
  bar.done();
  console.log(`  failed with ${error instanceof TimeoutError ? 'TimeoutError' : String(error)} (at the moment of the timeout)`);
  // The worker runs one task at a time: the next one begins once the stopped one has cleaned up.
  const next = await pool.submit(whoAmI);
  console.log(`  the next task ran on ${next}: ${next === worker ? 'the same worker, not restarted' : 'a new worker'}`);
  console.log(`  scratch file ${scratch.slice(dir.length + 1)} ${readdirSync(dir).length === 0 ? 'removed by the task' : 'still there'}`);
  const { failed, completed } = pool.stats();
  console.log(`  ${completed} tasks completed, ${failed} failed`);
}

/** Draws a bar in place on a terminal; elsewhere (a pipe, a file, CI) a line at each quarter. */
class ProgressBar {
  #quarter = 0;

  draw(fraction: number): void {
    if (process.stdout.isTTY) {
      const full = Math.round(fraction * WIDTH);
      process.stdout.write(`\r  [${'#'.repeat(full)}${'.'.repeat(WIDTH - full)}] ${(fraction * 100).toFixed(0).padStart(3)}%`);
      return;
    }
    while (fraction >= (this.#quarter + 1) / 4) {
      this.#quarter++;
      console.log(`  ${this.#quarter * 25}% done`);
    }
  }

  done(): void {
    if (process.stdout.isTTY) process.stdout.write('\n');
    this.#quarter = 0;
  }
}

if (isMain(import.meta.url)) await progress();
