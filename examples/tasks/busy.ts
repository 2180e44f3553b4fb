import { defineTask } from 'aiox';

/** Keeps its thread busy for `ms` milliseconds (a stand-in for parsing, hashing, image work) and returns `ms`. */
export const busyFor = defineTask(import.meta.url, function busyFor(ms: number): number {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // Busy on purpose: the pool's figures are what this example shows.
  }
  return ms;
});
