import { addDetail, best, type BenchContext, type Scenario } from '../lib/context.js';
import { AIOX_THREAD, THREAD_PEERS, withContender, type Contender, type ContenderFactory } from '../lib/contenders.js';
import { median } from '../lib/stats.js';
import { burst } from './s1-burst.js';

const SLOW_MS = 200;

interface MixedRound {
  /** Milliseconds from submission until the last tiny task finished. */
  readonly tinyMs: number;
  /** Tiny tasks that finished after the slow one: they waited behind it while the other worker was free. */
  readonly stranded: number;
}

/**
 * Submits the tiny tasks with one slow task in their middle, all at once, on a warm pool of two workers.
 * One worker can run every tiny task while the other runs the slow one, so no tiny task needs to wait for
 * the slow one to finish.
 */
async function mixedRound(contender: Contender, tiny: number): Promise<MixedRound> {
  const start = performance.now();
  const done: Promise<number>[] = [];
  let slow: Promise<number> | undefined;
  for (let i = 0; i < tiny; i++) {
    if (i === tiny >> 1) slow = Promise.resolve(contender.hold(SLOW_MS)).then(() => performance.now());
    done.push(Promise.resolve(contender.add(i, 1)).then(() => performance.now()));
  }
  const finished = await Promise.all(done);
  const slowEnd = await slow!;
  const tinyEnd = Math.max(...finished);
  return { tinyMs: tinyEnd - start, stranded: finished.filter((t) => t >= slowEnd).length };
}

async function measure(ctx: BenchContext, factory: ContenderFactory): Promise<MixedRound | undefined> {
  return withContender(
    factory,
    ctx.workers,
    async (contender) => {
      // Warm, so that a pool that learns task durations has seen tiny ones.
      await burst(contender, 5000);
      const rounds: MixedRound[] = [];
      for (let r = 0; r < ctx.rounds; r++) rounds.push(await mixedRound(contender, ctx.sizes.mixedTiny));
      const tinyMs = median(rounds.map((r) => r.tinyMs));
      const stranded = Math.max(...rounds.map((r) => r.stranded));
      addDetail(ctx, { scenario: 's9', contender: factory.name, metric: 'tiny done', unit: 'ms', median: tinyMs, samples: rounds.map((r) => r.tinyMs) });
      addDetail(ctx, { scenario: 's9', contender: factory.name, metric: 'stranded (max)', unit: 'tasks', median: stranded, samples: rounds.map((r) => r.stranded) });
      return { tinyMs, stranded };
    },
    (message) => ctx.notes.push(`s9: ${message}`),
  );
}

export const s9Mixed: Scenario = {
  id: 's9',
  title: `mixed load: tiny tasks with a ${SLOW_MS} ms task among them`,
  async run(ctx) {
    const aiox = await measure(ctx, AIOX_THREAD);
    const peers = new Map<string, number>();
    for (const factory of THREAD_PEERS) {
      const peer = await measure(ctx, factory);
      if (peer !== undefined) peers.set(factory.name, peer.tinyMs);
    }
    // The ratio is to the slow task's duration, not to a peer: the tiny tasks must all be done before the slow
    // one is, and none may finish after it (stranded behind it). The best peer is shown for comparison.
    const ratio = aiox === undefined ? null : aiox.tinyMs / SLOW_MS;
    ctx.figures.push({
      id: '9',
      title: `${ctx.sizes.mixedTiny.toLocaleString('en')} tiny tasks around a ${SLOW_MS} ms one: tiny ones done`,
      unit: 'ms',
      aiox: aiox?.tinyMs ?? null,
      reference: best(peers, 'lower'),
      ratio,
      target: { op: '<', value: 1, text: `< 1x the slow task, 0 stranded` },
      met: aiox === undefined || ratio === null ? null : ratio < 1 && aiox.stranded === 0,
      note: `ratio is to the slow task (${SLOW_MS} ms); aiox left at most ${aiox?.stranded ?? '-'} tiny tasks stranded behind it`,
    });
  },
};
