import { ProcessPoolExecutor, taskRef, ThreadPoolExecutor } from 'aiox';
import { addDetail, figure, type BenchContext, type Scenario } from '../lib/context.js';
import { addTask, type AioxPool, type Kind } from '../lib/contenders.js';
import { fromRoot } from '../lib/paths.js';
import { median, perSecond } from '../lib/stats.js';

const SLOW = fromRoot('bench/workers/cooperative.mjs');
/** Stops when its signal aborts. */
const cooperativeTask = taskRef<(ms: number) => number>(SLOW, 'cooperative');
/** Ignores its signal: stopped only by terminating its worker, after the grace period. */
const stubbornTask = taskRef<(ms: number) => number>(SLOW, 'stubborn');

/** How long an aborted task runs before its timeout stops it. */
const TIMEOUT_MS = 5;
/** A slow task would run far longer than its timeout. */
const FOREVER_MS = 3_600_000;
/** One task in this many is slow and stopped by its timeout. */
const EVERY = 10;

function newPool(kind: Kind, maxWorkers: number): AioxPool {
  return kind === 'thread' ? new ThreadPoolExecutor({ maxWorkers }) : new ProcessPoolExecutor({ maxWorkers });
}

/**
 * `count` tiny tasks, every EVERY-th of which is slow and stopped by a TIMEOUT_MS timeout, with as many in
 * flight as the pool has workers; the slow ones are `cooperative` or not. Returns tasks per second.
 */
async function abortHeavy(kind: Kind, workers: number, count: number, cooperative: boolean): Promise<number> {
  const pool = newPool(kind, workers);
  const slow = cooperative ? cooperativeTask : stubbornTask;
  try {
    await Promise.all([pool.submit(addTask, 1, 1), pool.submit(slow, 0)]);
    let next = 0;
    const start = performance.now();
    const lane = async (): Promise<void> => {
      while (next < count) {
        const i = next++;
        const task = i % EVERY === EVERY - 1 ? pool.submitWith(slow, [FOREVER_MS], { timeout: TIMEOUT_MS }) : pool.submit(addTask, i, 1);
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
  // The stubborn runs cost a worker start per abort: fewer tasks keep them to seconds.
  const count = ctx.quick ? 100 : 400;
  const cooperative: number[] = [];
  const stubborn: number[] = [];
  for (let r = 0; r < ctx.rounds; r++) {
    cooperative.push(await abortHeavy(kind, ctx.workers, count, true));
    stubborn.push(await abortHeavy(kind, ctx.workers, count, false));
  }
  addDetail(ctx, { scenario: 'cooperative', contender: name, metric: 'cooperative', unit: 'tasks/s', median: median(cooperative), samples: cooperative });
  addDetail(ctx, { scenario: 'cooperative', contender: name, metric: 'ignores its signal', unit: 'tasks/s', median: median(stubborn), samples: stubborn });
  const what = kind === 'thread' ? 'thread pool' : 'process pool';
  ctx.figures.push(
    figure({
      id: kind === 'thread' ? 'co-t' : 'co-p',
      title: `${count} tasks, 1 in ${EVERY} stopped by a ${TIMEOUT_MS} ms timeout (${what}): tasks that stop on their signal vs tasks that ignore it`,
      unit: 'tasks/s',
      aiox: median(cooperative),
      reference: { name: 'aiox, tasks ignoring their signal', value: median(stubborn) },
      target: { op: '>=', value: 10, text: '>= 10x tasks ignoring their signal' },
    }),
  );
}

export const cooperative: Scenario = {
  id: 'cooperative',
  title: 'an abort-heavy mix: tasks that stop on their signal (the worker is kept) against tasks that ignore it (the worker is terminated after the grace period)',
  async run(ctx) {
    await measure(ctx, 'thread');
    await measure(ctx, 'process');
  },
};
