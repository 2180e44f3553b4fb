import { threadId } from 'node:worker_threads';

/** When and where a task ran: the worker's name and epoch milliseconds, comparable across processes. */
export interface Stamp {
  readonly worker: string;
  readonly start: number;
  readonly end: number;
}

/** A task's value together with its {@link Stamp}. */
export interface Stamped<T> extends Stamp {
  readonly value: T;
}

/** Epoch milliseconds with sub-millisecond precision; unlike `performance.now()`, the same clock in every process. */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}

/** `thread 3` inside a worker thread, `pid 4821` in a process's main thread (a child process worker). */
export function workerName(): string {
  return threadId === 0 ? `pid ${process.pid}` : `thread ${threadId}`;
}

/** Runs `work` and returns its value stamped with this worker's name and the start and end times. */
export async function stamp<T>(work: () => T | Promise<T>): Promise<Stamped<T>> {
  const start = epochNow();
  const value = await work();
  return { value, worker: workerName(), start, end: epochNow() };
}
