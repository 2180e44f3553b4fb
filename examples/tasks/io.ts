import { defineTask } from 'aiox';
import { stamp, workerName, type Stamped } from './stamp.js';

/**
 * Blocks this thread for `ms` milliseconds, the way a synchronous driver or `fs.readFileSync` on a slow
 * disk would: `Atomics.wait` on a fresh SharedArrayBuffer that nobody ever notifies.
 */
export const blockFor = defineTask(import.meta.url, function blockFor(ms: number): Promise<Stamped<number>> {
  return stamp(() => {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
    return ms;
  });
});

/** Downloads `url` with the worker's own `fetch` and returns the body's size in bytes. */
export const pageSize = defineTask(import.meta.url, async function pageSize(url: string): Promise<Stamped<number>> {
  return stamp(async () => {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`GET ${new URL(url).pathname} answered ${response.status} ${response.statusText}`);
    return (await response.arrayBuffer()).byteLength;
  });
});

/** Names the worker it runs in. */
export const whoAmI = defineTask(import.meta.url, function whoAmI(): string {
  return workerName();
});

/** This worker's resident memory in bytes: the child's own in a process, the whole process's in a thread. */
export const rss = defineTask(import.meta.url, function rss(): number {
  return process.memoryUsage().rss;
});
