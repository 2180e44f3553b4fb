// How a pool's perf_hooks histograms of microseconds become distributions in ms.
import type { RecordableHistogram } from 'node:perf_hooks';
import type { TimeDistribution } from './types.js';

/** Milliseconds as the whole microseconds a histogram records (at least 1, its lowest value). */
export function micros(ms: number): number {
  return ms >= 0.001 ? Math.round(ms * 1000) : 1;
}

/** A histogram of microseconds, as milliseconds. */
export function distribution(histogram: RecordableHistogram): TimeDistribution {
  if (histogram.count === 0) return { count: 0, mean: 0, p50: 0, p90: 0, p99: 0, max: 0 };
  return {
    count: histogram.count,
    mean: histogram.mean / 1000,
    p50: histogram.percentile(50) / 1000,
    p90: histogram.percentile(90) / 1000,
    p99: histogram.percentile(99) / 1000,
    max: histogram.max / 1000,
  };
}
