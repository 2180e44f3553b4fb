// How the engine is laid out. PoolEngine is the coordinator: it holds the pool's state (PoolState) and turns
// what happens (a submit, a reply, an abort, a worker's exit) into calls on named parts, which do the rest:
// - TaskQueue (task-queue.ts): the tasks not sent yet, their live count, maxQueue and room();
// - dispatch.ts: the dispatch policy as decisions that only read (which worker, how big a batch, may a task
//   join a busy worker, which worker gives work back) and the learnt estimates they use;
// - WorkerSet (worker-set.ts): starting, idling, stopping and replacing workers, with the spare;
// - WorkerSlot (worker-slot.ts): one worker's bookkeeping (tasks in flight, budget, claims, idle timer) and
//   every transition of its state, with what its transport allows decided once, at spawn;
// - StopHooks (stop-hooks.ts): the signals and timeouts that abort tasks;
// - PoolCounters (stats.ts): the counters and histograms behind stats();
// - worker-exit.ts: what a worker's exit means (the error of its tasks, whether the pool breaks).
// What stays here is what needs several parts at once: the hot path (submit, #dispatch, #onResults: keep
// their allocations and property writes per task as they are; bench scenarios s1, s5 and s10 measure them),
// aborting a task, settling a dead worker's tasks, breaking and closing the pool.
import { InvalidStateError, QueueFull } from '../futures/errors.js';
import { setOwner, type Future, type FutureOwner } from '../futures/future.js';
import { fromWire, type WireError } from '../tasks/wire-error.js';
import {
  RESULT_OK,
  RESULT_RUNNING,
  RESULT_SKIPPED,
  RESULTS_HEADER,
  taskCode,
  type ChunkResult,
  type FromWorker,
  type InitFailedMessage,
  type LateResultsMessage,
  type ReportMessage,
  type UncaughtMessage,
} from '../wire/protocol.js';
import {
  exitReason,
  publishExit,
  publishFinish,
  publishQueued,
  publishReady,
  publishStart,
  taskFinishChannel,
  taskStartChannel,
  tracing,
  workerExitChannel,
  workerReadyChannel,
  type Publisher,
  type WorkerExitReason,
} from './diagnostics.js';
import { batchLimit, Estimates, estimateKey, mayJoin, pickWorker, rebalanceFrom } from './dispatch.js';
import { deathError, PoolWatch, type PoolListener } from './pool-watch.js';
import { ReportListeners } from './reports.js';
import { micros, PoolCounters } from './stats.js';
import { StopHooks } from './stop-hooks.js';
import { TaskQueue } from './task-queue.js';
import { TaskRecord } from './task-record.js';
import { TaskTable } from './task-table.js';
import { BACKGROUND, PoolState, type PoolStats, type TaskOptions, type WorkerErrorInfo } from './types.js';
import { exitOf, messageOf, reportUncaught } from './worker-exit.js';
import { WorkerSet, type WorkerSetOptions } from './worker-set.js';
import { WorkerState, type WorkerSlot } from './worker-slot.js';

export interface EngineOptions extends WorkerSetOptions {
  /** Most tasks waiting in the queue; `submit` refuses more with QueueFull (map chunks and BACKGROUND excepted). */
  readonly maxQueue: number;
  readonly onWorkerError: ((error: unknown, info: WorkerErrorInfo) => void) | undefined;
  /**
   * Milliseconds an aborted task that runs has to settle after its signal aborts, before its worker is
   * stopped; 0 stops the worker at once.
   */
  readonly abortGrace: number;
}

/**
 * The one engine behind both executors: an O(1) queue, dispatch to workers in batches, worker lifecycle,
 * abort and crash handling, stats. It knows workers only through their {@link Transport}.
 */
