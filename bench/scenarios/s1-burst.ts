import { best, figure, type BenchContext, type Scenario } from '../lib/context.js';
import { AIOX_THREAD, THREAD_PEERS, type Contender } from '../lib/contenders.js';
import { sample, sampleAll, type SampleSpec } from '../lib/sample.js';
import { perSecond } from '../lib/stats.js';

/** Submits `count` tiny tasks at once and waits for all of them; returns tasks per second. */
export async function burst(contender: Contender, count: number): Promise<number> {
  const pending = new Array<PromiseLike<number>>(count);
  const start = performance.now();
  for (let i = 0; i < count; i++) pending[i] = contender.add(i, 1);
  const results = await Promise.all(pending);
  const ms = performance.now() - start;
  // A cheap check that every task really ran: the sum of i + 1 over 0..count-1.
  let sum = 0;
  for (const value of results) sum += value;
  if (sum !== (count * (count + 1)) / 2) throw new Error(`${contender.name} returned wrong results`);
  return perSecond(count, ms);
}

function spec(ctx: BenchContext): SampleSpec {
  const count = ctx.sizes.burst;
  return {
    scenario: 's1',
    metric: 'burst',
    unit: 'tasks/s',
    warmup: (c) => burst(c, Math.min(count, 2000)),
    round: (c) => burst(c, count),
  };
}

/** The peers' burst throughput, measured once per run and shared with scenario 3. */
export async function peerBurst(ctx: BenchContext): Promise<Map<string, number>> {
  const cached = ctx.shared.get('s1.peers') as Map<string, number> | undefined;
  if (cached !== undefined) return cached;
  const peers = await sampleAll(ctx, THREAD_PEERS, spec(ctx));
  ctx.shared.set('s1.peers', peers);
  return peers;
}

export const s1Burst: Scenario = {
  id: 's1',
  title: 'tiny tasks submitted at once to a thread pool',
  async run(ctx) {
    const aiox = (await sample(ctx, AIOX_THREAD, spec(ctx))) ?? null;
    const reference = best(await peerBurst(ctx), 'higher');
    ctx.figures.push(
      figure({
        id: '1',
        title: `${ctx.sizes.burst.toLocaleString('en')} tiny tasks submitted at once (thread pool)`,
        unit: 'tasks/s',
        aiox,
        reference,
        target: { op: '>=', value: 3, text: '>= 3x best peer' },
      }),
    );
  },
};
