// The tour: every scenario of the reference material, run for real, each with a timeline of which worker
// ran what and when.
//
//   npm run demo                 every scenario, in order
//   npm run demo -- downloads    one scenario (an unknown name lists them)
import { availableParallelism } from 'node:os';
import { blockingIo } from './blocking-io.js';
import { bounded } from './bounded.js';
import { crash } from './crash.js';
import { downloads } from './downloads.js';
import { endlessWorkers } from './endless-workers.js';
import { polling } from './polling.js';
import { primes } from './primes.js';
import { runaway } from './runaway.js';
import { sharedCounter } from './shared-counter.js';

const SCENARIOS: readonly { name: string; about: string; run: () => Promise<void> }[] = [
  { name: 'cpu', about: 'CPU-bound work in processes on every core, against a serial loop (examples/primes.ts)', run: primes },
  { name: 'blocking-io', about: 'blocking calls in threads: five 1-second tasks at once (examples/blocking-io.ts)', run: blockingIo },
  { name: 'bounded', about: 'collect with 2 workers, then ten rate-limited calls (examples/bounded.ts)', run: bounded },
  { name: 'downloads', about: 'wait and asCompleted over downloads from a local HTTP server (examples/downloads.ts)', run: downloads },
  { name: 'runaway', about: 'an endless loop stopped by a timeout and by a signal (examples/runaway.ts)', run: runaway },
  { name: 'crash', about: 'a worker that dies fails only its task; the pool heals (examples/crash.ts)', run: crash },
  { name: 'polling', about: 'a while-true polling loop replaced by Event + every, ended by an IO event (examples/polling.ts)', run: polling },
  {
    name: 'endless-workers',
    about: 'endless worker loops stopped by a shared done flag or an AbortSignal (examples/endless-workers.ts)',
    run: endlessWorkers,
  },
  { name: 'shared-memory', about: 'a counter and a queue shared by worker threads (examples/shared-counter.ts)', run: sharedCounter },
];

const wanted = process.argv.slice(2);
const unknown = wanted.filter((name) => !SCENARIOS.some((s) => s.name === name));
if (unknown.length > 0) {
  console.error(`Unknown scenario ${unknown.join(', ')}. The scenarios are:`);
  for (const { name, about } of SCENARIOS) console.error(`  ${name.padEnd(12)} ${about}`);
  process.exitCode = 2;
} else {
  const chosen = wanted.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => wanted.includes(s.name));
  console.log(`aiox tour on Node ${process.version}, ${availableParallelism()} cores. Times are milliseconds since each scenario started.`);
  const tourStart = performance.now();
  for (const { name, about, run } of chosen) {
    console.log(`\n── ${name}: ${about}`);
    const start = performance.now();
    await run();
    console.log(`   (${name} took ${Math.round(performance.now() - start)} ms)`);
  }
  console.log(`\nTour done: ${chosen.length} scenario${chosen.length === 1 ? '' : 's'} in ${((performance.now() - tourStart) / 1000).toFixed(1)} s.`);
}
