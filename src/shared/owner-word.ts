import { isMainThread } from 'node:worker_threads';
import { Retry, SELF } from './wait.js';

/**
 * A mutual-exclusion word: 0 when free, else the owner's token (`threadId + 1`). Taking it writes the
 * owner in the same atomic step, so there is no moment at which a thread holds the word without being
 * named in it: a thread stopped at any instruction (`worker.terminate()`, `process.exit()` in a task)
 * leaves either nothing or its own name behind, and {@link recoverWord} can undo the latter.
 */

/** Takes the word if it is free; otherwise says whom to wait for. */
export function tryTake(cells: Int32Array, index: number): true | Retry {
  const owner = Atomics.compareExchange(cells, index, 0, SELF);
  return owner === 0 ? true : new Retry(index, owner);
}

/** Frees the word and wakes everyone waiting for it; false if it was not held by anyone. */
export function give(cells: Int32Array, index: number): boolean {
  if (Atomics.exchange(cells, index, 0) === 0) return false;
  // All, not one: a woken waiter may find the word taken again by a newcomer and wait once more, and
  // waking all costs nothing when nobody waits. Fairness between threads is not promised.
  Atomics.notify(cells, index);
  return true;
}

/** Frees the word if the dead thread `token` holds it, and wakes the waiters; true if it did. */
export function recoverWord(cells: Int32Array, index: number, token: number): boolean {
  if (Atomics.compareExchange(cells, index, token, 0) !== token) return false;
  Atomics.notify(cells, index);
  return true;
}

/**
 * Runs `attempt` once for a call that must not wait (`tryAcquire`, `putNowait`, ...), waiting only while
 * the internal word at `guard` is taken, which is held for a few instructions and never across a wait.
 * A worker blocks for it. The main thread must not wait for a thread that may have died inside those
 * instructions (it learns of deaths only from its event loop), so it waits at most `budget` ms and then
 * gives up as though the call would have had to wait: `undefined`.
 */
export function attemptNow<T>(cells: Int32Array, guard: number, attempt: () => T | Retry, budget = 100): T | undefined {
  const end = performance.now() + budget;
  for (;;) {
    const result = attempt();
    if (!(result instanceof Retry)) return result;
    if (result.index !== guard) return undefined;
    if (!isMainThread) {
      Atomics.wait(cells, guard, result.seen);
      continue;
    }
    const left = end - performance.now();
    if (left <= 0) return undefined;
    Atomics.wait(cells, guard, result.seen, Math.min(left, 1));
  }
}
