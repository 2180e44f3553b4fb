// What a worker says (it is ready, its initializer failed, an error outside any task, a task's report, its
// answers) and what the pool does about it. Answers are the hot path: keep their allocations and property
// writes per task as they are (bench scenarios s1, s5 and s10 measure them).
import { messageOf } from '../internal/message-of.js';
import { fromWire } from '../tasks/wire-error.js';
import {
  RESULT_RUNNING,
  RESULT_SKIPPED,
  RESULTS_HEADER,
  answersIn,
  type FromWorker,
  type InitFailedMessage,
  type LateResultsMessage,
  type ReportMessage,
  type ResultsMessage,
  type UncaughtMessage,
} from '../wire/protocol.js';
import { publishReady, taskFinishChannel, workerReadyChannel } from './diagnostics.js';
import { estimateKey } from './dispatch.js';
import type { EngineParts } from './engine-parts.js';
import { micros } from './stats.js';
import { reportUncaught } from './worker-exit.js';
import { WorkerState, type WorkerSlot } from './worker-slot.js';

/** What reading a worker's messages needs of the pool. */
export type RepliesParts = Pick<
  EngineParts,
  'workers' | 'outcomes' | 'aborts' | 'counts' | 'estimates' | 'listeners' | 'publisher' | 'onWorkerError' | 'broken' | 'pump' | 'schedulePump' | 'break'
>;

/** Reads what workers say (see the file comment). */
export class Replies {
  readonly #parts: RepliesParts;

  constructor(parts: RepliesParts) {
    this.#parts = parts;
  }

  onMessage(worker: WorkerSlot, message: FromWorker): void {
    if (Array.isArray(message)) return this.results(worker, message as ResultsMessage);
    const parts = this.#parts;
    switch ((message as Exclude<FromWorker, readonly unknown[]>).type) {
      case 'ready':
        worker.ready();
        if (workerReadyChannel.hasSubscribers) publishReady(parts.publisher, worker);
        parts.pump();
        if (worker.held === 0) parts.workers.idle(worker);
        break;
      case 'init-failed': {
        // Only a worker's start can fail; the same message later (task code can post on the channel) would
        // break a pool that works.
        if (worker.state !== WorkerState.STARTING) return;
        const error = fromWire((message as InitFailedMessage).error);
        parts.break(`a worker initializer failed: ${messageOf(error)}`, error);
        break;
      }
      case 'uncaught':
        this.#onUncaught(worker, message as UncaughtMessage);
        break;
      case 'report':
        if (worker.state !== WorkerState.EXITED) parts.listeners.deliver(worker, message as ReportMessage);
        break;
      case 'late':
        this.#onLate(worker, (message as LateResultsMessage).results);
        break;
    }
  }

  /** An error raised in the worker outside any task's call; a fatal one is its last word before it exits. */
  #onUncaught(worker: WorkerSlot, message: UncaughtMessage): void {
    const error = fromWire(message.error);
    if (!message.fatal) {
      return reportUncaught(this.#parts.onWorkerError, this.#parts.publisher.kind, error, { origin: message.origin, fatal: false, tasksFailed: 0 });
    }
    worker.dying({ error, origin: message.origin, unstarted: message.unstarted });
    // It exits by itself and takes nothing new meanwhile. One still starting is left so: its exit before
    // `ready` breaks the pool, as a failing initializer does (the error was the initializer's, or its module's).
    if (worker.state !== WorkerState.STARTING) this.#parts.workers.stop(worker);
  }

  /** Answers the oldest tasks of `worker`; `timed` unless the message carries no busy time (see WorkerSlot.stashedResults). */
  results(worker: WorkerSlot, results: ResultsMessage, timed = true): void {
    const parts = this.#parts;
    // Results can still arrive from a worker the pool has given up on (broken pool, exited worker): the
    // tasks they answer were failed already.
    if (worker.state === WorkerState.EXITED || parts.broken()) return;
    const busy = results[0];
    const { counts, outcomes, estimates } = parts;
    counts.busyMs += busy;
    let seq = worker.answered(answersIn(results));
    // The reply's busy time is shared by the tasks that ran: skipped ones (taken back, cancelled) cost
    // nothing, and a reply of skips alone says nothing of how long a task takes.
    let ran = 0;
    for (let i = RESULTS_HEADER; i < results.length; i += 2) if (results[i] !== RESULT_SKIPPED && results[i] !== RESULT_RUNNING) ran++;
    const perTask = busy / ran;
    if (ran > 0 && timed) counts.runHistogram.record(micros(perTask));
    const publish = taskFinishChannel.hasSubscribers;
    const workerMs = timed ? perTask : undefined;
    let lastKey = -1;
    for (let i = RESULTS_HEADER; i < results.length; i += 2, seq++) {
      // The answer to task `seq`: the oldest in this worker's list, unless that task already left the list
      // when it was taken back (see BatchSender.rebalance).
      const record = worker.inflight.peek();
      if (record === undefined || record.seq !== seq) continue;
      if (results[i] === RESULT_RUNNING) {
        estimates.learnRunsOn(record.code);
        this.#runsOn(worker);
        continue;
      }
      worker.shift();
      if (record.stop !== undefined) outcomes.release(record);
      if (results[i] === RESULT_SKIPPED) {
        // Withdrawn by cancel() before the worker reached it (counted then), or aborted before it began (its
        // future failed then); but a process task asked to stop by a shutdown with cancelFutures, before it
        // began, fails now, with the shutdown's reason: it never ran.
        if (!record.done() && worker.stopAsked !== undefined) outcomes.fail(record, worker.stopAsked.reason, false);
        continue;
      }
      const key = estimateKey(record.code);
      if (key !== lastKey && timed) {
        // Once per function and reply: a reply is mostly one function's tasks.
        estimates.learn(key, perTask);
        lastKey = key;
      }
      outcomes.answered(record, results[i], results[i + 1], publish, workerMs);
    }
    // A process with aborted tasks is killed once it may be running one (not one that has exited: `timed` is
    // false for the results read from its stash then).
    if (timed) {
      const runs = worker.answeredStops();
      if (runs >= 0) parts.aborts.stopRunning(worker, runs);
    }
    if (worker.held === 0) parts.workers.idle(worker);
    parts.schedulePump();
  }

  /**
   * The oldest task in flight on `worker` runs on in the background (see `concurrentTasksPerWorker`): it has
   * begun. One aborted before this answer arrived is asked to stop now (see WorkerSlot.abortedTask, which
   * could not tell then that it runs).
   */
  #runsOn(worker: WorkerSlot): void {
    const record = worker.runOn()!;
    // Begun for sure: its state no longer depends on its claim, whose cell the worker reuses meanwhile.
    if (record.state === 'pending') record.setRunningOrNotifyCancel();
    if (record.done()) this.#parts.aborts.stopRunning(worker, record.seq);
  }

  /** Late answers of tasks that ran on in the background on `worker`: `[seq, status, value, ...]`. */
  #onLate(worker: WorkerSlot, results: readonly unknown[]): void {
    const parts = this.#parts;
    if (worker.state === WorkerState.EXITED || parts.broken()) return;
    const publish = taskFinishChannel.hasSubscribers;
    for (let i = 0; i < results.length; i += 3) {
      const record = worker.settleRunning(results[i] as number);
      if (record === undefined) continue;
      if (record.stop !== undefined) parts.outcomes.release(record);
      parts.outcomes.answered(record, results[i + 1], results[i + 2], publish, undefined);
    }
    if (worker.held === 0) parts.workers.idle(worker);
    parts.schedulePump();
  }
}
