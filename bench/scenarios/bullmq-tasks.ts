import { defineTask } from 'aiox';

/** The tiny task of the BullMQ scenario: what a job costs beyond its work. */
export const addOne = defineTask(import.meta.url, function addOne(n: number): number {
  return n + 1;
});
