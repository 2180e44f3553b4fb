import { Manager, ProcessPoolExecutor, taskRef, type ManagedQueue, type ManagedValue } from 'aiox';
import { addDetail, figure, type BenchContext, type Scenario } from '../lib/context.js';
import { childChannel, roundTrips } from '../lib/floor.js';
import { fromRoot } from '../lib/paths.js';
import { median, perSecond } from '../lib/stats.js';

const WORK = fromRoot('bench/workers/manager-work.mjs');
const proxyRoundTrips = taskRef<(value: ManagedValue<number>, count: number) => Promise<[number, number]>>(WORK, 'proxyRoundTrips');
const produce = taskRef<(queue: ManagedQueue<number>, count: number, window: number) => Promise<void>>(WORK, 'produce');
const consume = taskRef<(queue: ManagedQueue<number>, count: number, window: number) => Promise<number>>(WORK, 'consume');

function record(ctx: BenchContext, contender: string, metric: string, unit: string, samples: number[]): number {
  const value = median(samples);
  addDetail(ctx, { scenario: 'manager', contender, metric, unit, median: value, samples });
  return value;
}

/** The raw child_process IPC round trip (as the floors scenario measures it), on a channel of its own. */
async function rawProcessP50(ctx: BenchContext, count: number): Promise<number> {
  const channel = await childChannel();
  try {
    await roundTrips(channel, 500);
    const samples: number[] = [];
    for (let r = 0; r < ctx.rounds; r++) samples.push((await roundTrips(channel, count)).percentileMicros(50));
    return record(ctx, 'raw process IPC', 'round trip p50', 'µs', samples);
  } finally {
    await channel.close();
  }
}

export const manager: Scenario = {
  id: 'manager',
  title: "a Manager's proxies used from worker processes: call round trip, queue throughput",
  async run(ctx) {
    const count = Math.min(ctx.sizes.roundTrips, 5000);
    const items = ctx.sizes.floorTasks;
    const raw = await rawProcessP50(ctx, count);
    await using pool = new ProcessPoolExecutor({ maxWorkers: 2 });
    await using host = new Manager();
    const value = host.value(1);
    await pool.submit(proxyRoundTrips, value, 500);
    const p50: number[] = [];
    const p99: number[] = [];
    for (let r = 0; r < ctx.rounds; r++) {
      const [a, b] = await pool.submit(proxyRoundTrips, value, count);
      p50.push(a);
      p99.push(b);
    }
    const proxy = record(ctx, 'aiox Manager', 'proxy round trip p50 (from a process)', 'µs', p50);
    record(ctx, 'aiox Manager', 'proxy round trip p99 (from a process)', 'µs', p99);
    const rates: number[] = [];
    for (let r = 0; r < ctx.rounds; r++) {
      const queue = host.queue<number>({ maxsize: 1024 });
      const start = performance.now();
      await Promise.all([pool.submit(produce, queue, items, 256), pool.submit(consume, queue, items, 256)]);
      rates.push(perSecond(items, performance.now() - start));
    }
    const rate = record(ctx, 'aiox Manager', 'queue, producer process to consumer process', 'items/s', rates);
    ctx.log(`  proxy p50 ${proxy.toFixed(1)} µs vs raw IPC p50 ${raw.toFixed(1)} µs; queue ${Math.round(rate)} items/s`);
    ctx.figures.push(
      figure({
        id: 'm1',
        title: 'Manager proxy call round trip p50 (from a worker process) vs raw child_process IPC round trip',
        unit: 'µs',
        aiox: proxy,
        reference: { name: 'raw process IPC', value: raw },
        target: { op: '<=', value: 1.5, text: '<= 1.5x raw IPC' },
      }),
      figure({
        id: 'm2',
        title: 'Manager queue: small items from a producer process to a consumer process',
        unit: 'items/s',
        aiox: rate,
        reference: null,
        target: null,
      }),
    );
  },
};
