import { addDetail, type BenchContext, type Scenario } from '../lib/context.js';
import { childChannel, pipeline, roundTrips, threadChannel, type Channel } from '../lib/floor.js';
import { median } from '../lib/stats.js';

type Open = () => Promise<Channel>;

async function rounds(ctx: BenchContext, measure: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  for (let r = 0; r < ctx.rounds; r++) out.push(await measure());
  return out;
}

function record(ctx: BenchContext, contender: string, metric: string, unit: string, samples: number[]): number {
  const value = median(samples);
  addDetail(ctx, { scenario: 'floors', contender, metric, unit, median: value, samples });
  return value;
}

async function measureKind(ctx: BenchContext, label: string, open: Open): Promise<void> {
  const total = ctx.sizes.floorTasks;
  const channels: Channel[] = [];
  try {
    for (let i = 0; i < ctx.workers; i++) channels.push(await open());
    const one = channels[0]!;
    await roundTrips(one, 500);
    const p50: number[] = [];
    const p99: number[] = [];
    for (let r = 0; r < ctx.rounds; r++) {
      const latency = await roundTrips(one, Math.min(ctx.sizes.roundTrips, 5000));
      p50.push(latency.percentileMicros(50));
      p99.push(latency.percentileMicros(99));
    }
    record(ctx, `raw ${label}`, 'round trip p50', 'µs', p50);
    record(ctx, `raw ${label}`, 'round trip p99', 'µs', p99);
    await pipeline(channels, total / 10, 1, 64);
    record(ctx, `raw ${label}`, 'unbatched', 'tasks/s', await rounds(ctx, () => pipeline(channels, total, 1, 64)));
    for (const size of [16, 256]) {
      const samples = await rounds(ctx, () => pipeline(channels, total * 4, size, 4));
      record(ctx, `raw ${label}`, `batched ${size}`, 'tasks/s', samples);
    }
  } finally {
    await Promise.all(channels.map((c) => c.close()));
  }
}

export const floors: Scenario = {
  id: 'floors',
  title: 'raw floors: bare postMessage to worker threads, bare child_process IPC (advanced serialization)',
  async run(ctx) {
    await measureKind(ctx, 'thread', threadChannel);
    await measureKind(ctx, 'process', childChannel);
  },
};
