import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { DEFAULT_MIX, OUTCOMES, heapAfterGc, liveResources, resourcesAfterClosing, soak, type Outcome, type SoakMix } from './soak.js';

// `npm run soak -- --tasks 50000 --rounds 5`: the long soak. Each round runs a fresh pool of each kind; the
// run fails (exit 1) if any round breaks a promise, leaves a handle or timer behind, or if the heap after GC
// grows from the first round to the last by more than --max-growth-mb. With --record, a passing run writes
// its figures to bench/results/soak.md, which docs/benchmarks.md shows (and `npm run bench` keeps).

const USAGE = `usage: npm run soak -- [--kind thread|process|both] [--tasks N] [--rounds N] [--seed N]
                      [--max-workers N] [--window N] [--mix ok=0.89,throw=0.03,crash=0.02,...] [--max-growth-mb MB]
                      [--record]`;

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
    record: { type: 'boolean', default: false },
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
const rates: Record<string, number[]> = { thread: [], process: [] };
const totals: Record<Outcome, number> = { ok: 0, throw: 0, crash: 0, abort: 0, timeout: 0, late: 0 };
let victims = 0;
for (let round = 1; round <= rounds; round++) {
  for (const kind of kinds) {
    const report = await soak({ kind, tasks, mix, seed: seed + round, maxWorkers, window });
    const rate = Math.round((report.tasks / report.ms) * 1000);
    const faults = OUTCOMES.filter((o) => o !== 'ok').map((o) => `${o} ${report.submitted[o]}`).join(', ');
    console.log(`round ${round} ${kind}: ${report.tasks} tasks in ${Math.round(report.ms)} ms (${rate}/s); ${faults}; ${report.reported} late errors reported, ${report.victims} tasks failed by them`);
    for (const problem of report.problems) console.log(`  problem: ${problem}`);
    rates[kind]!.push(rate);
    for (const outcome of OUTCOMES) totals[outcome] += report.submitted[outcome];
    victims += report.victims;
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
let growth = 0;
if (heaps.length > 1) {
  growth = (heaps.at(-1)! - heaps[0]!) / 2 ** 20;
  console.log(`heap growth from round 1 to round ${rounds}: ${growth.toFixed(2)} MB (limit ${maxGrowth} MB)`);
  failed ||= growth > maxGrowth;
}
console.log(failed ? 'soak FAILED' : 'soak passed');
if (values.record && !failed) record();

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Writes the run's figures as a section of docs/benchmarks.md, and keeps them for `npm run bench`. */
function record(): void {
  const root = new URL('../../../', import.meta.url);
  const share = (o: Outcome): string => `${((100 * mix[o]) / OUTCOMES.reduce((sum, x) => sum + mix[x], 0)).toFixed(0)}% ${o}`;
  const rows = kinds.map((kind) => `| ${kind} | ${median(rates[kind]!)} tasks/s | ${rates[kind]!.join(', ')} |`);
  const section = `## Soak with faults

Measured ${new Date().toISOString().slice(0, 10)} by \`npm run soak -- --tasks ${tasks} --rounds ${rounds} --record\` on ${availableParallelism()} cores, Node ${process.version};
load average at the end ${loadavg().map((l) => l.toFixed(2)).join(' / ')} (anything else running on the machine lowers these rates). Each round runs ${tasks} tasks on a fresh pool of ${maxWorkers} workers
per kind, at most ${window} in flight, with the mix ${OUTCOMES.map(share).join(', ')}
(\`late\`: a task that returns, then throws from a timer). Every round checks that each future settled once with
its task's outcome, that the pool went back to idle and left no handle, timer or listener behind.
Over both pools and every round: ${OUTCOMES.filter((o) => o !== 'ok').map((o) => `${totals[o]} ${o}`).join(', ')}; ${victims} tasks failed because a late error ended
their worker while they ran, each with that error as its cause. The heap after GC moved by ${growth.toFixed(2)} MB from the first
round to the last.

| pool | median | rounds |
|---|---|---|
${rows.join('\n')}

Every crash, abort and timeout costs a worker, and a new one must start before the next task runs there: that
start (tens of ms for a thread, about 100 ms for a process on this machine), not the pool's own work, sets these
rates.
`;
  writeFileSync(new URL('bench/results/soak.md', root), section);
  const docs = new URL('docs/benchmarks.md', root);
  if (existsSync(docs)) writeFileSync(docs, withSoakSection(readFileSync(docs, 'utf8'), section));
  console.log('wrote bench/results/soak.md and its section of docs/benchmarks.md');
}
process.exitCode = failed ? 1 : 0;

/** The benchmarks page with its soak section replaced by `section`, or inserted before "## Running it". */
function withSoakSection(page: string, section: string): string {
  const start = page.indexOf('## Soak with faults');
  const running = page.indexOf('## Running it');
  if (start >= 0) {
    const end = page.indexOf('\n## ', start + 1);
    return page.slice(0, start) + section + (end >= 0 ? page.slice(end + 1) : '');
  }
  return running >= 0 ? `${page.slice(0, running)}${section}\n${page.slice(running)}` : `${page}\n${section}`;
}
