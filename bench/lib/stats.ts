import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';

export function median(samples: readonly number[]): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A latency histogram in nanoseconds, read back in microseconds. */
export class Latency {
  readonly #histogram: RecordableHistogram = createHistogram();

  /** Records the time since `start` (a `performance.now()` reading). */
  since(start: number): void {
    this.#histogram.record(Math.max(1, Math.round((performance.now() - start) * 1e6)));
  }

  percentileMicros(p: number): number {
    return this.#histogram.percentile(p) / 1000;
  }
}

/** Tasks per second for `count` tasks done in `ms` milliseconds. */
export function perSecond(count: number, ms: number): number {
  return count / (ms / 1000);
}

/** Resolves on the next turn of the event loop, so that pending I/O and timers of a closed pool settle. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
