// What a worker's exit means: the error its tasks fail with, and whether it breaks the pool.
import type { WorkerErrorInfo } from './types.js';
import type { WorkerSlot } from './worker-slot.js';

/** How a worker's exit is judged (see {@link exitOf}). */
export interface WorkerExit {
  /** The message of the error its begun tasks fail with. */
  readonly message: string;
  /** What it died of, if anything: the `cause` of those errors. */
  readonly cause: unknown;
  /** Set if its exit breaks the pool: the message of the pool's Broken error. */
  readonly broken: string | undefined;
}

/**
 * Judges the exit of `worker` (a `kind` worker, which had `started` if it said it was ready), as Node
 * reported it. `stoppedBy` names terminateWorkers() / killWorkers() if one of them stopped it.
 */
export function exitOf(
  worker: WorkerSlot,
  started: boolean,
  kind: string,
  stoppedBy: string | undefined,
  { code, signal, error }: { code: number | null; signal: NodeJS.Signals | null; error: Error | undefined },
): WorkerExit {
  const died = worker.died;
  const cause: unknown = died !== undefined ? died.error : error;
  const how = died !== undefined ? `died of ${describeOrigin(died.origin)}` : signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
  const of = cause === undefined ? '' : `: ${messageOf(cause)}`;
  const aborted = worker.stoppedForTask;
  const message =
    stoppedBy !== undefined
      ? `a ${kind} worker was stopped by ${stoppedBy} before the task finished`
      : aborted >= 0 && died === undefined
        ? // Only a task that ran beside the aborted one (concurrentTasksPerWorker) is failed with this.
          `a ${kind} worker was stopped because task ${worker.id}.${aborted}, which it ran beside this task, was aborted and did not settle within the pool's abortGrace`
        : `a ${kind} worker ${how} while running the task${of}`;
  // A worker that died of an error raised outside any task before it began one was killed by its start:
  // the initializer, or what it left behind. A replacement would die the same way, so the pool breaks.
  const breaks = !started || (died !== undefined && died.unstarted === 0 && stoppedBy === undefined);
  const broken = breaks ? `a ${kind} worker ${how} ${started ? 'before it began any task' : 'before it was ready'}${of}` : undefined;
  return { message, cause, broken };
}

/**
 * Hands an error raised in a `kind` worker outside any task to `onWorkerError`. Without one, an error no
 * future carries (the worker went on, or it held no task) is written to stderr, as Node writes an uncaught
 * error.
 */
export function reportUncaught(
  onWorkerError: ((error: unknown, info: WorkerErrorInfo) => void) | undefined,
  kind: string,
  error: unknown,
  info: WorkerErrorInfo,
): void {
  if (onWorkerError === undefined) {
    if (info.tasksFailed === 0) console.error(`aiox: a ${kind} worker ${info.fatal ? 'died of' : 'went on after'} an error raised outside any task (${info.origin}):`, error);
    return;
  }
  try {
    onWorkerError(error, info);
  } catch (thrown) {
    // The caller's own bug: raised as theirs, outside the engine, whose state stays whole.
    process.nextTick(() => {
      throw thrown;
    });
  }
}

function describeOrigin(origin: WorkerErrorInfo['origin']): string {
  const what = origin === 'unhandledRejection' ? 'an unhandled promise rejection' : 'an uncaught exception';
  return `${what} raised outside any task's own call (in a timer, a callback or work an earlier task left behind)`;
}

/** An error's message, or what String() makes of a thrown non-error (never throwing itself). */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}
