import { addDetail, figure, type BenchContext, type Scenario } from '../lib/context.js';
import { aioxPool, holdTask, type AioxPool } from '../lib/contenders.js';
import { median, perSecond } from '../lib/stats.js';
import { mapRound } from './s3-map.js';

/** The fixed sizes the default is held against: the sweep, where the best one lies. */
const FIXED = [512, 1024, 2048, 8192] as const;
/** The slow items: each holds its worker this long. */
const SLOW_ITEM_MS = 2;
const SLOW_ITEMS = 400;

/**
 * Default options against every fixed chunksize over `count` tiny items. The configurations take turns
 * within each round, so a change in the machine's load falls on all of them alike, and every other round
 * runs them in the reverse order, so that none is always the first after the previous sweep (the heap that
 * sweep left) or always the last.
 */
async function sweep(ctx: BenchContext, pool: AioxPool, count: number): Promise<{ defaults: number; best: { name: string; value: number } }> {
  const samples = new Map<string, number[]>([['defaults', []], ...FIXED.map((size) => [`chunksize ${size}`, []] as [string, number[]])]);
  const order: (number | undefined)[] = [undefined, ...FIXED];
  for (let r = 0; r < ctx.rounds; r++) {
    for (const size of r % 2 === 0 ? order : [...order].reverse()) {
      samples.get(size === undefined ? 'defaults' : `chunksize ${size}`)!.push(await mapRound(pool, count, size));
    }
  }
  let best = { name: '', value: 0 };
  for (const [name, values] of samples) {
    const value = median(values);
    addDetail(ctx, { scenario: 's3d', contender: 'aiox', metric: `${count / 1e6}M, ${name}`, unit: 'items/s', median: value, samples: values });
    if (name !== 'defaults' && value > best.value) best = { name, value };
  }
  return { defaults: median(samples.get('defaults')!), best };
}

async function slowRound(pool: AioxPool, chunksize?: number): Promise<number> {
  const items = Array.from({ length: SLOW_ITEMS }, () => SLOW_ITEM_MS);
  const start = performance.now();
  for await (const _ of pool.map(holdTask, items, chunksize === undefined ? {} : { chunksize })) continue;
  return perSecond(SLOW_ITEMS, performance.now() - start);
}

export const s3dMapDefaults: Scenario = {
  id: 's3d',
  title: '`map` with default options against the best fixed chunksize, tiny and slow items',
  async run(ctx) {
    const pool = aioxPool('thread', ctx.workers);
    const sizes = ctx.quick ? [200_000, 1_000_000] : [1_000_000, 10_000_000];
    try {
      await mapRound(pool, 100_000);
      for (const [i, count] of sizes.entries()) {
        const { defaults, best } = await sweep(ctx, pool, count);
        ctx.figures.push(
          figure({
            id: `3${'bc'[i]}`,
            title: `map over ${count.toLocaleString('en')} tiny items, default options vs best fixed chunksize`,
            unit: 'items/s',
            aiox: defaults,
            reference: best,
            target: { op: '>=', value: 0.8, text: '>= 0.8x best fixed chunksize' },
          }),
        );
      }
      const defaults: number[] = [];
      const one: number[] = [];
      for (let r = 0; r < ctx.rounds; r++) {
        defaults.push(await slowRound(pool));
        one.push(await slowRound(pool, 1));
      }
      addDetail(ctx, { scenario: 's3d', contender: 'aiox', metric: `${SLOW_ITEM_MS} ms items, defaults`, unit: 'items/s', median: median(defaults), samples: defaults });
      addDetail(ctx, { scenario: 's3d', contender: 'aiox', metric: `${SLOW_ITEM_MS} ms items, chunksize 1`, unit: 'items/s', median: median(one), samples: one });
      ctx.figures.push(
        figure({
          id: '3d',
          title: `map over ${SLOW_ITEMS} items of ${SLOW_ITEM_MS} ms, default options vs chunksize 1`,
          unit: 'items/s',
          aiox: median(defaults),
          reference: { name: 'chunksize 1', value: median(one) },
          // "No slower", read with the noise of a shared machine: the two differ only in their first chunks.
          target: { op: '>=', value: 0.95, text: '>= 0.95x chunksize 1' },
        }),
      );
    } finally {
      await pool.shutdown();
    }
  },
};
