import { addDetail, figure, type BenchContext, type Scenario } from '../lib/context.js';
import { addTask, aioxPool, type AioxPool, type Kind } from '../lib/contenders.js';
import { median, perSecond } from '../lib/stats.js';

/** How each task of a burst is submitted: plain, with a safety timeout, or with a signal that never fires. */
type Variant = 'plain' | 'timeout' | 'signal';
const VARIANTS: readonly Variant[] = ['plain', 'timeout', 'signal'];
const SAFETY_TIMEOUT_MS = 60_000;
const BURSTS_PER_ROUND = 5;

/** Submits `count` tiny tasks at once, each as `variant` says, and waits for all; returns tasks per second. */
async function abortableBurst(pool: AioxPool, count: number, variant: Variant): Promise<number> {
  // One signal for the whole burst, as a request's signal is passed to every task it starts.
  const controller = new AbortController();
  const options = variant === 'timeout' ? { timeout: SAFETY_TIMEOUT_MS } : { signal: controller.signal };
  const pending = new Array<PromiseLike<number>>(count);
  const start = performance.now();
  if (variant === 'plain') for (let i = 0; i < count; i++) pending[i] = pool.submit(addTask, i, 1);
  else for (let i = 0; i < count; i++) pending[i] = pool.submitWith(addTask, [i, 1], options);
  const results = await Promise.all(pending);
  const ms = performance.now() - start;
  let sum = 0;
  for (const value of results) sum += value;
  if (sum !== (count * (count + 1)) / 2) throw new Error(`aiox returned wrong results (${variant})`);
  return perSecond(count, ms);
}

async function measure(ctx: BenchContext, kind: Kind, count: number): Promise<void> {
  const pool = aioxPool(kind, ctx.workers);
  const samples = new Map<Variant, number[]>(VARIANTS.map((v) => [v, []]));
  try {
    for (const variant of VARIANTS) await abortableBurst(pool, Math.min(count, 2000), variant);
    // The variants take turns, so a slow moment of the machine touches all of them. A burst lasts some 30 ms,
    // which one major collection can lengthen by a third: a round is BURSTS_PER_ROUND bursts of each variant,
    // and the median is taken over all of them.
    for (let r = 0; r < ctx.rounds * BURSTS_PER_ROUND; r++) {
      for (let i = 0; i < VARIANTS.length; i++) {
        const variant = VARIANTS[(r + i) % VARIANTS.length]!;
        samples.get(variant)!.push(await abortableBurst(pool, count, variant));
      }
    }
  } finally {
    await pool.shutdown();
  }
  const name = kind === 'thread' ? 'aiox' : 'aiox (process)';
  const medians = new Map<Variant, number>();
  for (const [variant, values] of samples) {
    medians.set(variant, median(values));
    addDetail(ctx, { scenario: 'abortable', contender: name, metric: variant, unit: 'tasks/s', median: median(values), samples: values });
  }
  const plain = medians.get('plain')!;
  const what = kind === 'thread' ? 'thread pool' : 'process pool';
  const size = count.toLocaleString('en');
  ctx.figures.push(
    figure({
      id: kind === 'thread' ? 'ab-t1' : 'ab-p1',
      title: `${size} tiny tasks at once, each with a ${SAFETY_TIMEOUT_MS / 1000} s timeout (${what}), vs plain`,
      unit: 'tasks/s',
      aiox: medians.get('timeout')!,
      reference: { name: 'aiox, plain tasks', value: plain },
      target: { op: '>=', value: 0.8, text: '>= 0.8x plain' },
    }),
    figure({
      id: kind === 'thread' ? 'ab-t2' : 'ab-p2',
      title: `${size} tiny tasks at once, each with a signal that never fires (${what}), vs plain`,
      unit: 'tasks/s',
      aiox: medians.get('signal')!,
      reference: { name: 'aiox, plain tasks', value: plain },
      target: { op: '>=', value: 0.8, text: '>= 0.8x plain' },
    }),
  );
}

export const abortable: Scenario = {
  id: 'abortable',
  title: 'abortable burst: tiny tasks with a timeout or a signal each, against the same tasks without',
  async run(ctx) {
    const count = ctx.quick ? 5000 : 20_000;
    await measure(ctx, 'thread', count);
    await measure(ctx, 'process', count);
  },
};
