import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
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

/**
 * Milliseconds of CPU this process and its children that have exited spent so far (Linux's /proc), or
 * undefined elsewhere: a worker thread's time is in the process's, a child process's in its parent's once
 * it has been waited for.
 */
function cpuMs(): number | undefined {
  let stat: string;
  try {
    stat = readFileSync('/proc/self/stat', 'utf8');
  } catch {
    return undefined;
  }
  // The fields after the command's name (which may hold spaces) from the 3rd on: utime, stime, cutime, cstime
  // are the 14th to 17th, in clock ticks (USER_HZ, 100 on Linux).
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 1000) / 100;
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
 * pool has workers (each task's timeout counts from its own submission); returns tasks per second, and the
 * cores the process and its children kept busy on average (NaN without /proc).
 */
async function hangingPool(kind: Kind, workers: number, count: number): Promise<{ rate: number; cores: number }> {
  const pool = newPool(kind, workers);
  try {
    await pool.submit(addTask, 1, 1);
    let next = 0;
    const cpu = cpuMs();
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
    const ms = performance.now() - start;
    // The children stopped during the run have exited and been waited for; the two alive are not counted.
    const used = cpuMs();
    return { rate: perSecond(count, ms), cores: cpu === undefined || used === undefined ? NaN : (used - cpu) / ms };
  } finally {
    await pool.shutdown();
  }
}

async function measure(ctx: BenchContext, kind: Kind): Promise<void> {
  const name = kind === 'thread' ? 'aiox' : 'aiox (process)';
  const floors: number[] = [];
  const busy: number[] = [];
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
  for (let r = 0; r < ctx.rounds; r++) {
    const hanging = await hangingPool(kind, ctx.workers, count);
    rates.push(hanging.rate);
    busy.push(hanging.cores);
  }
  const floor = median(floors);
  const cores = median(busy);
  const stop = median(stops);
  const rate = median(rates);
  addDetail(ctx, { scenario: 'restart', contender: `${name} floor`, metric: 'fresh first reply', unit: 'ms', median: floor, samples: floors });
  addDetail(ctx, { scenario: 'restart', contender: name, metric: 'abort to next', unit: 'ms', median: stop, samples: stops });
  addDetail(ctx, { scenario: 'restart', contender: name, metric: '5% hang pool', unit: 'tasks/s', median: rate, samples: rates });
  addDetail(ctx, { scenario: 'restart', contender: name, metric: '5% hang pool, cores busy', unit: 'cores', median: cores, samples: busy });
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
    // Each hang spins on a core for its timeout, and its worker's replacement starts on another (a start takes
    // about as much CPU as its wall time): the floor estimate lets a start overlap the other lane's spin, which
    // needs more cores than two lanes. Cores kept busy near the machine's count say the pool waited on the
    // CPU, not on itself.
    figure({
      id: kind === 'thread' ? 'rs-t3' : 'rs-p3',
      title: `the same 5%-hang pool (${what}): cores busy (CPU time of the process and its children / wall time)`,
      unit: 'cores',
      aiox: cores,
      reference: Number.isNaN(cores) ? null : { name: 'cores', value: availableParallelism() },
      target: null,
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
