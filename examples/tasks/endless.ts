import { defineTask } from 'aiox';

/** What {@link tickUntilDone} did: when its loop started, and when each tick happened (epoch milliseconds). */
export interface Ticks {
  readonly started: number;
  readonly ticks: number[];
}

/**
 * The reference thread's endless loop with a done flag: does one tick of work every `periodMs` until
 * `done[0]` becomes non-zero, then returns when it started and when each tick happened, for the main
 * thread to print (a worker's console output reaches the terminal late and out of order).
 * `Atomics.wait` with a timeout is the sleep, and it is interruptible: setting the flag and calling
 * `Atomics.notify` wakes it at once, as `done.wait(1)` on a `threading.Event` does in the thread's answer.
 */
export const tickUntilDone = defineTask(import.meta.url, function tickUntilDone(done: Int32Array, periodMs: number): Ticks {
  const started = Date.now();
  const ticks: number[] = [];
  while (Atomics.wait(done, 0, 0, periodMs) === 'timed-out') ticks.push(Date.now());
  return { started, ticks };
});
