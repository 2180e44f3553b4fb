import { execFile } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BullMQExecutor, runWorkerHost } from 'aiox/bullmq';
import { Queue, QueueEvents, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { startHost, stopHost, type HostProcess } from '../../examples/lib/hosts.js';
import { REDIS_SERVER, startRedis, type RedisServer } from '../../examples/lib/redis.js';
import { addDetail, figure, type BenchContext, type Scenario } from '../lib/context.js';
import { Latency, median, perSecond } from '../lib/stats.js';
import { addOne, churn, cpuWork } from './bullmq-tasks.js';

// aiox's BullMQExecutor against raw BullMQ on the same private Redis, in the same run: N tiny jobs submitted
// at once (raw: addBulk, processed by a bare Worker running the function inline; aiox: submit() each, run by
// a worker host on a thread pool of ctx.workers), map() with chunks, and one job's round trip (raw: add to
// the 'completed' event). Both sides take the same number of jobs at once from the queue.
//
// Also: what one Redis spends per job (commands, from INFO commandstats, which counts the commands run inside
// BullMQ's Lua scripts too, and its CPU time, from INFO cpu), for both, and redis-benchmark's ops/s on the
// same server, which with the commands per job gives the jobs/s at which one Redis saturates; and CPU-bound
// tasks of about 50 ms on one worker host, then on two (`aiox worker` processes with one worker thread each,
// so that on this 2-core machine the speedup measures the distribution, not the core count).
const CONCURRENCY_PER_WORKER = 8;
const MAP_CHUNK = 100;
const CPU_TASK_MS = 50;
const TASKS = fileURLToPath(new URL('./bullmq-tasks.js', import.meta.url));

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

/** Commands run and CPU time spent by the Redis server so far. */
async function redisCounters(client: Redis): Promise<{ commands: number; cpuMicros: number }> {
  const [stats, cpu] = await Promise.all([client.info('commandstats'), client.info('cpu')]);
  let commands = 0;
  for (const match of stats.matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)) if (match[1] !== 'info') commands += Number(match[2]);
  const seconds = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(cpu)?.[1] ?? NaN);
  return { commands, cpuMicros: (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6 };
}

/** Redis's commands and CPU µs per job while `run` handles `jobs` jobs. */
async function perJob(client: Redis, jobs: number, run: () => Promise<number>): Promise<{ rate: number; commands: number; cpuMicros: number }> {
  const before = await redisCounters(client);
  const rate = await run();
  const after = await redisCounters(client);
  return { rate, commands: (after.commands - before.commands) / jobs, cpuMicros: (after.cpuMicros - before.cpuMicros) / jobs };
}

/** redis-benchmark's SET requests per second on `redis` (50 clients, pipelines of 16), or undefined without it. */
async function redisBenchmark(redis: RedisServer, requests: number): Promise<number | undefined> {
  const args = ['-h', '127.0.0.1', '-p', String(redis.port), '-n', String(requests), '-c', '50', '-P', '16', '-t', 'set', '--csv'];
  const { stdout } = await promisify(execFile)('redis-benchmark', args).catch(() => ({ stdout: '' }));
  const rps = /^"SET","([\d.]+)"/m.exec(stdout)?.[1];
  return rps === undefined ? undefined : Number(rps);
}

/** Rounds of `churn` that take about `ms` here (the best of a few timings). */
function calibrate(ms: number): number {
  const probe = 2_000_000;
  let best = Infinity;
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    churn(probe);
    best = Math.min(best, performance.now() - start);
  }
  return Math.round((probe * ms) / best);
}

/** Tasks of about 50 ms each through `executor`, all submitted at once: tasks/s. */
async function cpuBurst(executor: BullMQExecutor, tasks: number, rounds: number): Promise<number> {
  const start = performance.now();
  await Promise.all(Array.from({ length: tasks }, () => executor.submit(cpuWork, rounds)));
  return perSecond(tasks, performance.now() - start);
}

