import { describe, isThenable } from '../internal/validate.js';
import type { Future } from './future.js';

/**
 * Checks what `wait` and `asCompleted` are given, element by element, and returns the distinct futures.
 * A Future is recognised by its methods rather than by `instanceof`, so that futures from a second copy
 * of aiox in the same program are accepted too.
 */
export function futuresOf<T>(futures: unknown): Set<Future<T>> {
  const iterable = futures as Partial<Iterable<unknown>> | null;
  if (iterable === null || typeof iterable !== 'object' || typeof iterable[Symbol.iterator] !== 'function') {
    throw new TypeError(`futures must be an iterable of Futures, received ${describe(futures)}`);
  }
  const all = new Set<Future<T>>();
  let index = 0;
  for (const f of iterable as Iterable<unknown>) {
    if (!isFuture(f)) {
      const hint = isThenable(f) ? 'a promise (wait and asCompleted take the Futures that submit() returns)' : describe(f);
      throw new TypeError(`futures[${index}] must be a Future, received ${hint}`);
    }
    all.add(f as Future<T>);
    index++;
  }
  return all;
}

function isFuture(value: unknown): boolean {
  const f = value as Partial<Record<'done' | 'addDoneCallback' | 'removeDoneCallback', unknown>> | null;
  return (
    f !== null &&
    typeof f === 'object' &&
    typeof f.done === 'function' &&
    typeof f.addDoneCallback === 'function' &&
    typeof f.removeDoneCallback === 'function'
  );
}
