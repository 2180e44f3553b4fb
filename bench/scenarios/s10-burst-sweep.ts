import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { addDetail, figure, type BenchContext, type Scenario } from '../lib/context.js';
import { fromRoot } from '../lib/paths.js';
import { median } from '../lib/stats.js';

const run = promisify(execFile);
const CHILD = fileURLToPath(fromRoot('build/bench/children/burst-sweep.js'));

interface Sweep {
  /** Median per-task µs of each size. */
  readonly micros: Map<number, number>;
  /** Heap bytes per pending task, at the largest size. */
  bytes: number;
}

/** Runs every size of one contender, each in a fresh child process. */
async function sweep(ctx: BenchContext, impl: 'floor' | 'aiox', label: string, sizes: readonly number[]): Promise<Sweep> {
  const out: Sweep = { micros: new Map(), bytes: Number.NaN };
  for (const count of sizes) {
    const args = ['--expose-gc', CHILD, '--impl', impl, '--count', String(count), '--rounds', String(ctx.rounds), '--workers', String(ctx.workers)];
    const { stdout } = await run(process.execPath, args, { timeout: 600_000, maxBuffer: 1 << 20 });
    const { micros, bytesPerPending } = JSON.parse(stdout) as { micros: number[]; bytesPerPending: number };
    const n = count.toLocaleString('en');
    out.micros.set(count, median(micros));
    addDetail(ctx, { scenario: 's10', contender: label, metric: `per task, ${n}`, unit: 'µs', median: median(micros), samples: micros });
    addDetail(ctx, { scenario: 's10', contender: label, metric: `heap/pending, ${n}`, unit: 'B', median: bytesPerPending, samples: [bytesPerPending] });
    out.bytes = bytesPerPending;
  }
  return out;
}

export const s10BurstSweep: Scenario = {
  id: 's10',
  title: 'burst size sweep: tiny tasks submitted at once and awaited with Promise.all, per-task cost against the floor',
  async run(ctx) {
    const sizes = ctx.quick ? [10_000, 30_000, 100_000] : [10_000, 30_000, 100_000, 300_000, 1_000_000];
    const floor = await sweep(ctx, 'floor', 'raw batched + promise', sizes);
    const aiox = await sweep(ctx, 'aiox', 'aiox', sizes);
    for (const count of sizes) {
      ctx.log(`  ${count.toLocaleString('en').padStart(9)}: aiox ${(aiox.micros.get(count)! / floor.micros.get(count)!).toFixed(2)}x the floor`);
    }
    const ratioFigure = (id: string, count: number): void => {
      ctx.figures.push(
        figure({
          id,
          title: `${count.toLocaleString('en')} tiny tasks submitted at once, per-task cost (thread pool)`,
          unit: 'µs',
          aiox: aiox.micros.get(count) ?? null,
          reference: { name: 'raw batched postMessage + one native promise per task', value: floor.micros.get(count)! },
          target: { op: '<=', value: 2, text: '<= 2x the floor' },
        }),
      );
    };
    const largest = sizes.at(-1)!;
    ratioFigure('10a', 100_000);
    if (largest > 100_000) ratioFigure('10b', largest);
    // No cliff: the per-task cost of the largest burst up to 300k against that of 10k.
    const cliffAt = Math.max(...sizes.filter((s) => s <= 300_000));
    ctx.figures.push(
      figure({
        id: '10c',
        title: `per-task cost of a ${cliffAt.toLocaleString('en')} burst against a 10,000 one (aiox)`,
        unit: 'µs',
        aiox: aiox.micros.get(cliffAt)!,
        reference: { name: 'aiox, 10,000 tasks', value: aiox.micros.get(10_000)! },
        target: null,
      }),
    );
    ctx.figures.push(
      figure(
        {
          id: '10d',
          title: `heap per pending task, ${largest.toLocaleString('en')} tasks submitted and awaited with Promise.all`,
          unit: 'B',
          aiox: aiox.bytes,
          reference: { name: 'raw batched + one native promise per task', value: floor.bytes },
          target: { op: '<=', value: 400, text: '<= 400 B' },
        },
        { absolute: true },
      ),
    );
  },
};
