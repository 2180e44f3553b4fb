import { parseArgs } from 'node:util';
import { DEFAULT_MIX, OUTCOMES, heapAfterGc, liveResources, resourcesAfterClosing, soak, type Outcome, type SoakMix } from './soak.js';

// `npm run soak -- --tasks 50000 --rounds 5`: the long soak. Each round runs a fresh pool of each kind; the
// run fails (exit 1) if any round breaks a promise, leaves a handle or timer behind, or if the heap after GC
// grows from the first round to the last by more than --max-growth-mb. docs/benchmarks.md has its figures.

const USAGE = `usage: npm run soak -- [--kind thread|process|both] [--tasks N] [--rounds N] [--seed N]
                      [--max-workers N] [--window N] [--mix ok=0.89,throw=0.03,crash=0.02,...] [--max-growth-mb MB]`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

function integer(name: string, text: string, min: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) fail(`--${name} must be an integer >= ${min}, received ${text}`);
  return value;
}

function parseMix(text: string): SoakMix {
  const mix: Record<Outcome, number> = { ok: 0, throw: 0, crash: 0, abort: 0, timeout: 0, late: 0 };
  for (const part of text.split(',')) {
    const [name, weight] = part.split('=');
    if (!(OUTCOMES as readonly string[]).includes(name ?? '')) fail(`--mix: unknown outcome ${JSON.stringify(name)}; known: ${OUTCOMES.join(', ')}`);
    const value = Number(weight);
    if (!(value >= 0)) fail(`--mix: the weight of ${name} must be a number >= 0, received ${weight}`);
    mix[name as Outcome] = value;
  }
  return mix;
}

const { values } = parseArgs({
  options: {
    kind: { type: 'string', default: 'both' },
    tasks: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
    seed: { type: 'string', default: '1' },
    'max-workers': { type: 'string', default: '2' },
    window: { type: 'string', default: '64' },
    mix: { type: 'string' },
    'max-growth-mb': { type: 'string', default: '8' },
  },
});
if (!['thread', 'process', 'both'].includes(values.kind)) fail(`--kind must be thread, process or both, received ${values.kind}`);
const kinds = values.kind === 'both' ? (['thread', 'process'] as const) : [values.kind as 'thread' | 'process'];
const tasks = integer('tasks', values.tasks, 1);
const rounds = integer('rounds', values.rounds, 1);
const seed = integer('seed', values.seed, 0);
const maxWorkers = integer('max-workers', values['max-workers'], 1);
const window = integer('window', values.window, 1);
const maxGrowth = Number(values['max-growth-mb']);
const mix = values.mix === undefined ? DEFAULT_MIX : parseMix(values.mix);

let failed = false;
console.log(`soak: ${kinds.join(' and ')} pools, ${tasks} tasks a round, ${rounds} rounds, seed ${seed}, ${maxWorkers} workers, window ${window}`);
// stdout and stderr open their handles when first used: use both before counting what is live.
process.stderr.write('');
const resourcesBefore = liveResources();
const heaps: number[] = [];
for (let round = 1; round <= rounds; round++) {
  for (const kind of kinds) {
    const report = await soak({ kind, tasks, mix, seed: seed + round, maxWorkers, window });
    const rate = Math.round((report.tasks / report.ms) * 1000);
    const faults = OUTCOMES.filter((o) => o !== 'ok').map((o) => `${o} ${report.submitted[o]}`).join(', ');
    console.log(`round ${round} ${kind}: ${report.tasks} tasks in ${Math.round(report.ms)} ms (${rate}/s); ${faults}; ${report.reported} late errors reported, ${report.victims} tasks failed by them`);
    for (const problem of report.problems) console.log(`  problem: ${problem}`);
    failed ||= report.problems.length > 0;
  }
  const left = await resourcesAfterClosing(resourcesBefore);
  if (left.join() !== resourcesBefore.join()) {
    console.log(`  left behind: [${left.join(', ')}], before: [${resourcesBefore.join(', ')}]`);
    failed = true;
  }
  heaps.push(heapAfterGc());
  console.log(`  heap after GC: ${(heaps.at(-1)! / 2 ** 20).toFixed(1)} MB`);
}
if (heaps.length > 1) {
  const growth = (heaps.at(-1)! - heaps[0]!) / 2 ** 20;
  console.log(`heap growth from round 1 to round ${rounds}: ${growth.toFixed(2)} MB (limit ${maxGrowth} MB)`);
  failed ||= growth > maxGrowth;
}
console.log(failed ? 'soak FAILED' : 'soak passed');
process.exitCode = failed ? 1 : 0;
