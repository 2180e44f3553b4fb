// Which numbers in a range are prime? CPU-bound work spread over every core with a ProcessPoolExecutor and
// `map` with `chunksize`, timed against the same loop run serially in the main thread.
//
//   npm run build && node build/examples/primes.js
import { availableParallelism } from 'node:os';
import { ProcessPoolExecutor } from 'aiox';
import { isMain } from './lib/main.js';
import { Timeline } from './lib/timeline.js';
import { isPrime, isPrimeStamped } from './tasks/primes.js';

/** The odd numbers from 10^15 on: about one in 17 is prime, and proving one prime takes ~16 million divisions. */
export const CANDIDATES = Array.from({ length: 200 }, (_, i) => 1e15 + 1 + 2 * i);
const CHUNKSIZE = 10;

export async function primes(): Promise<void> {
  const cores = availableParallelism();
  console.log(`Which of ${CANDIDATES.length} odd numbers from ${CANDIDATES[0]} are prime? map() with chunksize ${CHUNKSIZE}`);

  let started = performance.now();
  const serial = CANDIDATES.filter((n) => isPrime(n));
  const serialMs = performance.now() - started;

  const timeline = new Timeline();
  started = performance.now();
  const found: number[] = [];
  const chunks: { worker: string; start: number; end: number }[] = [];
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
  const parallelMs = performance.now() - started;
  chunks.forEach((chunk, index) => timeline.add(`chunk ${index}`, chunk));

  if (found.join() !== serial.join()) throw new Error('the pool and the serial loop disagree');
  console.log(`  ${found.length} primes: ${found.join(', ')}`);
  console.log(`  serial, in the main thread: ${Math.round(serialMs)} ms`);
  console.log(`  ${cores} worker processes:      ${Math.round(parallelMs)} ms, ${(serialMs / parallelMs).toFixed(2)}x as fast (process start-up included)`);
  console.log(timeline.render());
}

if (isMain(import.meta.url)) await primes();
