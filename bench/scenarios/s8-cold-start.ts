import { addDetail, figure, type BenchContext, type Scenario } from '../lib/context.js';
import { AIOX_PROCESS, AIOX_THREAD, PROCESS_PEERS, THREAD_PEERS, withContender, type ContenderFactory } from '../lib/contenders.js';
import { median, settle } from '../lib/stats.js';

/** Milliseconds from `new Pool()` to the first result, a fresh pool each round; median. */
async function coldStart(ctx: BenchContext, factory: ContenderFactory): Promise<number | undefined> {
  const samples: number[] = [];
  for (let r = 0; r < ctx.rounds; r++) {
    let start = 0;
    const ms = await withContender(
      { ...factory, create: (workers) => ((start = performance.now()), factory.create(workers)) },
      ctx.workers,
      async (contender) => {
        await contender.add(1, 2);
        return performance.now() - start;
      },
      (message) => ctx.notes.push(`s8: ${message}`),
    );
    if (ms === undefined) return undefined;
    samples.push(ms);
    await settle();
  }
  const value = median(samples);
  addDetail(ctx, { scenario: 's8', contender: factory.name, metric: 'new pool to first result', unit: 'ms', median: value, samples });
  return value;
}

export const s8ColdStart: Scenario = {
  id: 's8',
  title: 'cold start: new pool to first result',
  async run(ctx) {
    const results = new Map<string, number>();
    // poolifier is left out here: created and destroyed back to back, its pools intermittently spun the main
    // thread forever on Node 20 (seen with FixedThreadPool), which no timeout can interrupt.
    const peers = [...THREAD_PEERS, ...PROCESS_PEERS].filter((f) => !f.name.startsWith('poolifier'));
    ctx.notes.push('s8: poolifier left out of the cold-start scenario (it intermittently hung when created and destroyed back to back)');
    for (const factory of [AIOX_THREAD, AIOX_PROCESS, ...peers]) {
      const value = await coldStart(ctx, factory);
      if (value !== undefined) results.set(factory.name, value);
    }
    const ref = (name: string): { name: string; value: number } | null => {
      const value = results.get(name);
      return value === undefined ? null : { name, value };
    };
    ctx.figures.push(
      figure({
        id: '8a',
        title: 'cold start, thread pool: new pool to first result',
        unit: 'ms',
        aiox: results.get(AIOX_THREAD.name) ?? null,
        reference: ref('piscina'),
        target: null,
      }),
      figure({
        id: '8b',
        title: 'cold start, process pool: new pool to first result',
        unit: 'ms',
        aiox: results.get(AIOX_PROCESS.name) ?? null,
        reference: ref('workerpool (process)'),
        target: null,
      }),
    );
  },
};
