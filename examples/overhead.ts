// What a worker costs: how long a pool takes to start a worker and run its first task, the round trip of
// one tiny task awaited at a time, and the memory a worker adds. Run it to get this machine's numbers for
// docs/threads-or-processes.md.
//
//   npm run build && node build/examples/overhead.js
import { availableParallelism } from 'node:os';
import { ProcessPoolExecutor, ThreadPoolExecutor } from 'aiox';
import { noteIfBusy } from './lib/load.js';
import { isMain } from './lib/main.js';
import { rss } from './tasks/io.js';

const STARTS = 5;
const ROUND_TRIPS = 2000;

type Make = () => ThreadPoolExecutor | ProcessPoolExecutor;

export async function overhead(): Promise<void> {
  await noteIfBusy(runOverhead, 'these figures');
}

async function runOverhead(): Promise<void> {
  console.log(`Node ${process.version}, ${availableParallelism()} cores; medians of ${STARTS} starts and ${ROUND_TRIPS} round trips`);
  for (const [kind, make] of [
    ['thread', () => new ThreadPoolExecutor({ maxWorkers: 1 })],
    ['process', () => new ProcessPoolExecutor({ maxWorkers: 1 })],
  ] as const satisfies readonly (readonly [string, Make])[]) {
    const starts: number[] = [];
    for (let i = 0; i < STARTS; i++) {
      await using pool = make();
      const at = performance.now();
      await pool.submit(rss);
      starts.push(performance.now() - at);
    }
    await using pool = make();
    const before = process.memoryUsage().rss;
    const workerRss = await pool.submit(rss);
    // A thread's memory is part of this process; a process reports its own.
    const added = kind === 'thread' ? process.memoryUsage().rss - before : workerRss;
    const trips: number[] = [];
    for (let i = 0; i < ROUND_TRIPS; i++) {
      const at = performance.now();
      await pool.submit(rss);
      trips.push(performance.now() - at);
    }
    console.log(
      `  ${kind.padEnd(7)}  start + first task ${median(starts).toFixed(1)} ms   round trip ${(median(trips) * 1000).toFixed(0)} µs   memory ${(added / 2 ** 20).toFixed(0)} MiB`,
    );
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

if (isMain(import.meta.url)) await overhead();
