import { defineTask, SharedLock, SharedQueue, type SharedHandle } from 'aiox';

/** Adds 1 to counter[0] `times` times with a plain (non-atomic) read and write, made safe by the lock. */
export const countUnderLock = defineTask(import.meta.url, function countUnderLock(
  handle: SharedHandle<'SharedLock'>,
  memory: SharedArrayBuffer,
  times: number,
): void {
  const lock = SharedLock.from(handle);
  const counter = new Int32Array(memory);
  for (let i = 0; i < times; i++) {
    using _held = lock.acquireSync();
    counter[0] = counter[0]! + 1;
  }
});

/** Puts `count` words on the queue, blocking its thread while the queue is full. */
export const produceWords = defineTask(import.meta.url, function produceWords(handle: SharedHandle<'SharedQueue'>, prefix: string, count: number): void {
  const queue = SharedQueue.from<{ word: string; n: number }>(handle);
  for (let n = 0; n < count; n++) queue.putSync({ word: `${prefix}-${n}`, n });
});
