// What a worker's exit means (the error its tasks fail with, whether it breaks the pool), and what the pool
// does about it: its tasks fail or run elsewhere, the exit is reported, a replacement starts.
import { messageOf } from '../internal/message-of.js';
import { exitReason, publishExit, workerExitChannel, type WorkerExitReason } from './diagnostics.js';
import type { EngineParts } from './engine-parts.js';
import { deathError } from './pool-watch.js';
import type { TaskRecord } from './task-record.js';
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

/** What settling a worker's exit needs of the pool. */
export type WorkerExitsParts = Pick<
  EngineParts,
  'transport' | 'queue' | 'workers' | 'outcomes' | 'replies' | 'counts' | 'publisher' | 'onWorkerError' | 'open' | 'broken' | 'watch' | 'break' | 'maybeClose' | 'schedulePump'
>;

/** Settles the exits of the pool's workers (see the file comment). */
export class WorkerExits {
  readonly #parts: WorkerExitsParts;

  constructor(parts: WorkerExitsParts) {
    this.#parts = parts;
  }

  /** `worker` has exited, as Node reported it; every message it sent has arrived. */
  exited(worker: WorkerSlot, code: number | null, signal: NodeJS.Signals | null, error: Error | undefined): void {
    const parts = this.#parts;
    const { outcomes, transport } = parts;
    // Read before its exit is handled, which changes what it is judged on.
    const reason = workerExitChannel.hasSubscribers || parts.watch() !== undefined ? exitReason(worker, outcomes.stoppedBy, parts.broken()) : undefined;
    // Its messages have all arrived; what it finished and had not sent is in its stash.
    const stashed = worker.stashedResults();
    if (stashed !== undefined) parts.replies.results(worker, stashed, false);
    const started = worker.exited();
    parts.workers.remove(worker);
    parts.counts.exitedAliveMs += performance.now() - worker.startedAt;
    const exit = exitOf(worker, started, transport.kind, outcomes.stoppedBy, { code, signal, error });
    const { Broken } = transport;
    // When the pool breaks, PoolEngine.#break fails all the dead worker's tasks with its own message.
    let blamed = this.#settleTasksOf(worker, exit.broken === undefined ? () => new Broken(exit.message, exit.cause === undefined ? undefined : { cause: exit.cause }) : undefined);
    if (exit.broken !== undefined) blamed += parts.break(exit.broken, exit.cause);
    const died = worker.died;
    if (died !== undefined) reportUncaught(parts.onWorkerError, transport.kind, died.error, { origin: died.origin, fatal: true, tasksFailed: blamed });
    if (reason !== undefined) this.#reportExit(worker, reason, code, signal, exit.cause, blamed);
    // Already broken, the break did nothing: a shutdown may be waiting for this exit.
    if (exit.broken !== undefined) return parts.maybeClose();
    // Keep minWorkers after a crash, an abort or a retirement; an idle stop never goes below it anyway.
    if (worker.stoppedFor !== 'idle' && parts.open()) {
      parts.workers.refill();
    }
    parts.schedulePump();
  }

  /** Publishes `worker`'s exit on its channel, and tells the watch of a death. */
  #reportExit(worker: WorkerSlot, reason: WorkerExitReason, code: number | null, signal: NodeJS.Signals | null, cause: unknown, tasksFailed: number): void {
    const crashed = reason === 'crash';
    if (workerExitChannel.hasSubscribers) publishExit(this.#parts.publisher, worker, reason, code, signal, crashed ? cause : undefined);
    // Read now: the callbacks of what came before (onWorkerError, the channels) may have started or ended it.
    const watch = this.#parts.watch();
    if (crashed && watch !== undefined) {
      const error = deathError(this.#parts.transport, worker, code, signal, cause);
      watch.died(error, { workerId: worker.id, code, signal, tasksFailed });
    }
  }

  /**
   * Fails the tasks the dead `worker` had begun with an error from `failure`, and queues the others again,
   * in order, to run elsewhere (see WorkerSlot.mayHaveBegun); with no `failure`, queues them all. Without a
   * last word from the worker, the oldest one is failed even if not begun when no task was (the worker may
   * have died loading its module), so a task that kills every worker cannot loop; a task aborted while it
   * ran, whose future failed already, counts as one that began if it may have begun; a worker the engine
   * stopped for an aborted task did not die of its tasks, so that rule does not apply to it. A task whose
   * transfer list was moved to the dead worker cannot be sent again. Returns how many it failed.
   */
  #settleTasksOf(worker: WorkerSlot, failure: (() => Error) | undefined): number {
    const { outcomes } = this.#parts;
    const stoppedBy = outcomes.stoppedBy;
    const requeue: TaskRecord[] = [];
    let failed = 0;
    // Whether a task ahead of the others may have begun and ends with this worker: one failed here, or one
    // aborted while it ran (its future failed then; its worker died within its grace, say in its cleanup).
    // The death may be its doing, so the rule that fails the oldest task does not fall on the next one.
    let culprit = false;
    for (const record of worker.takeAll()) {
      if (record.done()) {
        outcomes.release(record);
        culprit ||= worker.mayHaveBegun(record);
        continue;
      }
      const mayRunElsewhere =
        (culprit || worker.died !== undefined || worker.stoppedFor === 'abort') &&
        stoppedBy === undefined &&
        record.transfer === undefined &&
        !worker.mayHaveBegun(record);
      if (failure === undefined || mayRunElsewhere) {
        // Asked to stop before it began, by a shutdown with cancelFutures: the child would have skipped it and
        // failed it with the shutdown's reason (see Replies.results); it does not run elsewhere instead.
        const asked = worker.stopAsked;
        if (failure !== undefined && asked !== undefined && record.seq < asked.until) outcomes.fail(record, asked.reason, false);
        else requeue.push(record);
        continue;
      }
      failed++;
      culprit = true;
      outcomes.fail(record, failure(), stoppedBy !== undefined);
    }
    this.#parts.queue.requeue(requeue);
    return failed;
  }
}
