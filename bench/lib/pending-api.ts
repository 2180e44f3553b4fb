import * as aiox from 'aiox';

/**
 * The parts of aiox that scenarios 6 and 7 measure and that do not exist yet (`collect`, `resolve`; another
 * issue). They are looked up on the package at run time, so the scenarios start measuring them as soon as
 * they are exported, with no change here beyond checking the call shapes below against the real API.
 */

/** Assumed shape: `collect(items, { workers })`, items being functions that start the work; results in order. */
export type Collect = (items: Iterable<() => Promise<number>>, options: { readonly workers: number }) => Promise<number[]>;

/**
 * Assumed shape: `resolve(items, { workers, greediness })`, reading `items` lazily and yielding results in
 * order as an async iterable.
 */
export type Resolve = (
  items: Iterable<() => Promise<number>>,
  options: { readonly workers: number; readonly greediness: number },
) => AsyncIterable<number>;

function exported<T>(name: string): T | undefined {
  const value = (aiox as unknown as Record<string, unknown>)[name];
  return typeof value === 'function' ? (value as T) : undefined;
}

export function aioxCollect(): Collect | undefined {
  return exported<Collect>('collect');
}

export function aioxResolve(): Resolve | undefined {
  return exported<Resolve>('resolve');
}
