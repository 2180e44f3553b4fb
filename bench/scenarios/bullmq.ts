import { BullMQExecutor, runWorkerHost } from 'aiox/bullmq';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { REDIS_SERVER, startRedis, type RedisServer } from '../../examples/lib/redis.js';
import { addDetail, figure, type BenchContext, type Scenario } from '../lib/context.js';
import { Latency, median, perSecond } from '../lib/stats.js';
import { addOne } from './bullmq-tasks.js';

// aiox's BullMQExecutor against raw BullMQ on the same private Redis, in the same run: N tiny jobs submitted
// at once (raw: addBulk, processed by a bare Worker running the function inline; aiox: submit() each, run by
// a worker host on a thread pool of ctx.workers), map() with chunks, and one job's round trip (raw: add to
// the 'completed' event). Both sides take the same number of jobs at once from the queue.
const CONCURRENCY_PER_WORKER = 8;
const MAP_CHUNK = 100;

let queues = 0;

async function rawThroughput(redis: RedisServer, jobs: number, concurrency: number): Promise<number> {
  const name = `raw-${queues++}`;
  const queue = new Queue(name, { connection: redis.connection });
  let done = 0;
  let finished: () => void = () => undefined;
  const all = new Promise<void>((resolve) => (finished = resolve));
  const worker = new Worker(name, async (job) => (job.data as { n: number }).n + 1, { connection: redis.connection, concurrency });
  worker.on('completed', () => {
    if (++done === jobs) finished();
  });
  await worker.waitUntilReady();
  const start = performance.now();
  await queue.addBulk(Array.from({ length: jobs }, (_, n) => ({ name: 'add', data: { n }, opts: { removeOnComplete: { age: 3600 } } })));
  await all;
  const ms = performance.now() - start;
  await Promise.all([worker.close(), queue.close()]);
  return perSecond(jobs, ms);
}

async function rawRoundTrips(redis: RedisServer, count: number, concurrency: number): Promise<Latency> {
  const name = `raw-${queues++}`;
  const queue = new Queue(name, { connection: redis.connection });
  const events = new QueueEvents(name, { connection: redis.connection });
  const worker = new Worker(name, async (job) => (job.data as { n: number }).n + 1, { connection: redis.connection, concurrency });
  await Promise.all([worker.waitUntilReady(), events.waitUntilReady()]);
  const latency = new Latency();
  for (let n = 0; n < count; n++) {
    const start = performance.now();
    const job = await queue.add('add', { n });
    await job.waitUntilFinished(events);
    latency.since(start);
  }
  await Promise.all([worker.close(), events.close(), queue.close()]);
  return latency;
}

export const bullmq: Scenario = {
  id: 'bullmq',
  title: 'BullMQExecutor against raw BullMQ on one Redis',
  async run(ctx: BenchContext) {
    if (REDIS_SERVER === undefined) {
      ctx.notes.push('bullmq: skipped, no redis-server on the PATH');
      return;
    }
    const jobs = ctx.quick ? 500 : 3000;
    const items = ctx.quick ? 5000 : 50_000;
    const trips = ctx.quick ? 50 : 300;
    const concurrency = ctx.workers * CONCURRENCY_PER_WORKER;
    const redis = await startRedis();
    const host = await runWorkerHost({ connection: redis.connection, queue: 'aiox', tasks: [new URL('./bullmq-tasks.js', import.meta.url)], maxWorkers: ctx.workers, concurrency });
    const executor = new BullMQExecutor({ connection: redis.connection, queue: 'aiox', keepFinishedJobs: 3600 });
    try {
      await Promise.all(Array.from({ length: 100 }, (_, n) => executor.submit(addOne, n)));
      const raw: number[] = [];
      const submitted: number[] = [];
      const mapped: number[] = [];
      for (let r = 0; r < ctx.rounds; r++) {
        raw.push(await rawThroughput(redis, jobs, concurrency));
        let start = performance.now();
        await Promise.all(Array.from({ length: jobs }, (_, n) => executor.submit(addOne, n)));
        submitted.push(perSecond(jobs, performance.now() - start));
        start = performance.now();
        let count = 0;
        for await (const _ of executor.map(addOne, Array.from({ length: items }, (_, n) => n), { chunksize: MAP_CHUNK })) count++;
        mapped.push(perSecond(count, performance.now() - start));
      }
      addDetail(ctx, { scenario: 'bullmq', contender: 'raw BullMQ', metric: 'jobs/s', unit: '/s', median: median(raw), samples: raw });
      addDetail(ctx, { scenario: 'bullmq', contender: 'aiox submit', metric: 'jobs/s', unit: '/s', median: median(submitted), samples: submitted });
      addDetail(ctx, { scenario: 'bullmq', contender: `aiox map chunk ${MAP_CHUNK}`, metric: 'items/s', unit: '/s', median: median(mapped), samples: mapped });

      const rawTrips = await rawRoundTrips(redis, trips, concurrency);
      const aioxTrips = new Latency();
      for (let n = 0; n < trips; n++) {
        const start = performance.now();
        await executor.submit(addOne, n);
        aioxTrips.since(start);
      }
      for (const [contender, latency] of [['raw BullMQ', rawTrips], ['aiox submit', aioxTrips]] as const) {
        addDetail(ctx, { scenario: 'bullmq', contender, metric: 'p50', unit: 'µs', median: latency.percentileMicros(50), samples: [] });
        addDetail(ctx, { scenario: 'bullmq', contender, metric: 'p99', unit: 'µs', median: latency.percentileMicros(99), samples: [] });
      }
      ctx.figures.push(
        figure({
          id: 'Qa',
          title: `${jobs} tiny jobs at once, submit() vs raw addBulk + Worker`,
          unit: 'jobs/s',
          aiox: median(submitted),
          reference: { name: 'raw BullMQ', value: median(raw) },
          // At most 1.2x raw BullMQ's time: at least 1/1.2 of its rate.
          target: { op: '>=', value: 1 / 1.2, text: ">= 0.83x raw BullMQ's rate (<= 1.2x its time)" },
        }),
        figure({
          id: 'Qb',
          title: `map() with chunksize ${MAP_CHUNK}, items/s vs raw BullMQ jobs/s`,
          unit: 'items/s',
          aiox: median(mapped),
          reference: { name: 'raw BullMQ', value: median(raw) },
          target: null,
        }),
        figure({
          id: 'Qc',
          title: 'one job at a time: round trip p50 vs raw add to completed',
          unit: 'µs',
          aiox: aioxTrips.percentileMicros(50),
          reference: { name: 'raw BullMQ', value: rawTrips.percentileMicros(50) },
          target: null,
        }),
      );
    } finally {
      await executor.shutdown();
      await host.close();
      await redis.stop();
    }
  },
};
