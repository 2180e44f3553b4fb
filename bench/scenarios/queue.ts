import { figure, type BenchContext, type Scenario } from '../lib/context.js';
import { pythonQueueRates } from '../lib/python.js';
import { median, perSecond } from '../lib/stats.js';
import { fromRoot } from '../lib/paths.js';
import { Manager, ProcessPoolExecutor, taskRef, type ManagedQueue } from 'aiox';

const WORK = fromRoot('bench/workers/manager-work.mjs');
const produce = taskRef<(queue: ManagedQueue<number>, count: number, window: number) => Promise<void>>(WORK, 'produce');
const consume = taskRef<(queue: ManagedQueue<number>, count: number, window: number) => Promise<number>>(WORK, 'consume');
/** aiox's queue moves tens of thousands of items a second: its rate is measured on at most this many. */
const AIOX_ITEMS = 100_000;

/**
 * aiox's side: moves small integers from a producer task to a consumer task on a process pool of two
 * workers through a Manager queue (at most AIOX_ITEMS of `items`, 256 calls in flight on each side), and
 * returns items per second, timed from the producer's start to the consumer's last item, as
 * bench/python/queue_items.py times Python's.
 */
async function aioxManagerQueue(items: number): Promise<number> {
  const count = Math.min(items, AIOX_ITEMS);
  await using manager = new Manager();
  await using pool = new ProcessPoolExecutor({ maxWorkers: 2, minWorkers: 2 });
  const warm = manager.queue<number>();
  await Promise.all([pool.submit(produce, warm, 256, 256), pool.submit(consume, warm, 256, 256)]);
  const queue = manager.queue<number>({ maxsize: 1024 });
  const start = performance.now();
  await Promise.all([pool.submit(produce, queue, count, 256), pool.submit(consume, queue, count, 256)]);
  return perSecond(count, performance.now() - start);
}

async function run(ctx: BenchContext): Promise<void> {
  const python = await pythonQueueRates(ctx);
  const rounds: number[] = [];
  for (let r = 0; r < ctx.rounds; r++) {
    rounds.push(await aioxManagerQueue(ctx.sizes.queueItems));
  }
  const aiox = median(rounds);
  const note = python === undefined ? 'python3 is missing or failed (see the notes): no reference' : undefined;
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
