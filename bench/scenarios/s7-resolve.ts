import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { addDetail, figure, type BenchContext, type Scenario } from '../lib/context.js';
import { fromRoot } from '../lib/paths.js';
import { median } from '../lib/stats.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(fromRoot('build/bench/children/resolve-rss.js'));
const MB = 2 ** 20;

/** Peak RSS in MB of one child run, or null when the implementation does not exist yet. */
async function peak(impl: string, items: number): Promise<number | null> {
  const { stdout } = await run(process.execPath, [CHILD, '--impl', impl, '--items', String(items)], { timeout: 300_000 });
  const out = JSON.parse(stdout) as { peakRss?: number; notImplemented?: boolean };
  return out.peakRss === undefined ? null : out.peakRss / MB;
}

async function measure(ctx: BenchContext, impl: string, label: string, items: number, rounds: number): Promise<number | null> {
  const samples: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const value = await peak(impl, items);
    if (value === null) return null;
    samples.push(value);
  }
  const value = median(samples);
  addDetail(ctx, { scenario: 's7', contender: label, metric: `peak RSS, ${items.toLocaleString('en')}`, unit: 'MB', median: value, samples });
  return value;
}

export const s7Resolve: Scenario = {
  id: 's7',
  title: '`resolve` over lazily generated items with bounded greediness: peak RSS',
  async run(ctx) {
    const items = ctx.sizes.resolveItems;
    // Peak RSS barely varies between runs; three rounds at most keep the 10M-item runs short.
    const rounds = Math.min(ctx.rounds, 3);
    const aiox = await measure(ctx, 'aiox', 'aiox resolve', items, rounds);
    if (aiox === null) ctx.log('  aiox resolve: not implemented yet');
    await measure(ctx, 'baseline', 'bare node process', 0, rounds);
    // p-map's lazy pMapIterable is the closest peer; a tenth of the items keeps the run short.
    const pmap = await measure(ctx, 'p-map', 'p-map pMapIterable', Math.max(100_000, items / 10), rounds);
    ctx.figures.push(
      figure(
        {
          id: '7',
          title: `resolve over ${items.toLocaleString('en')} lazy items, peak RSS`,
          unit: 'MB',
          aiox,
          reference: pmap === null ? null : { name: 'p-map pMapIterable, 1/10 of the items', value: pmap },
          target: { op: '<', value: 150, text: '< 150 MB' },
        },
        { absolute: true },
      ),
    );
  },
};
