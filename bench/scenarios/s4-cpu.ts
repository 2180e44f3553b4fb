import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { addDetail, best, figure, type BenchContext, type Scenario } from '../lib/context.js';
import { AIOX_THREAD, THREAD_PEERS, type Contender, type ContenderFactory } from '../lib/contenders.js';
import { threadChannel, type Channel } from '../lib/floor.js';
import { fromRoot } from '../lib/paths.js';
import { median } from '../lib/stats.js';

const TASK_MS = 50;
const PEERS = THREAD_PEERS.filter((f) => f.name === 'piscina' || f.name === 'workerpool');

/** How many rounds of `spin` take about TASK_MS here, measured on the main thread. */
function calibrate(): number {
  const { spin } = createRequire(import.meta.url)(fileURLToPath(fromRoot('bench/workers/work.cjs'))) as {
    spin: (rounds: number) => number;
  };
  let rounds = 1_000_000;
  for (let i = 0; i < 4; i++) {
    const start = performance.now();
    spin(rounds);
    const ms = performance.now() - start;
    rounds = Math.max(1000, Math.round((rounds * TASK_MS) / Math.max(ms, 0.1)));
  }
  return rounds;
}

async function allAtOnce(contender: Contender, tasks: number, rounds: number): Promise<number> {
  const start = performance.now();
  await Promise.all(Array.from({ length: tasks }, () => contender.spin(rounds)));
  return performance.now() - start;
}

interface Pair {
  readonly factory: ContenderFactory;
  readonly one: Contender;
  readonly two: Contender;
  readonly samples: number[];
}

/**
 * Runs the contenders round by round, interleaved, so that other load on the machine falls on all of them
 * alike rather than on whichever ran at the wrong moment. Every pool is closed at the end.
 */
async function speedups(ctx: BenchContext, factories: readonly ContenderFactory[], spinRounds: number): Promise<Map<string, number>> {
  const tasks = ctx.sizes.cpuTasks;
  const pairs: Pair[] = [];
  try {
    for (const factory of factories) {
      try {
        const one = factory.create(1);
        let two: Contender;
        try {
          two = factory.create(2);
        } catch (error) {
          await one.close();
          throw error;
        }
        pairs.push({ factory, one, two, samples: [] });
        await allAtOnce(one, 1, spinRounds);
        await allAtOnce(two, 2, spinRounds);
      } catch (error) {
        ctx.notes.push(`s4: ${factory.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    for (let r = 0; r < ctx.rounds; r++) {
      for (const pair of pairs) {
        const t1 = await allAtOnce(pair.one, tasks, spinRounds);
        const t2 = await allAtOnce(pair.two, tasks, spinRounds);
        pair.samples.push(t1 / t2);
      }
    }
  } finally {
    for (const pair of pairs) await Promise.all([pair.one.close(), pair.two.close()]).catch(() => undefined);
  }
  const out = new Map<string, number>();
  for (const { factory, samples } of pairs) {
    const value = median(samples);
    addDetail(ctx, { scenario: 's4', contender: factory.name, metric: 'speedup 1->2', unit: 'x', median: value, samples });
    out.set(factory.name, value);
  }
  return out;
}

/** Runs `tasks` spins spread over bare threads (no pool), one at a time per thread; returns milliseconds. */
async function rawSpins(channels: readonly Channel[], tasks: number, spinRounds: number): Promise<number> {
  const start = performance.now();
  await Promise.all(
    channels.map(async (channel, k) => {
      for (let i = k; i < tasks; i += channels.length) {
        const answered = new Promise((resolve) => channel.onMessage(resolve));
        channel.send({ spin: spinRounds });
        await answered;
      }
    }),
  );
  return performance.now() - start;
}

/**
 * The same work on bare worker threads: what this machine allows at the moment of the run. Other load on
 * the machine shows here first, so it is recorded beside the pools' figures.
 */
async function rawSpeedup(ctx: BenchContext, spinRounds: number): Promise<number> {
  const channels = [await threadChannel(), await threadChannel()];
  try {
    await rawSpins(channels, 2, spinRounds);
    const samples: number[] = [];
    for (let r = 0; r < ctx.rounds; r++) {
      const t1 = await rawSpins(channels.slice(0, 1), ctx.sizes.cpuTasks, spinRounds);
      const t2 = await rawSpins(channels, ctx.sizes.cpuTasks, spinRounds);
      samples.push(t1 / t2);
    }
    const value = median(samples);
    addDetail(ctx, { scenario: 'floors', contender: 'raw thread', metric: 'speedup 1->2', unit: 'x', median: value, samples });
    return value;
  } finally {
    await Promise.all(channels.map((c) => c.close()));
  }
}

export const s4Cpu: Scenario = {
  id: 's4',
  title: `CPU-bound tasks of about ${TASK_MS} ms: pool of 1 worker against pool of 2`,
  async run(ctx) {
    const spinRounds = calibrate();
    ctx.log(`  calibrated: ${spinRounds} hash rounds ≈ ${TASK_MS} ms`);
    const all = await speedups(ctx, [AIOX_THREAD, ...PEERS], spinRounds);
    const aiox = all.get(AIOX_THREAD.name) ?? null;
    all.delete(AIOX_THREAD.name);
    const peers = all;
    const raw = await rawSpeedup(ctx, spinRounds);
    const reference = best(peers, 'higher');
    ctx.figures.push(
      figure(
        {
          id: '4',
          title: `${ctx.sizes.cpuTasks} CPU tasks of ~${TASK_MS} ms, speedup 1 -> 2 workers`,
          unit: 'x',
          aiox,
          reference,
          target: { op: '>=', value: 1.9, text: 'speedup >= 1.9' },
          note: `bare threads reached a speedup of ${raw.toFixed(2)} in the same run (what the machine allowed)`,
        },
        { absolute: true },
      ),
    );
  },
};
