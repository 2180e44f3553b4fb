import { addDetail, best, figure, type Scenario } from '../lib/context.js';
import { aioxPool, incTask, type AioxPool } from '../lib/contenders.js';
import { median, perSecond } from '../lib/stats.js';
import { peerBurst } from './s1-burst.js';

export function* range(count: number): Generator<number> {
  for (let i = 0; i < count; i++) yield i;
}

/** One `map` over `count` tiny items: items/s. No `chunksize` (map sizes its chunks), unless given. */
export async function mapRound(pool: AioxPool, count: number, chunksize?: number): Promise<number> {
  const start = performance.now();
  let sum = 0;
  for await (const value of pool.map(incTask, range(count), chunksize === undefined ? {} : { chunksize })) sum += value;
  const ms = performance.now() - start;
  if (sum !== (count * (count + 1)) / 2) throw new Error('aiox map returned wrong results');
  return perSecond(count, ms);
}

export const s3Map: Scenario = {
  id: 's3',
  title: '`map` over many tiny items on a thread pool, default options',
  async run(ctx) {
    const count = ctx.sizes.mapItems;
    const pool = aioxPool('thread', ctx.workers);
    const samples: number[] = [];
    try {
      await mapRound(pool, Math.min(count, 100_000));
      for (let r = 0; r < ctx.rounds; r++) samples.push(await mapRound(pool, count));
    } finally {
      await pool.shutdown();
    }
    const aiox = median(samples);
    addDetail(ctx, { scenario: 's3', contender: 'aiox', metric: 'map, defaults', unit: 'items/s', median: aiox, samples });
    ctx.figures.push(
      figure({
        id: '3',
        title: `map over ${count.toLocaleString('en')} tiny items vs best peer burst (1)`,
        unit: 'items/s',
        aiox,
        reference: best(await peerBurst(ctx), 'higher'),
        target: { op: '>=', value: 10, text: '>= 10x best peer in 1' },
      }),
    );
  },
};
