import { figure, type BenchContext, type Scenario } from '../lib/context.js';
import { pythonQueueRates } from '../lib/python.js';
import { median } from '../lib/stats.js';

/**
 * aiox's side of this scenario, to be filled in when the Manager of issue 13 lands: moves `items` small
 * integers from a producer task to a consumer task on a process pool of two workers through a Manager queue,
 * once, and returns items per second (timed from the producer's start to the consumer's last item, as
 * bench/python/queue_items.py times Python's). Returning undefined leaves the figures without aiox's value.
 */
async function aioxManagerQueue(items: number): Promise<number | undefined> {
  void items;
  return undefined;
}

async function run(ctx: BenchContext): Promise<void> {
  const python = await pythonQueueRates(ctx);
  const rounds: number[] = [];
  for (let r = 0; r < ctx.rounds; r++) {
    const rate = await aioxManagerQueue(ctx.sizes.queueItems);
    if (rate === undefined) break;
    rounds.push(rate);
  }
  const aiox = rounds.length === 0 ? null : median(rounds);
  const note =
    python === undefined
      ? 'python3 is missing or failed (see the notes): no reference'
      : aiox === null
        ? "aiox's Manager queue is not measured yet (aioxManagerQueue in bench/scenarios/queue.ts)"
        : undefined;
  ctx.figures.push(
    figure({
      id: 'q1',
      title: `${ctx.sizes.queueItems} small items, producer process to consumer process: Manager queue vs multiprocessing.Queue`,
      unit: 'items/s',
      aiox,
      reference: python === undefined ? null : { name: 'multiprocessing.Queue', value: python.queue },
      target: { op: '>=', value: 1, text: '>= 1x multiprocessing.Queue' },
      ...(note === undefined ? {} : { note }),
    }),
    figure({
      id: 'q2',
      title: 'the same, vs multiprocessing.Manager().Queue()',
      unit: 'items/s',
      aiox,
      reference: python === undefined ? null : { name: 'Manager().Queue()', value: python.manager },
      target: { op: '>=', value: 10, text: '>= 10x Manager().Queue()' },
    }),
  );
}

export const queue: Scenario = {
  id: 'queue',
  title: 'a queue between a producer process and a consumer process, against Python multiprocessing queues',
  run,
};
