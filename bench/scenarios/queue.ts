import { addDetail, figure, type BenchContext, type Scenario } from '../lib/context.js';
import { pythonQueueRates } from '../lib/python.js';
import { median, perSecond } from '../lib/stats.js';
import { fromRoot } from '../lib/paths.js';
import { Manager, ProcessPoolExecutor, taskRef, type ManagedQueue } from 'aiox';

const WORK = fromRoot('bench/workers/manager-work.mjs');
type Move = (queue: ManagedQueue<number>, count: number, window: number) => Promise<number | void>;
const perItem = { produce: taskRef<Move>(WORK, 'produce'), consume: taskRef<Move>(WORK, 'consume') };
const batched = { produce: taskRef<Move>(WORK, 'produceMany'), consume: taskRef<Move>(WORK, 'consumeMany') };
/** Items per putMany and at most per getMany on the batched side. */
const BATCH = 1000;
/** The per-item side moves tens of thousands of items a second: its rate is measured on at most this many. */
const PER_ITEM_ITEMS = 100_000;

/**
 * aiox's side: moves the integers 0..count-1 from a producer task to a consumer task on a process pool of
 * two workers through a Manager queue of maxsize 1024, and returns items per second, timed from the
 * producer's start to the consumer's last item, as bench/python/queue_items.py times Python's. `batched`
 * puts and gets with putMany/getMany (BATCH items a call, each awaited); per item, with put and get, 256
 * calls in flight on each side. The consumer's sum is checked, so no item is lost or duplicated.
 */
async function aioxManagerQueue(pool: ProcessPoolExecutor, manager: Manager, tasks: typeof batched, count: number, window: number): Promise<number> {
  const queue = manager.queue<number>({ maxsize: 1024 });
  const start = performance.now();
  const [, sum] = await Promise.all([pool.submit(tasks.produce, queue, count, window), pool.submit(tasks.consume, queue, count, window)]);
  const elapsed = performance.now() - start;
  if (sum !== (count * (count - 1)) / 2) throw new Error(`the consumer's sum is ${String(sum)}: items were lost or duplicated`);
  return perSecond(count, elapsed);
}

async function run(ctx: BenchContext): Promise<void> {
  const python = await pythonQueueRates(ctx);
  const items = ctx.sizes.queueItems;
  const perItemCount = Math.min(items, PER_ITEM_ITEMS);
  await using manager = new Manager();
  await using pool = new ProcessPoolExecutor({ maxWorkers: 2, minWorkers: 2 });
  await aioxManagerQueue(pool, manager, batched, 10_000, BATCH);
  await aioxManagerQueue(pool, manager, perItem, 10_000, 256);
  const batchedRates: number[] = [];
  const perItemRates: number[] = [];
  // The two ways take turns in every round, so that both meet the same machine load.
  for (let r = 0; r < ctx.rounds; r++) {
    batchedRates.push(await aioxManagerQueue(pool, manager, batched, items, BATCH));
    perItemRates.push(await aioxManagerQueue(pool, manager, perItem, perItemCount, 256));
  }
  const aiox = median(batchedRates);
  addDetail(ctx, { scenario: 'queue', contender: 'aiox Manager queue', metric: `${items} items, putMany/getMany of ${BATCH}`, unit: 'items/s', median: aiox, samples: batchedRates });
  const single = median(perItemRates);
  addDetail(ctx, { scenario: 'queue', contender: 'aiox Manager queue', metric: `${perItemCount} items, put/get per item, 256 in flight`, unit: 'items/s', median: single, samples: perItemRates });
  const note = python === undefined ? 'python3 is missing or failed (see the notes): no reference' : undefined;
  ctx.figures.push(
    figure({
      id: 'q1',
      title: `${items} small items, producer process to consumer process: Manager queue (putMany/getMany of ${BATCH}) vs multiprocessing.Queue`,
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
    figure({
      id: 'q3',
      title: `the same with a put and a get per item (256 in flight each side, ${perItemCount} items) vs multiprocessing.Queue`,
      unit: 'items/s',
      aiox: single,
      reference: python === undefined ? null : { name: 'multiprocessing.Queue', value: python.queue },
      target: null,
    }),
  );
}

export const queue: Scenario = {
  id: 'queue',
  title: 'a queue between a producer process and a consumer process, against Python multiprocessing queues',
  run,
};
