// Which numbers in a range are prime? CPU-bound work spread over every core with a ProcessPoolExecutor and
// `map` with `chunksize`, timed against the same loop run serially in the main thread.
//
//   npm run build && node build/examples/primes.js
import { availableParallelism } from 'node:os';
import { ProcessPoolExecutor } from 'aiox';
import { describeLoad, measureLoad, tooBusy, type Load } from './lib/load.js';
import { isMain } from './lib/main.js';
import { Timeline } from './lib/timeline.js';
import { isPrime, isPrimeStamped } from './tasks/primes.js';

/** The odd numbers from 10^15 on: about one in 17 is prime, and proving one prime takes ~16 million divisions. */
export const CANDIDATES = Array.from({ length: 200 }, (_, i) => 1e15 + 1 + 2 * i);
const CHUNKSIZE = 10;

export async function primes(): Promise<void> {
  const cores = availableParallelism();
  console.log(`Which of ${CANDIDATES.length} odd numbers from ${CANDIDATES[0]} are prime? map() with chunksize ${CHUNKSIZE}`);

  const serial = await measureLoad(async () => {
    const started = performance.now();
    const found = CANDIDATES.filter((n) => isPrime(n));
    return { found, ms: performance.now() - started };
  });

  const timeline = new Timeline();
  const chunks: { worker: string; start: number; end: number }[] = [];
  const parallel = await measureLoad(async () => {
    const started = performance.now();
    const found: number[] = [];
    {
      // Leaving the block shuts the pool down, waiting for its workers to exit.
      await using pool = new ProcessPoolExecutor({ maxWorkers: cores });
      let i = 0;
      for await (const { value: prime, ...stamp } of pool.map(isPrimeStamped, CANDIDATES, { chunksize: CHUNKSIZE })) {
        if (prime) found.push(CANDIDATES[i]!);
        // Items of one chunk run back to back in one worker; draw each chunk as one bar.
        const chunk = Math.floor(i++ / CHUNKSIZE);
        const seen = chunks[chunk];
        chunks[chunk] = seen === undefined ? stamp : { worker: seen.worker, start: Math.min(seen.start, stamp.start), end: Math.max(seen.end, stamp.end) };
      }
    }
    return { found, ms: performance.now() - started };
  });
  chunks.forEach((chunk, index) => timeline.add(`chunk ${index}`, chunk));

  const { found } = parallel.value;
  if (found.join() !== serial.value.found.join()) throw new Error('the pool and the serial loop disagree');
  console.log(`  ${found.length} primes: ${found.join(', ')}`);
  console.log(`  serial, in the main thread: ${Math.round(serial.value.ms)} ms`);
  console.log(`  ${cores} worker processes:      ${Math.round(parallel.value.ms)} ms, ${(serial.value.ms / parallel.value.ms).toFixed(2)}x as fast (process start-up included)`);
  for (const note of speedupNotes({ workers: cores, serialMs: serial.value.ms, parallelMs: parallel.value.ms, serialLoad: serial.load, parallelLoad: parallel.load })) {
    console.log(note);
  }
  console.log(timeline.render());
}

/** The two timings of the scenario and the load other programs put on the machine during each. */
export interface SpeedupRun {
  readonly workers: number;
  readonly serialMs: number;
  readonly parallelMs: number;
  readonly serialLoad: Load | undefined;
  readonly parallelLoad: Load | undefined;
}

/**
 * What to say under the timings, so that a busy machine does not pass for a slow pool: a note when other
 * programs took a good part of the cores during either run, and one when the pool came out slower than
 * the serial loop, which on several free cores it cannot be (the work is 200 independent numbers).
 */
export function speedupNotes(run: SpeedupRun): string[] {
  if ([run.serialLoad, run.parallelLoad].some(tooBusy)) {
    const during = [
      run.serialLoad && `${run.serialLoad.others.toFixed(1)} (serial loop)`,
      run.parallelLoad && `${run.parallelLoad.others.toFixed(1)} (pool run)`,
    ].filter(Boolean);
    const cores = (run.parallelLoad ?? run.serialLoad)!.cores;
    return [`  ! other programs kept ${during.join(' and ')} of the ${cores} cores busy: the machine was too busy for this comparison to mean much; run it again when it is quieter`];
  }
  if (run.workers > 1 && run.parallelMs > run.serialMs) {
    const measured = run.parallelLoad === undefined ? 'the load of other programs could not be measured here' : `${describeLoad(run.parallelLoad)} during the pool run`;
    return [`  ! the pool was slower than the serial loop, which on ${run.workers} free cores it cannot be: the cores were not free for it (${measured})`];
  }
  return [];
}

if (isMain(import.meta.url)) await primes();
