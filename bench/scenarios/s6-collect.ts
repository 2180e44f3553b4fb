import pLimit from 'p-limit';
import pMap from 'p-map';
import { addDetail, figure, type BenchContext, type Scenario } from '../lib/context.js';
import { collect } from 'aiox';
import { median } from '../lib/stats.js';

const WORKERS = 1024;

async function trivial(i: number): Promise<number> {
  return i;
}

function* thunks(count: number): Generator<() => Promise<number>> {
  for (let i = 0; i < count; i++) yield () => trivial(i);
}

function* range(count: number): Generator<number> {
  for (let i = 0; i < count; i++) yield i;
}

type Runner = (count: number) => Promise<number[]>;

const RUNNERS: readonly (readonly [string, Runner])[] = [
  ['p-map', (count) => pMap(range(count), trivial, { concurrency: WORKERS })],
  [
    'p-limit',
    (count) => {
      const limit = pLimit(WORKERS);
      return Promise.all(Array.from({ length: count }, (_, i) => limit(() => trivial(i))));
    },
  ],
  ['Promise.all (unbounded)', (count) => Promise.all(Array.from({ length: count }, (_, i) => trivial(i)))],
];

/** Nanoseconds per item, median over rounds. */
async function measure(ctx: BenchContext, name: string, runner: Runner): Promise<number> {
  // p-limit costs microseconds per item; a tenth of the items gives the same time per item, sooner.
  const count = name === 'p-limit' ? Math.max(10_000, ctx.sizes.collectItems / 10) : ctx.sizes.collectItems;
  await runner(Math.min(count, 50_000));
  const samples: number[] = [];
  for (let r = 0; r < ctx.rounds; r++) {
    const start = performance.now();
    const results = await runner(count);
    const ms = performance.now() - start;
    if (results.length !== count || results[count - 1] !== count - 1) throw new Error(`${name} returned wrong results`);
    samples.push((ms * 1e6) / count);
  }
  const value = median(samples);
  addDetail(ctx, { scenario: 's6', contender: name, metric: 'time per item', unit: 'ns', median: value, samples });
  return value;
}

export const s6Collect: Scenario = {
  id: 's6',
  title: `collect over trivial async items, workers ${WORKERS}`,
  async run(ctx) {
    const aiox = await measure(ctx, 'aiox collect', (count) => collect(thunks(count), { workers: WORKERS }));
    const peers = new Map<string, number>();
    for (const [name, runner] of RUNNERS) peers.set(name, await measure(ctx, name, runner));
    const count = ctx.sizes.collectItems.toLocaleString('en');
    ctx.figures.push(
      figure({
        id: '6a',
        title: `collect over ${count} async items vs p-map`,
        unit: 'ns/item',
        aiox,
        reference: { name: 'p-map', value: peers.get('p-map')! },
        target: { op: '<=', value: 1, text: '<= 1x p-map' },
      }),
      figure({
        id: '6b',
        title: `collect over ${count} async items vs Promise.all`,
        unit: 'ns/item',
        aiox,
        reference: { name: 'Promise.all', value: peers.get('Promise.all (unbounded)')! },
        target: { op: '<=', value: 1.5, text: '<= 1.5x Promise.all' },
      }),
    );
  },
};
