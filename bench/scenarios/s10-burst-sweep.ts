import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { addDetail, figure, type BenchContext, type Scenario } from '../lib/context.js';
import { fromRoot } from '../lib/paths.js';
import { median } from '../lib/stats.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(fromRoot('build/bench/children/burst-sweep.js'));

interface Size {
  /** Median per-task µs of each contender. */
  readonly floor: number;
  readonly aiox: number;
  /** Median of the rounds' aiox / floor: each round runs both, back to back, under the same load. */
  readonly ratio: number;
  /** Heap bytes per pending task. */
  readonly floorBytes: number;
  readonly aioxBytes: number;
}

/**
 * Bursts of this many tasks or fewer take a fraction of a second, in which one collection or one slow moment
 * of the machine moves a sample by 2x (the floor's three samples at 100,000 were 0.90, 1.23 and 2.65 µs in
 * one run): they get SHORT_BURST_ROUNDS times the rounds.
 */
const SHORT_BURST = 100_000;
const SHORT_BURST_ROUNDS = 3;

/** One size, in a fresh child process that runs the floor and aiox in turn in every round. */
async function measureSize(ctx: BenchContext, count: number): Promise<Size> {
  const rounds = count <= SHORT_BURST ? ctx.rounds * SHORT_BURST_ROUNDS : ctx.rounds;
  const args = ['--expose-gc', CHILD, '--contenders', 'floor,aiox', '--count', String(count), '--rounds', String(rounds), '--workers', String(ctx.workers)];
  const { stdout } = await run(process.execPath, args, { timeout: 600_000, maxBuffer: 1 << 20 });
  const { micros, bytes } = JSON.parse(stdout) as { micros: Record<'floor' | 'aiox', number[]>; bytes: Record<'floor' | 'aiox', number> };
  const n = count.toLocaleString('en');
  const detail = (contender: string, metric: string, unit: string, samples: number[]): void =>
    addDetail(ctx, { scenario: 's10', contender, metric, unit, median: median(samples), samples });
  detail('raw batched + promise', `per task, ${n}`, 'µs', micros.floor);
  detail('aiox', `per task, ${n}`, 'µs', micros.aiox);
  const ratios = micros.aiox.map((value, i) => value / micros.floor[i]!);
  detail('aiox', `x floor, ${n}`, 'x', ratios);
  detail('raw batched + promise', `heap/pending, ${n}`, 'B', [bytes.floor]);
  detail('aiox', `heap/pending, ${n}`, 'B', [bytes.aiox]);
  return { floor: median(micros.floor), aiox: median(micros.aiox), ratio: median(ratios), floorBytes: bytes.floor, aioxBytes: bytes.aiox };
}

export const s10BurstSweep: Scenario = {
  id: 's10',
  title: 'burst size sweep: tiny tasks submitted at once and awaited with Promise.all, per-task cost against the floor',
  async run(ctx) {
    const sizes = ctx.quick ? [10_000, 30_000, 100_000] : [10_000, 30_000, 100_000, 300_000, 1_000_000];
    const results = new Map<number, Size>();
    for (const count of sizes) results.set(count, await measureSize(ctx, count));
    // A figure's ratio is aiox's median over the floor's; each round's own ratio is in the details.
    const ratioFigure = (id: string, count: number): void => {
      const { floor, aiox } = results.get(count)!;
      ctx.figures.push(
        figure({
          id,
          title: `${count.toLocaleString('en')} tiny tasks submitted at once and awaited with Promise.all, per-task cost (thread pool)`,
          unit: 'µs',
          aiox,
          reference: { name: 'raw batched postMessage + one native promise per task', value: floor },
          target: { op: '<=', value: 2, text: '<= 2x the floor' },
        }),
      );
    };
    const largest = sizes.at(-1)!;
    ratioFigure('10a', 100_000);
    if (largest > 100_000) ratioFigure('10b', largest);
    // No cliff: the per-task cost of the largest burst up to 300k against that of 10k, each as a multiple of the floor.
    const cliffAt = Math.max(...sizes.filter((s) => s <= 300_000));
    ctx.figures.push(
      figure({
        id: '10c',
        title: `per-task cost of a ${cliffAt.toLocaleString('en')} burst against a 10,000 one, each as a multiple of the floor`,
        unit: 'x floor',
        aiox: results.get(cliffAt)!.ratio,
        reference: { name: 'aiox, 10,000 tasks', value: results.get(10_000)!.ratio },
        target: { op: '<=', value: 1.5, text: '<= 1.5 (no cliff)' },
      }),
    );
    const { aioxBytes, floorBytes } = results.get(largest)!;
    ctx.figures.push(
      figure(
        {
          id: '10d',
          title: `heap per pending task, ${largest.toLocaleString('en')} tasks submitted and awaited with Promise.all`,
          unit: 'B',
          aiox: aioxBytes,
          reference: { name: 'raw batched + one native promise per task', value: floorBytes },
          target: { op: '<=', value: 400, text: '<= 400 B' },
        },
        { absolute: true },
      ),
    );
  },
};
