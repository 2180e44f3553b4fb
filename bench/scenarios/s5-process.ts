import { best, figure, type BenchContext, type Scenario } from '../lib/context.js';
import { AIOX_PROCESS, PROCESS_PEERS } from '../lib/contenders.js';
import { pythonRates } from '../lib/python.js';
import { sample, sampleAll, type SampleSpec } from '../lib/sample.js';
import { burst } from './s1-burst.js';

function spec(ctx: BenchContext): SampleSpec {
  const count = ctx.sizes.processTasks;
  return {
    scenario: 's5',
    metric: 'burst',
    unit: 'tasks/s',
    warmup: (c) => burst(c, Math.min(count, 2000)),
    round: (c) => burst(c, count),
  };
}

export const s5Process: Scenario = {
  id: 's5',
  title: 'tiny tasks on a process pool',
  async run(ctx) {
    const aiox = (await sample(ctx, AIOX_PROCESS, spec(ctx))) ?? null;
    const peers = await sampleAll(ctx, PROCESS_PEERS, spec(ctx));
    const python = await pythonRates(ctx);
    const workerpool = peers.get('workerpool (process)');
    const count = ctx.sizes.processTasks.toLocaleString('en');
    ctx.figures.push(
      figure({
        id: '5a',
        title: `${count} tiny tasks on a process pool vs workerpool`,
        unit: 'tasks/s',
        aiox,
        reference: workerpool === undefined ? null : { name: 'workerpool (process)', value: workerpool },
        target: { op: '>=', value: 5, text: '>= 5x workerpool process' },
      }),
      figure({
        id: '5b',
        title: `${count} tiny tasks on a process pool vs Python`,
        unit: 'tasks/s',
        aiox,
        reference: python === undefined ? null : { name: 'Python ProcessPoolExecutor', value: python.process },
        target: python === undefined ? null : { op: '>=', value: 10, text: '>= 10x Python PPE' },
      }),
      figure({
        id: '5c',
        title: `${count} tiny tasks on a process pool vs best peer`,
        unit: 'tasks/s',
        aiox,
        reference: best(peers, 'higher'),
        target: null,
      }),
    );
  },
};
