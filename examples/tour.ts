// The tour: every scenario of the reference material, run for real, each with a timeline of which worker
// ran what and when.
//
//   npm run demo                 every scenario, in order
//   npm run demo -- downloads    one scenario (an unknown name lists them)
import { availableParallelism } from 'node:os';
import { blockingIo } from './blocking-io.js';
import { bounded } from './bounded.js';
import { cluster } from './cluster.js';
import { crash } from './crash.js';
import { downloads } from './downloads.js';
import { endlessWorkers } from './endless-workers.js';
import { isMain } from './lib/main.js';
import { managerExample } from './manager.js';
import { polling } from './polling.js';
import { primes } from './primes.js';
import { progress } from './progress.js';
import { reactor } from './reactor.js';
import { runaway } from './runaway.js';
import { sharedCounter } from './shared-counter.js';

/** A scenario of the tour: its name on the command line, its program in examples/, what it shows. */
export interface Scenario {
  readonly name: string;
  readonly program: string;
  readonly about: string;
  readonly run: () => Promise<void>;
}

// The README lists the same scenarios, in this order (test/examples/examples.test.ts checks it).
export const SCENARIOS: readonly Scenario[] = [
  { name: 'cpu', program: 'primes.ts', about: 'CPU-bound work in processes on every core, against a serial loop', run: primes },
  { name: 'blocking-io', program: 'blocking-io.ts', about: 'blocking calls in threads: five 1-second tasks at once', run: blockingIo },
  { name: 'bounded', program: 'bounded.ts', about: 'collect with 2 workers, then ten rate-limited calls', run: bounded },
  { name: 'downloads', program: 'downloads.ts', about: 'wait and asCompleted over downloads from a local HTTP server', run: downloads },
  { name: 'runaway', program: 'runaway.ts', about: 'an endless loop stopped by a timeout and by a signal', run: runaway },
  { name: 'progress', program: 'progress.ts', about: 'a long task\'s progress bar, then a timeout it obeys: it cleans up and keeps its worker', run: progress },
  { name: 'crash', program: 'crash.ts', about: 'a worker that dies fails only its task; the pool heals', run: crash },
  { name: 'polling', program: 'polling.ts', about: 'a while-true polling loop replaced by Event + every, ended by an IO event', run: polling },
  { name: 'endless-workers', program: 'endless-workers.ts', about: 'endless worker loops stopped by a shared done flag or an AbortSignal', run: endlessWorkers },
  { name: 'shared-memory', program: 'shared-counter.ts', about: 'a counter and a queue shared by worker threads', run: sharedCounter },
  { name: 'reactor', program: 'reactor.ts', about: 'an HTTP server hands heavy connections to worker processes; its loop stays responsive', run: reactor },
  { name: 'manager', program: 'manager.ts', about: 'a lock, an event and a queue hosted by a Manager, used by a worker process and awaited here', run: managerExample },
  { name: 'cluster', program: 'cluster.ts', about: 'two worker hosts on Redis (BullMQ); one killed mid-run, its jobs finish on the other', run: cluster },
];

/** The scenarios as aligned columns: name, program, what it shows. */
export function listing(scenarios: readonly Scenario[] = SCENARIOS): string[] {
  const name = Math.max(...scenarios.map((s) => s.name.length));
  const program = Math.max(...scenarios.map((s) => s.program.length)) + 'examples/'.length;
  return scenarios.map((s) => `  ${s.name.padEnd(name)}  ${`examples/${s.program}`.padEnd(program)}  ${s.about}`);
}

async function tour(wanted: readonly string[]): Promise<void> {
  const unknown = wanted.filter((name) => !SCENARIOS.some((s) => s.name === name));
  if (unknown.length > 0) {
    console.error(`Unknown scenario ${unknown.join(', ')}. The scenarios are:`);
    for (const line of listing()) console.error(line);
    process.exitCode = 2;
    return;
  }
  const chosen = wanted.length === 0 ? SCENARIOS : SCENARIOS.filter((s) => wanted.includes(s.name));
  console.log(`aiox tour on Node ${process.version}, ${availableParallelism()} cores. Times are milliseconds since each scenario started.`);
  console.log('A line starting with ! says the machine was too busy for a figure above it to mean much.');
  const tourStart = performance.now();
  for (const { name, program, about, run } of chosen) {
    console.log(`\n── ${name}: ${about} (examples/${program})`);
    const start = performance.now();
    await run();
    console.log(`   (${name} took ${Math.round(performance.now() - start)} ms)`);
  }
  console.log(`\nTour done: ${chosen.length} scenario${chosen.length === 1 ? '' : 's'} in ${((performance.now() - tourStart) / 1000).toFixed(1)} s.`);
}

if (isMain(import.meta.url)) await tour(process.argv.slice(2));
