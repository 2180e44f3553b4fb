import { addDetail, best, figure, type BenchContext, type Scenario } from '../lib/context.js';
import { AIOX_THREAD, THREAD_PEERS, withContender, type Contender, type ContenderFactory } from '../lib/contenders.js';
import { roundTrips, threadChannel, type Channel } from '../lib/floor.js';
import { Latency, median } from '../lib/stats.js';

async function oneAtATime(contender: Contender, count: number): Promise<Latency> {
  const latency = new Latency();
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await contender.add(i, 1);
    latency.since(start);
  }
  return latency;
}

interface Measured {
  readonly p50: number;
  readonly p99: number;
  /** With a floor channel: the raw round trip's p50, measured in the rounds between the contender's. */
  readonly floorP50?: number;
}

/**
 * Median over rounds of p50 and p99, in microseconds. With `floor`, each round of the contender is followed
 * by a round of the bare round trip on that channel, so that both see the same load on the machine.
 */
async function measure(ctx: BenchContext, factory: ContenderFactory, floor?: Channel): Promise<Measured | undefined> {
  return withContender(
    factory,
    ctx.workers,
    async (contender) => {
      await oneAtATime(contender, 1000);
      if (floor !== undefined) await roundTrips(floor, 1000);
      const p50: number[] = [];
      const p99: number[] = [];
      const floorP50: number[] = [];
      for (let r = 0; r < ctx.rounds; r++) {
        const latency = await oneAtATime(contender, ctx.sizes.roundTrips);
        p50.push(latency.percentileMicros(50));
        p99.push(latency.percentileMicros(99));
        if (floor !== undefined) floorP50.push((await roundTrips(floor, Math.min(ctx.sizes.roundTrips, 5000))).percentileMicros(50));
      }
      addDetail(ctx, { scenario: 's2', contender: factory.name, metric: 'p50', unit: 'µs', median: median(p50), samples: p50 });
      addDetail(ctx, { scenario: 's2', contender: factory.name, metric: 'p99', unit: 'µs', median: median(p99), samples: p99 });
      if (floor === undefined) return { p50: median(p50), p99: median(p99) };
      addDetail(ctx, { scenario: 's2', contender: 'raw postMessage', metric: 'p50, between aiox rounds', unit: 'µs', median: median(floorP50), samples: floorP50 });
      return { p50: median(p50), p99: median(p99), floorP50: median(floorP50) };
    },
    (message) => ctx.notes.push(`s2: ${message}`),
  );
}

export const s2Latency: Scenario = {
  id: 's2',
  title: 'one task at a time: round-trip latency',
  async run(ctx) {
    const channel = await threadChannel();
    let aiox: Measured | undefined;
    try {
      aiox = await measure(ctx, AIOX_THREAD, channel);
    } finally {
      await channel.close();
    }
    const p50s = new Map<string, number>();
    const p99s = new Map<string, number>();
    for (const factory of THREAD_PEERS) {
      const peer = await measure(ctx, factory);
      if (peer === undefined) continue;
      p50s.set(factory.name, peer.p50);
      p99s.set(factory.name, peer.p99);
    }
    // The floor of 2b is measured in rounds alternating with aiox's, not at another time of the run.
    const floor = aiox?.floorP50 ?? null;
    const piscina = p50s.get('piscina');
    ctx.figures.push(
      figure({
        id: '2a',
        title: 'latency p50, one task at a time, vs piscina',
        unit: 'µs',
        aiox: aiox?.p50 ?? null,
        reference: piscina === undefined ? null : { name: 'piscina', value: piscina },
        target: { op: '<=', value: 1, text: "<= 1x piscina's p50" },
      }),
      figure({
        id: '2b',
        title: 'latency p50 vs raw postMessage round trip',
        unit: 'µs',
        aiox: aiox?.p50 ?? null,
        reference: floor === null ? null : { name: 'raw postMessage', value: floor },
        target: { op: '<=', value: 1.5, text: '<= 1.5x raw floor' },
      }),
      figure({
        id: '2c',
        title: 'latency p99, one task at a time',
        unit: 'µs',
        aiox: aiox?.p99 ?? null,
        reference: best(p99s, 'lower'),
        target: null,
      }),
    );
  },
};
