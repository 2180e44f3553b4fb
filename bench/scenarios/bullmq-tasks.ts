import { defineTask } from 'aiox';

/** The tiny task of the BullMQ scenario: what a job costs beyond its work. */
export const addOne = defineTask(import.meta.url, function addOne(n: number): number {
  return n + 1;
});

/** A fixed amount of CPU work (`rounds` steps of xorshift), the same on every host; its result defeats dead code. */
export function churn(rounds: number): number {
  let x = 0x9e3779b9;
  for (let i = 0; i < rounds; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
  }
  return x >>> 0;
}

/** The CPU-bound task of the BullMQ scenario: `churn`, sized by the bench to about 50 ms. */
export const cpuWork = defineTask(import.meta.url, function cpuWork(rounds: number): number {
  return churn(rounds);
});