export class PoolEngine {
  readonly #options: EngineOptions;
  #state: PoolState = PoolState.OPEN;
  readonly #queue: TaskQueue;
  readonly #workers: WorkerSet;
  #pumpScheduled = false;
  readonly #estimates = new Estimates();
  #brokenBy: Error | undefined;
  readonly #tasks = new TaskTable();
  readonly #counts = new PoolCounters();
  #closed: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;
  /** Set by terminateWorkers() / killWorkers(): the name of the call, for the errors of what it stopped. */
  #stoppedBy: string | undefined;
  readonly #stops = new StopHooks((record, reason) => this.#abort(record as TaskRecord, reason));
  /** Who the diagnostics channels name as the publisher (see diagnostics.ts). */
  readonly #publisher: Publisher;
  /** Set while the executor listens for its events (see pool-watch.ts). */
  #watch: PoolWatch | undefined = undefined;
  readonly #listeners = new ReportListeners();

  /** Asked by a pending future about its task: queued, or sent to a thread worker that has not claimed it. */
  readonly #owner: FutureOwner<TaskRecord> = {
    cancel: (record) => {
      const worker = record.worker;
      if (worker === undefined) this.#queue.live--;
      // It will not run there (nor count towards its maxTasksPerWorker); it stays in the worker's list
      // until the worker answers it with a skip.
      else if (!worker.revoke(record.seq)) return false;
      this.#counts.cancelled += record.items;
      if (taskFinishChannel.hasSubscribers) publishFinish(this.#publisher, record, 'cancelled', undefined);
      this.#release(record);
      this.#schedulePump();
      return true;
    },
    started: (record) => record.worker?.claimed(record.seq) ?? false,
  };

