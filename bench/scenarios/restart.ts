import { ProcessPoolExecutor, ThreadPoolExecutor } from 'aiox';
import { addDetail, figure, type BenchContext, type Scenario } from '../lib/context.js';
import { addTask, holdTask, type AioxPool, type Kind } from '../lib/contenders.js';
import { median, perSecond } from '../lib/stats.js';

/** How long a hanging task of the 5%-hang pool runs before its timeout stops it. */
const HANG_TIMEOUT_MS = 50;
/** A hanging task holds its worker far longer than its timeout. */
const FOREVER_MS = 3_600_000;

function newPool(kind: Kind, maxWorkers: number): AioxPool {
  return kind === 'thread' ? new ThreadPoolExecutor({ maxWorkers }) : new ProcessPoolExecutor({ maxWorkers });
}

/** The floor: milliseconds from a new pool's first submit to its first reply (a fresh worker's start). */
async function freshReply(kind: Kind): Promise<number> {
  const pool = newPool(kind, 1);
  try {
    const start = performance.now();
    await pool.submit(addTask, 1, 1);
    return performance.now() - start;
  } finally {
    await pool.shutdown();
  }
}

/**
 * Milliseconds from the abort of a task running on the only worker of a warm pool to the reply of the task
 * queued behind it, which needs the worker's replacement.
 */
async function abortToNext(pool: AioxPool): Promise<number> {
  const controller = new AbortController();
  const stopped = pool.submitWith(holdTask, [FOREVER_MS], { signal: controller.signal });
  const next = pool.submit(addTask, 1, 1);
  // Running by then: a warm worker begins a task within microseconds.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const start = performance.now();
  controller.abort();
  await stopped.then(
    () => undefined,
    () => undefined,
  );
  await next;
  return performance.now() - start;
}

/**
 * `count` tiny tasks, every 20th of which hangs until its timeout stops it, with as many in flight as the
 * pool has workers (each task's timeout counts from its own submission); returns tasks per second.
 */
async function hangingPool(kind: Kind, workers: number, count: number): Promise<number> {
  const pool = newPool(kind, workers);
  try {
    await pool.submit(addTask, 1, 1);
    let next = 0;
    const start = performance.now();
    const lane = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        const task = i % 20 === 19 ? pool.submitWith(holdTask, [FOREVER_MS], { timeout: HANG_TIMEOUT_MS }) : pool.submitWith(addTask, [i, 1], { timeout: HANG_TIMEOUT_MS });
        await task.then(
          () => undefined,
          () => undefined,
        );
      }
    };
    await Promise.all(Array.from({ length: workers }, lane));
    return perSecond(count, performance.now() - start);
  } finally {
    await pool.shutdown();
  }
}

async function measure(ctx: BenchContext, kind: Kind): Promise<void> {
  const name = kind === 'thread' ? 'aiox' : 'aiox (process)';
  const floors: number[] = [];
  const stops: number[] = [];
  const rates: number[] = [];
  const count = ctx.quick ? 200 : 1000;
  const pool = newPool(kind, 1);
  try {
    await pool.submit(addTask, 1, 1);
    for (let r = 0; r < ctx.rounds; r++) {
      floors.push(await freshReply(kind));
      stops.push(await abortToNext(pool));
    }
  } finally {
    await pool.shutdown();
  }
  for (let r = 0; r < ctx.rounds; r++) rates.push(await hangingPool(kind, ctx.workers, count));
  const floor = median(floors);
  const stop = median(stops);
  const rate = median(rates);
  addDetail(ctx, { scenario: 'restart', contender: `${name} floor`, metric: 'fresh first reply', unit: 'ms', median: floor, samples: floors });
  addDetail(ctx, { scenario: 'restart', contender: name, metric: 'abort to next', unit: 'ms', median: stop, samples: stops });
  addDetail(ctx, { scenario: 'restart', contender: name, metric: '5% hang pool', unit: 'tasks/s', median: rate, samples: rates });
  // Each hanging task holds a worker for its timeout and then a fresh start; the tiny tasks cost nothing.
  const hangs = Math.floor(count / 20);
  const estimate = count / (((hangs / ctx.workers) * (HANG_TIMEOUT_MS + floor)) / 1000);
  const what = kind === 'thread' ? 'thread pool' : 'process pool';
  ctx.figures.push(
    figure(
      {
        id: kind === 'thread' ? 'rs-t1' : 'rs-p1',
        title: `abort to next task's reply, minus a fresh worker's first reply (${what})`,
        unit: 'ms',
        aiox: stop - floor,
        reference: null,
        target: { op: '<=', value: 5, text: '<= 5 ms over the floor' },
        note: `abort to next ${stop.toFixed(1)} ms; floor (a fresh worker's first reply) ${floor.toFixed(1)} ms`,
      },
      { absolute: true },
    ),
    figure({
      id: kind === 'thread' ? 'rs-t2' : 'rs-p2',
      title: `${count} tasks, 5% hang until a ${HANG_TIMEOUT_MS} ms timeout, ${ctx.workers} in flight (${what}), vs floor estimate`,
      unit: 'tasks/s',
      aiox: rate,
      reference: { name: 'floor estimate', value: estimate },
      target: { op: '>=', value: 1, text: '>= 1x floor estimate' },
    }),
  );
}

export const restart: Scenario = {
  id: 'restart',
  title: 'abort to next start, and a pool where 5% of tasks hang and are stopped by their timeout',
  async run(ctx) {
    await measure(ctx, 'thread');
    await measure(ctx, 'process');
  },
};
