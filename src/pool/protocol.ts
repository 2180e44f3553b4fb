import type { TaskDescriptor } from '../tasks/task.js';
import type { WireError } from '../tasks/wire-error.js';

/**
 * The messages between the pool engine and a worker, the same for threads and processes.
 *
 * Tasks travel in batches as flat arrays to keep one message, and few allocations, per batch. The worker
 * runs a batch's tasks one after another in order and answers in the same order, so a reply needs no ids:
 * the engine matches results to the oldest tasks it sent that worker.
 */

/** Given to a worker when it starts. */
export interface WorkerInit {
  readonly initializer: TaskDescriptor | undefined;
  readonly initargs: readonly unknown[];
  /** Thread workers only: the ring of claims (see claims.ts). */
  readonly claims?: SharedArrayBuffer | undefined;
}

/** A batch of tasks: `tasks` is `[fnId, args, fnId, args, ...]`. A negative fnId `-(id + 1)` is a chunk. */
export interface RunMessage {
  readonly type: 'run';
  /** Task functions this worker has not seen yet, `[fnId, descriptor]`. */
  readonly defs: readonly (readonly [number, TaskDescriptor])[] | undefined;
  /** Sequence number of the first task; the others follow one by one. */
  readonly seq: number;
  readonly tasks: readonly unknown[];
}

/** Sent to a process worker as its first message (a thread gets it as `workerData`). */
export interface InitMessage {
  readonly type: 'init';
  readonly init: WorkerInit;
}

export type ToWorker = RunMessage | InitMessage;

export const RESULT_OK = 0;
export const RESULT_ERROR = 1;
/** The engine took the task back before it started (see claims.ts); it did not run. */
export const RESULT_SKIPPED = 2;

/** `results` is `[status, value, status, value, ...]`; an error's value is a `WireError`. */
export interface ResultsMessage {
  readonly type: 'results';
  readonly results: readonly unknown[];
  /** Milliseconds the worker spent running these tasks. */
  readonly busy: number;
}

export interface ReadyMessage {
  readonly type: 'ready';
}

export interface InitFailedMessage {
  readonly type: 'init-failed';
  readonly error: WireError;
}

export type FromWorker = ResultsMessage | ReadyMessage | InitFailedMessage;

/** What a chunk task returns: the values computed, and the error that stopped it, if any. */
export interface ChunkResult {
  readonly values: unknown[];
  readonly error?: WireError;
}