  constructor(options: EngineOptions) {
    this.#options = options;
    this.#publisher = { pool: options.pool ?? this, kind: options.transport.kind, tasks: this.#tasks };
    this.#queue = new TaskQueue(options.maxQueue, (record) => this.#release(record), () => this.#state === PoolState.OPEN);
    this.#workers = new WorkerSet({ ...options, pool: this.#publisher.pool }, {
      message: (worker, message) => this.#onMessage(worker, message),
      exit: (worker, code, signal, error) => this.#onExit(worker, code, signal, error),
      queued: () => this.#queue.live,
      open: () => this.#state === PoolState.OPEN,
      replaced: () => this.#schedulePump(),
    });
    for (let i = 0; i < options.minWorkers; i++) this.#workers.spawn(false);
  }

  get state(): PoolState {
    return this.#state;
  }

  /** Queues a task. With `chunk`, `args` is a list of argument lists, run one by one in one task. */
  submit(task: unknown, args: readonly unknown[], options: TaskOptions | undefined, chunk = false): Future<unknown> {
    this.#assertOpen();
    // map is bounded by its readAhead and a generator holds one task: neither is refused, but both take room.
    // A task whose signal is already aborted never enters the queue, so it is not refused either.
    if (!this.#queue.admits(!chunk && options?.[BACKGROUND] !== true) && options?.signal?.aborted !== true) {
      throw new QueueFull(`the pool's queue is full (maxQueue ${this.#options.maxQueue}): await pool.room() before submitting`);
    }
    if (chunk) this.#counts.mapped = true;
    const id = this.#tasks.idOf(task);
    const listener = options?.listener;
    const record = new TaskRecord(taskCode(id, chunk, listener !== undefined), args, options?.transfer);
    // Before anything can settle the future: its listener ends with it.
    if (listener !== undefined) this.#listeners.add(record, listener);
    if (this.#counts.timesWait(this.#queue.live)) this.#counts.submitted(record);
    if (options !== undefined && (options.signal !== undefined || options.timeout !== undefined || options[BACKGROUND] === true)) {
      if (options.signal?.aborted) {
        record.setRunningOrNotifyCancel();
        record.setException(options.signal.reason);
        this.#counts.failed++;
        return record;
      }
      this.#stops.arm(record, options.signal, options.timeout, options[BACKGROUND] === true);
    }
    setOwner(record, this.#owner);
    this.#queue.push(record);
    if (tracing()) publishQueued(this.#publisher, record);
    this.#schedulePump();
    return record;
  }

  /** See {@link TaskQueue.room}; rejects once the pool takes no more work. */
  room(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    try {
      this.#assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#queue.room(signal);
  }

  /**
   * Stops taking work. With `cancelFutures`, queued tasks are cancelled (running ones never are). Resolves
   * when every worker has exited if `wait`, at once otherwise (the work still finishes).
   */
  shutdown(wait: boolean, cancelFutures: boolean): Promise<void> {
    if (this.#state === PoolState.OPEN) this.#state = PoolState.SHUTTING_DOWN;
    // No submit can succeed any more: a producer waiting for room learns it now, as submit would tell it.
    this.#queue.refuseWaiters(new InvalidStateError('cannot schedule new futures after shutdown'));
    if (cancelFutures) {
      this.#queue.cancelAll();
      this.#workers.cancelUnstarted();
      // What runs goes on (its future settles as the task does), but is asked to stop through its signal.
      const reason = new DOMException('the pool is shutting down with cancelFutures', 'AbortError');
      for (const worker of this.#workers.all) worker.askAllToStop(reason);
    }
    this.#closed ??= new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
    this.#maybeClose();
    return wait ? this.#closed : Promise.resolve();
  }

  /**
   * Shuts down at once: queued tasks are cancelled, running ones fail with `reason` and every worker is
   * terminated. For a pool that follows an AbortSignal (run()'s, say).
   */
  abort(reason: unknown): void {
    // A producer waiting for room learns why the pool stopped, as its running tasks do (under run(), the
    // interrupt's AbortError, which run() reads as a cancellation); shutdown() would tell it InvalidStateError,
    // even when it waits with the very signal that stops the pool, whose listener comes after the pool's.
    if (this.#state === PoolState.OPEN) this.#queue.refuseWaiters(reason);
    void this.shutdown(false, true);
    this.#failRequeued(() => reason);
    for (const worker of this.#workers.all) {
      for (const record of worker.runningOn.values()) if (!record.done()) this.#fail(record, reason, true);
      for (let i = 0; i < worker.inflight.length; i++) {
        const record = worker.inflight.at(i)!;
        if (record.done()) continue;
        if (record.state === 'pending') record.setRunningOrNotifyCancel();
        this.#fail(record, reason, true);
      }
      // Its tasks are done now: the exit that follows only removes them.
      this.#workers.stop(worker);
    }
  }

  /**
   * Python 3.14's `terminate_workers()` / `kill_workers()`: shuts down cancelling what has not started,
   * then stops every worker at once, a process with `signal`. A task a stopped worker was running fails
   * with the pool's Broken class. Resolves when every worker has exited.
   */
  stopWorkers(signal: 'SIGTERM' | 'SIGKILL', by: string): Promise<void> {
    this.#stoppedBy ??= by;
    const closed = this.shutdown(true, true);
    const { kind, Broken } = this.#options.transport;
    this.#failRequeued(() => new Broken(`the ${kind} pool was stopped by ${by} before the task ran`));
    // A worker already stopping is signalled again: killWorkers() after terminateWorkers() must kill.
    for (const worker of this.#workers.all) worker.terminate(signal);
    return closed;
  }

  /**
   * After a shutdown that cancelled the queue, a stop fails what is left there: process tasks queued again
   * after their worker died, which count as running and so could not be cancelled; they will not run now.
   */
  #failRequeued(error: () => unknown): void {
    for (const record of this.#queue.drain()) {
      if (record.done()) {
        this.#release(record);
        continue;
      }
      this.#queue.live--;
      this.#fail(record, error(), true);
    }
  }

  stats(): PoolStats {
    return this.#counts.snapshot(this.#workers.all, this.#queue);
  }

  /** Reports the pool's transitions (drain, idle, a worker's death) to `listener`; undefined stops that. */
  watch(listener: PoolListener | undefined): void {
    this.#watch = listener === undefined ? undefined : new PoolWatch(listener, this.#queue, this.#workers.all);
  }

  #assertOpen(): void {
    if (this.#state === PoolState.OPEN) return;
    if (this.#state === PoolState.BROKEN) {
      throw new this.#options.transport.Broken(this.#brokenBy?.message ?? 'the pool is broken', { cause: this.#brokenBy });
    }
    throw new InvalidStateError('cannot schedule new futures after shutdown');
  }

  /** Removes a record's abort listener and timer. */
  #release(record: TaskRecord): void {
    if (record.stop !== undefined) this.#stops.disarm(record);
  }

  /**
   * Fails a task not done yet with `error`, counted, its hooks removed. `stopped`: the pool's own stop ended it
   * (its signal: abort(); terminateWorkers(), killWorkers()). The caller asked for that stop, as for a
   * cancellation, so a task submitted and forgotten raises no unobserved-failure warning (under run(),
   * Ctrl-C would print one per task); awaiting it still throws.
   */
  #fail(record: TaskRecord, error: unknown, stopped: boolean): void {
    this.#release(record);
    this.#counts.failed += record.items;
    if (stopped) record.markObserved().setException(error);
    else record.setException(error);
    // Stopped with no stopping call named: by abort(), the pool's signal.
    if (taskFinishChannel.hasSubscribers) publishFinish(this.#publisher, record, stopped && this.#stoppedBy === undefined ? 'aborted' : 'error', error);
  }

  /**
   * Stops a task at once: its future fails with `reason` now, whatever the worker does. A task still queued
   * leaves the queue; one a thread worker has not claimed is revoked (the worker skips it); one that may be
   * running is asked to stop through its signal and stops its worker if it has not settled by the end of
   * the grace (see #stopRunning and WorkerSlot.abortedTask), and the tasks sent after it there run elsewhere.
   * The worker runs its tasks in order and makes safe what finished before a guarded task begins (see
   * GUARDED), so stopping it loses no result.
   */
  #abort(record: TaskRecord, reason: unknown): void {
    const worker = record.worker;
    this.#release(record);
    if (record.done()) return;
    if (record.state === 'pending') record.setRunningOrNotifyCancel();
    // Still queued: it leaves the queue lazily and never runs. (Queued again after a process died is running
    // already.)
    if (worker === undefined) this.#queue.live--;
    const runs = worker !== undefined && !worker.revoke(record.seq);
    // Failed first: the abort sent to its task reads the reason from it.
    record.setException(reason);
    this.#counts.failed++;
    if (taskFinishChannel.hasSubscribers) publishFinish(this.#publisher, record, 'aborted', reason);
    if (runs) {
      // A child process may be running it before its stash file says so (see WorkerSlot.abortedTask): told at
      // once, a task that watches its signal ends without waiting for the file. (A task it has not begun
      // ignores this; it is told again, with its grace, once the file shows it running.)
      if (!worker.canWithdraw && this.#options.abortGrace > 0 && !worker.runsBackground) worker.askToStop(record.seq);
      const seq = worker.abortedTask(record, this.#requeue, (at) => this.#stopRunning(worker, at));
      if (seq >= 0) this.#stopRunning(worker, seq);
    }
    this.#schedulePump();
  }

  /**
   * Aborted task `seq` runs on `worker`: cooperative first, then forced. Its signal aborts (see
   * TaskContext.signal); if the worker has not answered it within `abortGrace` ms, the worker is stopped.
   */
  #stopRunning(worker: WorkerSlot, seq: number): void {
    // A generator task (BACKGROUND) is stopped with its worker at once: its own channel ends with it. So is a
    // task that never read its signal (as its thread's claim or its process's stash file says): nothing can
    // ask it to stop.
    const grace = worker.runsBackground || !worker.mayCooperate(seq) ? 0 : this.#options.abortGrace;
    if (grace > 0) worker.askToStop(seq);
    worker.graceThenStop(seq, grace, () => this.#workers.stop(worker, 'abort'));
  }

  /** Queues again, at the front, tasks a worker gave back, in the order given. */
  readonly #requeue = (records: TaskRecord[]): void => this.#queue.requeue(records);

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    // A microtask lets a burst of submits gather, so the first dispatch already sees how deep the queue is.
    queueMicrotask(() => this.#pump());
  }

  #pump(): void {
    this.#pumpScheduled = false;
    this.#watch?.pumping(this.#queue);
    if (this.#state === PoolState.OPEN || this.#state === PoolState.SHUTTING_DOWN) {
      while (this.#queue.live > 0) {
        const head = this.#queue.head();
        // Only a future completed by hand while queued (its implementer methods are public) gets here.
        if (head === undefined) {
          this.#queue.live = 0;
          break;
        }
        // A background task runs alone on its worker, which then need not keep the program alive.
        const exclusive = head.stop?.background === true;
        const worker = pickWorker(this.#workers.all, exclusive, this.#estimates.of(head.code));
        // With no idle worker, more may start: a new one gets work only once it is ready, so nothing waits
        // for a start-up (slow for a process) that a worker already running could have taken.
        if (worker === undefined || worker.held > 0) this.#workers.grow();
        if (worker === undefined) break;
        this.#dispatch(worker, exclusive);
      }
      if (this.#queue.live === 0 && this.#rebalance()) return this.#pump();
      if (this.#queue.waiting) this.#queue.wakeWaiters();
    }
    this.#watch?.pumped(this.#queue, this.#workers.all);
    this.#maybeClose();
  }

  /** With the queue empty and a worker idle, takes back work from the most loaded one (see rebalanceFrom). */
  #rebalance(): boolean {
    const victim = rebalanceFrom(this.#workers.all);
    if (victim === undefined) return false;
    // Newest first: queued again oldest first.
    const taken = victim.takeBack(victim.inflight.length >> 1).reverse();
    this.#queue.requeue(taken);
    return taken.length > 0;
  }

  #dispatch(worker: WorkerSlot, exclusive: boolean): void {
    const limit = batchLimit(this.#queue.live, this.#options.maxWorkers, worker, exclusive);
    // What the worker will hold, batch included.
    let held = worker.load;
    let untimed = worker.untimed;
    let expectedMs = worker.expectedMs;
    const batch: TaskRecord[] = [];
    const now = performance.now();
    const toProcess = !worker.canWithdraw;
    while (batch.length < limit) {
      const record = this.#queue.head();
      if (record === undefined) break;
      // A background task runs alone, so it is never added to a batch.
      if (record.stop?.background === true && !exclusive) break;
      const expected = this.#estimates.of(record.code);
      if (!mayJoin(untimed, expectedMs, held, expected)) break;
      held++;
      if (Number.isNaN(expected)) untimed++;
      else expectedMs += expected;
      if (record.sending(expected)) this.#counts.sent(record, now);
      this.#queue.take();
      // A process worker's task counts as started once sent (or before: see #onExit); a thread worker's once
      // it claims it.
      if (toProcess && record.state === 'pending') record.setRunningOrNotifyCancel();
      batch.push(record);
      if (exclusive) break;
    }
    if (batch.length === 0) return;
    if (taskStartChannel.hasSubscribers) publishStart(this.#publisher, batch, worker);
    // An exclusive batch is one task: a background one leaves the worker unreferenced.
    worker.dispatch(batch, exclusive && batch[0]!.stop!.background, this.#tasks, this.#unsendable);
    if (worker.held === 0) this.#workers.idle(worker);
  }

  /** A task whose arguments could not be sent to the worker (see WorkerSlot.dispatch). */
  readonly #unsendable = (record: TaskRecord, error: unknown): void => {
    this.#fail(record, new TypeError(`the task's arguments could not be sent to the worker: ${messageOf(error)}`, { cause: error }), false);
  };

  #onMessage(worker: WorkerSlot, message: FromWorker): void {
    if (Array.isArray(message)) return this.#onResults(worker, message);
    switch ((message as Exclude<FromWorker, readonly unknown[]>).type) {
      case 'ready':
        worker.ready();
        if (workerReadyChannel.hasSubscribers) publishReady(this.#publisher, worker);
        this.#pump();
        if (worker.held === 0) this.#workers.idle(worker);
        break;
      case 'init-failed': {
        // Only a worker's start can fail; the same message later (task code can post on the channel) would
        // break a pool that works.
        if (worker.state !== WorkerState.STARTING) return;
        const error = fromWire((message as InitFailedMessage).error);
        this.#break(`a worker initializer failed: ${messageOf(error)}`, error);
        break;
      }
      case 'uncaught':
        this.#onUncaught(worker, message as UncaughtMessage);
        break;
      case 'report':
        if (worker.state !== WorkerState.EXITED) this.#listeners.deliver(worker, message as ReportMessage);
        break;
      case 'late':
        this.#onLate(worker, (message as LateResultsMessage).results);
        break;
    }
  }

  /** An error raised in the worker outside any task's call; a fatal one is its last word before it exits. */
  #onUncaught(worker: WorkerSlot, message: UncaughtMessage): void {
    const error = fromWire(message.error);
    if (!message.fatal) return this.#reportUncaught(error, { origin: message.origin, fatal: false, tasksFailed: 0 });
    worker.dying({ error, origin: message.origin, unstarted: message.unstarted });
    // It exits by itself and takes nothing new meanwhile. One still starting is left so: its exit before
    // `ready` breaks the pool, as a failing initializer does (the error was the initializer's, or its module's).
    if (worker.state !== WorkerState.STARTING) this.#workers.stop(worker);
  }

  /** See {@link reportUncaught}. */
  #reportUncaught(error: unknown, info: WorkerErrorInfo): void {
    reportUncaught(this.#options.onWorkerError, this.#options.transport.kind, error, info);
  }

  /** Answers the oldest tasks of `worker`; `timed` unless the message carries no busy time (see WorkerSlot.stashedResults). */
  #onResults(worker: WorkerSlot, results: readonly unknown[], timed = true): void {
    // Results can still arrive from a worker the pool has given up on (broken pool, exited worker): the
    // tasks they answer were failed already.
    if (worker.state === WorkerState.EXITED || this.#state === PoolState.BROKEN) return;
    const busy = results[0] as number;
    const counts = this.#counts;
    counts.busyMs += busy;
    let seq = worker.answered((results.length - RESULTS_HEADER) / 2);
    // The reply's busy time is shared by the tasks that ran: skipped ones (taken back, cancelled) cost
    // nothing, and a reply of skips alone says nothing of how long a task takes.
    let ran = 0;
    for (let i = RESULTS_HEADER; i < results.length; i += 2) if (results[i] !== RESULT_SKIPPED && results[i] !== RESULT_RUNNING) ran++;
    const perTask = busy / ran;
    if (ran > 0 && timed) counts.runHistogram.record(micros(perTask));
    const publish = taskFinishChannel.hasSubscribers;
    let lastKey = -1;
    for (let i = RESULTS_HEADER; i < results.length; i += 2, seq++) {
      // The answer to task `seq`: the oldest in this worker's list, unless that task already left the list
      // when it was taken back (see #rebalance).
      const record = worker.inflight.peek();
      if (record === undefined || record.seq !== seq) continue;
      if (results[i] === RESULT_RUNNING) {
        this.#runsOn(worker);
        continue;
      }
      worker.shift();
      if (record.stop !== undefined) this.#release(record);
      // Withdrawn by cancel() before the worker reached it; counted then.
      if (results[i] === RESULT_SKIPPED) continue;
      const key = estimateKey(record.code);
      if (key !== lastKey && timed) {
        // Once per function and reply: a reply is mostly one function's tasks.
        this.#estimates.learn(key, perTask);
        lastKey = key;
      }
      if (record.done()) continue;
      if (results[i] === RESULT_OK) {
        if (record.code < 0) counts.chunk(record, results[i + 1] as ChunkResult);
        else counts.completed++;
        record.setResult(results[i + 1]);
        if (publish) publishFinish(this.#publisher, record, 'ok', undefined, timed ? perTask : undefined);
      } else {
        counts.failed += record.items;
        const error = fromWire(results[i + 1] as WireError);
        record.setException(error);
        if (publish) publishFinish(this.#publisher, record, 'error', error, timed ? perTask : undefined);
      }
    }
    // A process with aborted tasks is killed once it may be running one (not one that has exited: `timed` is
    // false for the results read from its stash then).
    if (timed) {
      const runs = worker.answeredStops();
      if (runs >= 0) this.#stopRunning(worker, runs);
    }
    if (worker.held === 0) this.#workers.idle(worker);
    this.#schedulePump();
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
    if (record.done()) this.#stopRunning(worker, record.seq);
  }

  /** Late answers of tasks that ran on in the background on `worker`: `[seq, status, value, ...]`. */
  #onLate(worker: WorkerSlot, results: readonly unknown[]): void {
    if (worker.state === WorkerState.EXITED || this.#state === PoolState.BROKEN) return;
    const counts = this.#counts;
    const publish = taskFinishChannel.hasSubscribers;
    for (let i = 0; i < results.length; i += 3) {
      const record = worker.settleRunning(results[i] as number);
      if (record === undefined) continue;
      if (record.stop !== undefined) this.#release(record);
      if (record.done()) continue;
      if (results[i + 1] === RESULT_OK) {
        if (record.code < 0) counts.chunk(record, results[i + 2] as ChunkResult);
        else counts.completed++;
        record.setResult(results[i + 2]);
        if (publish) publishFinish(this.#publisher, record, 'ok', undefined);
      } else {
        counts.failed += record.items;
        const error = fromWire(results[i + 2] as WireError);
        record.setException(error);
        if (publish) publishFinish(this.#publisher, record, 'error', error);
      }
    }
    if (worker.held === 0) this.#workers.idle(worker);
    this.#schedulePump();
  }

  #onExit(worker: WorkerSlot, code: number | null, signal: NodeJS.Signals | null, error: Error | undefined): void {
    // Read before its exit is handled, which changes what it is judged on.
    const reason = workerExitChannel.hasSubscribers || this.#watch !== undefined ? exitReason(worker, this.#stoppedBy, this.#state === PoolState.BROKEN) : undefined;
    // Its messages have all arrived; what it finished and had not sent is in its stash.
    const stashed = worker.stashedResults();
    if (stashed !== undefined) this.#onResults(worker, stashed, false);
    const started = worker.exited();
    this.#workers.remove(worker);
    this.#counts.exitedAliveMs += performance.now() - worker.startedAt;
    const exit = exitOf(worker, started, this.#options.transport.kind, this.#stoppedBy, { code, signal, error });
    const { Broken } = this.#options.transport;
    // When the pool breaks, #break fails all the dead worker's tasks with its own message.
    let blamed = this.#settleTasksOf(worker, exit.broken === undefined ? () => new Broken(exit.message, exit.cause === undefined ? undefined : { cause: exit.cause }) : undefined);
    if (exit.broken !== undefined) blamed += this.#break(exit.broken, exit.cause);
    const died = worker.died;
    if (died !== undefined) this.#reportUncaught(died.error, { origin: died.origin, fatal: true, tasksFailed: blamed });
    if (reason !== undefined) this.#reportExit(worker, reason, code, signal, exit.cause, blamed);
    // Already broken, #break did nothing: a shutdown may be waiting for this exit.
    if (exit.broken !== undefined) return this.#maybeClose();
    // Keep minWorkers after a crash, an abort or a retirement; an idle stop never goes below it anyway.
    if (worker.stoppedFor !== 'idle' && this.#state === PoolState.OPEN) {
      this.#workers.refill();
    }
    this.#schedulePump();
  }

  /** Publishes `worker`'s exit on its channel, and tells the watch of a death. */
  #reportExit(worker: WorkerSlot, reason: WorkerExitReason, code: number | null, signal: NodeJS.Signals | null, cause: unknown, tasksFailed: number): void {
    const crashed = reason === 'crash';
    if (workerExitChannel.hasSubscribers) publishExit(this.#publisher, worker, reason, code, signal, crashed ? cause : undefined);
    if (crashed && this.#watch !== undefined) {
      const error = deathError(this.#options.transport, worker, code, signal, cause);
      this.#watch.died(error, { workerId: worker.id, code, signal, tasksFailed });
    }
  }

  /**
   * Fails the tasks the dead `worker` had begun with an error from `failure`, and queues the others again,
   * in order, to run elsewhere (see WorkerSlot.mayHaveBegun); with no `failure`, queues them all. Without a
   * last word from the worker, the oldest one is failed even if not begun when no task was (the worker may
   * have died loading its module), so a task that kills every worker cannot loop; a worker the engine
   * stopped for an aborted task did not die of its tasks, so that rule does not apply to it. A task whose
   * transfer list was moved to the dead worker cannot be sent again. Returns how many it failed.
   */
  #settleTasksOf(worker: WorkerSlot, failure: (() => Error) | undefined): number {
    const requeue: TaskRecord[] = [];
    let failed = 0;
    for (const record of worker.takeAll()) {
      if (record.done()) {
        this.#release(record);
        continue;
      }
      const mayRunElsewhere =
        (failed > 0 || worker.died !== undefined || worker.stoppedFor === 'abort') &&
        this.#stoppedBy === undefined &&
        record.transfer === undefined &&
        !worker.mayHaveBegun(record);
      if (failure === undefined || mayRunElsewhere) {
        record.worker = undefined;
        requeue.push(record);
        continue;
      }
      failed++;
      this.#fail(record, failure(), this.#stoppedBy !== undefined);
    }
    this.#queue.requeue(requeue);
    return failed;
  }

  /**
   * An initializer failed, or a worker could not start: the pool is broken for good, as in Python. Returns
   * how many futures it failed.
   */
  #break(message: string, cause: unknown): number {
    if (this.#state === PoolState.BROKEN || this.#state === PoolState.CLOSED) return 0;
    const { Broken } = this.#options.transport;
    let failed = 0;
    this.#state = PoolState.BROKEN;
    this.#brokenBy = new Broken(message, { cause });
    this.#queue.refuseWaiters(new Broken(message, { cause }));
    const fail = (record: TaskRecord): void => {
      if (record.done()) return this.#release(record);
      if (record.state === 'pending') record.setRunningOrNotifyCancel();
      failed++;
      this.#fail(record, new Broken(message, { cause }), false);
    };
    for (const record of this.#queue.drain()) fail(record);
    this.#queue.live = 0;
    for (const worker of this.#workers.all) {
      for (const record of worker.takeAll()) fail(record);
      this.#workers.stop(worker);
    }
    this.#maybeClose();
    return failed;
  }

  /** Once shut down (or broken) and out of work, stops the workers; closes when the last has exited. */
  #maybeClose(): void {
    if (this.#state === PoolState.OPEN || this.#state === PoolState.CLOSED) return;
    if (this.#queue.live > 0) return;
    for (const worker of this.#workers.all) if (worker.held > 0) return;
    for (const worker of this.#workers.all) this.#workers.stop(worker);
    if (this.#workers.all.length > 0) return;
    if (this.#state === PoolState.SHUTTING_DOWN) this.#state = PoolState.CLOSED;
    this.#resolveClosed?.();
  }
}

