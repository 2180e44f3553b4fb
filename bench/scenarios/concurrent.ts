import { Piscina } from 'piscina';
import { taskRef, ThreadPoolExecutor } from 'aiox';
import { addDetail, figure, type BenchContext, type Scenario } from '../lib/context.js';
import { fromRoot, workerPath } from '../lib/paths.js';
import { median, perSecond } from '../lib/stats.js';

const WORKER = fromRoot('bench/workers/io-wait.mjs');
const ioWait = taskRef<(id: number, ms: number) => number>(WORKER, 'ioWait');
/** How long each task waits: its stand-in for I/O. */
const WAIT_MS = 5;
/** Most tasks one worker runs at once, for aiox and piscina alike. */
const PER_WORKER = 16;

/** Runs `count` I/O-bound tasks submitted at once on an aiox thread pool; returns tasks per second. */
async function aiox(workers: number, count: number, perWorker: number): Promise<number> {
  const pool = new ThreadPoolExecutor({ maxWorkers: workers, minWorkers: workers, concurrentTasksPerWorker: perWorker });
  try {
    await Promise.all(Array.from({ length: workers }, (_, i) => pool.submit(ioWait, i, 0)));
    const start = performance.now();
    await Promise.all(Array.from({ length: count }, (_, i) => pool.submit(ioWait, i, WAIT_MS)));
    return perSecond(count, performance.now() - start);
  } finally {
    await pool.shutdown();
  }
}

/** The same on piscina, with its concurrentTasksPerWorker. */
async function piscina(workers: number, count: number): Promise<number> {
  const pool = new Piscina({ filename: workerPath('io-wait.mjs'), minThreads: workers, maxThreads: workers, concurrentTasksPerWorker: PER_WORKER });
  try {
    await Promise.all(Array.from({ length: workers }, (_, i) => pool.run({ id: i, ms: 0 })));
    const start = performance.now();
    await Promise.all(Array.from({ length: count }, (_, i) => pool.run({ id: i, ms: WAIT_MS })));
    return perSecond(count, performance.now() - start);
  } finally {
    await pool.destroy();
  }
}

async function measure(ctx: BenchContext): Promise<void> {
  const count = ctx.quick ? 200 : 2000;
  const one: number[] = [];
  const many: number[] = [];
  const peer: number[] = [];
  for (let r = 0; r < ctx.rounds; r++) {
    many.push(await aiox(ctx.workers, count, PER_WORKER));
    peer.push(await piscina(ctx.workers, count));
    // One at a time is slow (each task holds its worker for WAIT_MS): a tenth of the tasks.
    one.push(await aiox(ctx.workers, Math.ceil(count / 10), 1));
  }
  const perWorker = `${PER_WORKER} per worker`;
  addDetail(ctx, { scenario: 'concurrent', contender: 'aiox', metric: perWorker, unit: 'tasks/s', median: median(many), samples: many });
  addDetail(ctx, { scenario: 'concurrent', contender: 'aiox', metric: '1 per worker', unit: 'tasks/s', median: median(one), samples: one });
  addDetail(ctx, { scenario: 'concurrent', contender: 'piscina', metric: perWorker, unit: 'tasks/s', median: median(peer), samples: peer });
  const title = `${count} tasks each waiting ${WAIT_MS} ms on I/O, ${PER_WORKER} at once per worker`;
  ctx.figures.push(
    figure({
      id: 'ct-1',
      title: `${title}, vs piscina's concurrentTasksPerWorker`,
      unit: 'tasks/s',
      aiox: median(many),
      reference: { name: 'piscina', value: median(peer) },
      target: { op: '>=', value: 1, text: ">= piscina's" },
    }),
    figure({
      id: 'ct-2',
      title: `${title}, vs aiox running one task per worker at a time`,
      unit: 'tasks/s',
      aiox: median(many),
      reference: { name: 'aiox, 1 per worker', value: median(one) },
      target: null,
    }),
  );
}

export const concurrent: Scenario = {
  id: 'concurrent',
  title: 'I/O-bound async tasks with several per worker (concurrentTasksPerWorker), against one at a time and against piscina',
  async run(ctx) {
    await measure(ctx);
  },
};