/** One host serving a queue, against two serving another, each with one worker thread; alternated per round. */
async function hostSpeedup(ctx: BenchContext, redis: RedisServer): Promise<{ one: number[]; two: number[]; rounds: number }> {
  const rounds = calibrate(CPU_TASK_MS);
  const tasks = ctx.quick ? 12 : 40;
  const hostArgs = ['--workers', '1'];
  const hosts: HostProcess[] = [];
  const one = new BullMQExecutor({ connection: redis.connection, queue: 'cpu-one' });
  const two = new BullMQExecutor({ connection: redis.connection, queue: 'cpu-two' });
  try {
    hosts.push(
      ...(await Promise.all([
        startHost('A', redis.url, 'cpu-one', TASKS, hostArgs),
        startHost('B', redis.url, 'cpu-two', TASKS, hostArgs),
        startHost('C', redis.url, 'cpu-two', TASKS, hostArgs),
      ])),
    );
    // Warm each host (its worker, the task's module, JIT) before timing.
    await Promise.all([cpuBurst(one, 2, rounds), cpuBurst(two, 4, rounds)]);
    const rates = { one: [] as number[], two: [] as number[] };
    for (let r = 0; r < ctx.rounds; r++) {
      rates.one.push(await cpuBurst(one, tasks, rounds));
      rates.two.push(await cpuBurst(two, tasks, rounds));
    }
    return { ...rates, rounds };
  } finally {
    await Promise.all([one.shutdown(), two.shutdown()]);
    await Promise.all(hosts.map(stopHost));
  }
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
    const client = new Redis(redis.connection);
    try {
      // One untimed round of each side first: BullMQ, ioredis and aiox's code reach the optimizing compiler
      // within a few thousand jobs, and a cold first round ran at about half the warm rate on either side.
      await rawThroughput(redis, jobs, concurrency);
      await Promise.all(Array.from({ length: jobs }, (_, n) => executor.submit(addOne, n)));
      const raw: number[] = [];
      const submitted: number[] = [];
      const mapped: number[] = [];
      const commands = { raw: [] as number[], aiox: [] as number[] };
      const cpu = { raw: [] as number[], aiox: [] as number[] };
      for (let r = 0; r < ctx.rounds; r++) {
        const bare = await perJob(client, jobs, () => rawThroughput(redis, jobs, concurrency));
        const ours = await perJob(client, jobs, async () => {
          const start = performance.now();
          await Promise.all(Array.from({ length: jobs }, (_, n) => executor.submit(addOne, n)));
          return perSecond(jobs, performance.now() - start);
        });
        raw.push(bare.rate);
        submitted.push(ours.rate);
        commands.raw.push(bare.commands);
        commands.aiox.push(ours.commands);
        cpu.raw.push(bare.cpuMicros);
        cpu.aiox.push(ours.cpuMicros);
        const start = performance.now();
        let count = 0;
        for await (const _ of executor.map(addOne, Array.from({ length: items }, (_, n) => n), { chunksize: MAP_CHUNK })) count++;
        mapped.push(perSecond(count, performance.now() - start));
      }
      addDetail(ctx, { scenario: 'bullmq', contender: 'raw BullMQ', metric: 'jobs/s', unit: '/s', median: median(raw), samples: raw });
      addDetail(ctx, { scenario: 'bullmq', contender: 'aiox submit', metric: 'jobs/s', unit: '/s', median: median(submitted), samples: submitted });
      addDetail(ctx, { scenario: 'bullmq', contender: `aiox map chunk ${MAP_CHUNK}`, metric: 'items/s', unit: '/s', median: median(mapped), samples: mapped });
      for (const side of ['raw', 'aiox'] as const) {
        const contender = side === 'raw' ? 'raw BullMQ' : 'aiox submit';
        addDetail(ctx, { scenario: 'bullmq', contender, metric: 'Redis commands/job', unit: '', median: median(commands[side]), samples: commands[side] });
        addDetail(ctx, { scenario: 'bullmq', contender, metric: 'Redis CPU/job', unit: 'µs', median: median(cpu[side]), samples: cpu[side] });
      }
      const benchmark = await redisBenchmark(redis, ctx.quick ? 100_000 : 500_000);
      if (benchmark === undefined) ctx.notes.push('bullmq: redis-benchmark is not on the PATH; no ops/s figure');
      else {
        addDetail(ctx, { scenario: 'bullmq', contender: 'redis-benchmark SET -P 16', metric: 'ops/s', unit: '/s', median: benchmark, samples: [benchmark] });
        const saturation = benchmark / median(commands.aiox);
        addDetail(ctx, { scenario: 'bullmq', contender: 'aiox submit', metric: 'jobs/s at Redis saturation (ops/s / commands per job)', unit: '/s', median: saturation, samples: [] });
        addDetail(ctx, { scenario: 'bullmq', contender: 'aiox submit', metric: 'jobs/s at Redis saturation (1 s / Redis CPU per job)', unit: '/s', median: 1e6 / median(cpu.aiox), samples: [] });
      }

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
          id: 'Qr',
          title: 'Redis commands per job (INFO commandstats, Lua included), submit() vs raw',
          unit: 'commands',
          aiox: median(commands.aiox),
          reference: { name: 'raw BullMQ', value: median(commands.raw) },
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
      await host.close();
      const speedup = await hostSpeedup(ctx, redis);
      // Other programs on this machine take cores from the hosts: the speedup is only as good as what is free.
      ctx.notes.push(`bullmq: load average ${loadavg().map((n) => n.toFixed(1)).join(', ')} after the two-host measurement`);
      addDetail(ctx, { scenario: 'bullmq', contender: `1 host × 1 worker, ~${CPU_TASK_MS} ms tasks`, metric: 'tasks/s', unit: '/s', median: median(speedup.one), samples: speedup.one });
      addDetail(ctx, { scenario: 'bullmq', contender: `2 hosts × 1 worker, ~${CPU_TASK_MS} ms tasks`, metric: 'tasks/s', unit: '/s', median: median(speedup.two), samples: speedup.two });
      ctx.figures.push(
        figure({
          id: 'Qd',
          title: `CPU-bound tasks (~${CPU_TASK_MS} ms): 2 hosts vs 1 host, 1 worker each (2 cores here)`,
          unit: 'tasks/s',
          aiox: median(speedup.two),
          reference: { name: '1 host', value: median(speedup.one) },
          target: { op: '>=', value: 1.8, text: '>= 1.8x one host' },
        }),
      );
    } finally {
      await executor.shutdown();
      await host.close();
      await client.quit();
      await redis.stop();
    }
  },
};
