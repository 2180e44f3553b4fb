import { parseArgs } from 'node:util';
import type { BenchContext, Scenario, Sizes } from './lib/context.js';
import { setContenderLimit } from './lib/contenders.js';
import { writeReports } from './lib/report.js';
import { SCENARIOS } from './scenarios/index.js';

const USAGE = `usage: npm run bench -- [--quick] [--rounds N] [scenario...]
  --quick     every scenario at a reduced size (under a minute)
  --rounds N  rounds per measurement; the median is reported (default 3)
  --no-write  print the table only; leave bench/results and docs/benchmarks.md alone
  scenario    ids to run (${SCENARIOS.map((s) => s.id).join(', ')}); all when none is given`;

const FULL: Sizes = {
  burst: 100_000,
  roundTrips: 10_000,
  mapItems: 1_000_000,
  cpuTasks: 12,
  processTasks: 20_000,
  pythonTasks: 10_000,
  collectItems: 1_000_000,
  resolveItems: 10_000_000,
  mixedTiny: 4_000,
  floorTasks: 100_000,
  queueItems: 1_000_000,
  managerQueueItems: 20_000,
};

const QUICK: Sizes = {
  burst: 10_000,
  roundTrips: 2_000,
  mapItems: 200_000,
  cpuTasks: 4,
  processTasks: 2_000,
  pythonTasks: 1_000,
  collectItems: 50_000,
  resolveItems: 1_000_000,
  mixedTiny: 2_000,
  floorTasks: 20_000,
  queueItems: 100_000,
  managerQueueItems: 2_000,
};

function parse(): { quick: boolean; rounds: number; write: boolean; selected: Scenario[] } {
  const { values, positionals } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      rounds: { type: 'string' },
      'no-write': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const rounds = values.rounds === undefined ? 3 : Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`--rounds must be an integer >= 1, received ${values.rounds}`);
  const unknown = positionals.filter((id) => !SCENARIOS.some((s) => s.id === id));
  if (unknown.length > 0) throw new RangeError(`unknown scenario ${unknown.join(', ')}\n${USAGE}`);
  const selected = positionals.length === 0 ? [...SCENARIOS] : SCENARIOS.filter((s) => positionals.includes(s.id));
  return { quick: values.quick, rounds, write: !values['no-write'], selected };
}

async function main(): Promise<void> {
  const { quick, rounds, write, selected } = parse();
  if (quick) setContenderLimit(15_000);
  const ctx: BenchContext = {
    quick,
    rounds,
    workers: 2,
    sizes: quick ? QUICK : FULL,
    figures: [],
    details: [],
    notes: [],
    shared: new Map(),
    log: (message) => console.log(message),
  };
  const started = performance.now();
  // Some peers unref their workers while they shut down; this keeps the run alive until the report is out.
  const keepAlive = setInterval(() => undefined, 1000);
  for (const scenario of selected) {
    const t0 = performance.now();
    ctx.log(`\n[${scenario.id}] ${scenario.title}`);
    try {
      await scenario.run(ctx);
    } catch (error) {
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      ctx.notes.push(`${scenario.id} failed: ${message}`);
      ctx.log(`  FAILED: ${message}`);
    }
    ctx.log(`  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const seconds = (performance.now() - started) / 1000;
  await writeReports(ctx, { write, partial: selected.length < SCENARIOS.length, seconds });
  clearInterval(keepAlive);
}

await main();
