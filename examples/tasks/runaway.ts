import { threadId } from 'node:worker_threads';
import { defineTask } from 'aiox';

/**
 * Never returns and never yields to its event loop. If `announce` is given (threads only: it is shared
 * memory), the task first writes its thread id there, so the caller can tell which worker got stuck.
 */
export const spinForever = defineTask(import.meta.url, function spinForever(announce?: Int32Array): never {
  if (announce !== undefined) {
    Atomics.store(announce, 0, threadId);
    Atomics.notify(announce, 0);
  }
  while (true) {
    // Busy: no await, no timer, nothing another part of the program could use to interrupt it.
  }
});

/** Ends its worker at once with `code`: in a thread, only that thread; in a child process, the child. */
export const exitWorker = defineTask(import.meta.url, function exitWorker(code: number): never {
  process.exit(code);
});
