import { addDetail, type BenchContext } from './context.js';
import { withContender, type Contender, type ContenderFactory } from './contenders.js';
import { median } from './stats.js';

export interface SampleSpec {
  readonly scenario: string;
  readonly metric: string;
  readonly unit: string;
  /** Workers in the pool; the context's default when left out. */
  readonly workers?: number;
  /** Runs once before the timed rounds (JIT, worker start-up). */
  readonly warmup?: (contender: Contender) => Promise<unknown>;
  /** One timed round; returns the round's figure. */
  readonly round: (contender: Contender) => Promise<number>;
}

/**
 * Runs `ctx.rounds` rounds of `spec.round` on one contender's pool, records the rounds and returns their
 * median, or undefined if the contender failed (noted in the results).
 */
export async function sample(ctx: BenchContext, factory: ContenderFactory, spec: SampleSpec): Promise<number | undefined> {
  const samples = await withContender(
    factory,
    spec.workers ?? ctx.workers,
    async (contender) => {
      await spec.warmup?.(contender);
      const out: number[] = [];
      for (let r = 0; r < ctx.rounds; r++) out.push(await spec.round(contender));
      return out;
    },
    (message) => ctx.notes.push(`${spec.scenario}: ${message}`),
  );
  if (samples === undefined) return undefined;
  const value = median(samples);
  addDetail(ctx, { scenario: spec.scenario, contender: factory.name, metric: spec.metric, unit: spec.unit, median: value, samples });
  return value;
}

/** Samples each factory in turn; the map holds the medians of those that ran. */
export async function sampleAll(
  ctx: BenchContext,
  factories: readonly ContenderFactory[],
  spec: SampleSpec,
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const factory of factories) {
    const value = await sample(ctx, factory, spec);
    if (value !== undefined) out.set(factory.name, value);
  }
  return out;
}
