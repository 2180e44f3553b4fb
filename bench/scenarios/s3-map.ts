import { addDetail, best, figure, type Scenario } from '../lib/context.js';
import { aioxPool, incTask } from '../lib/contenders.js';
import { median, perSecond } from '../lib/stats.js';
import { peerBurst } from './s1-burst.js';

/** Items handed to a worker in one task. Large, because the items are tiny; a user would tune it the same way. */
const CHUNKSIZE = 8192;

function* range(count: number): Generator<number> {
  for (let i = 0; i < count; i++) yield i;
}

async function mapRound(pool: ReturnType<typeof aioxPool>, count: number): Promise<number> {
  const start = performance.now();
  let sum = 0;
  for await (const value of pool.map(incTask, range(count), { chunksize: CHUNKSIZE })) sum += value;
  const ms = performance.now() - start;
  if (sum !== (count * (count + 1)) / 2) throw new Error('aiox map returned wrong results');
  return perSecond(count, ms);
}

export const s3Map: Scenario = {
  id: 's3',
  title: '`map` over many tiny items on a thread pool',
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
    addDetail(ctx, { scenario: 's3', contender: 'aiox', metric: `map chunk ${CHUNKSIZE}`, unit: 'items/s', median: aiox, samples });
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
