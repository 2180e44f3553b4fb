import { ProcessPoolExecutor, ThreadPoolExecutor, type PoolExecutorOptions } from 'aiox';

/** The two executors every conformance test runs against. */
export const KINDS = ['thread', 'process'] as const;
export type Kind = (typeof KINDS)[number];

export function makePool(kind: Kind, options: PoolExecutorOptions = {}): ThreadPoolExecutor | ProcessPoolExecutor {
  return kind === 'thread' ? new ThreadPoolExecutor(options) : new ProcessPoolExecutor(options);
}
