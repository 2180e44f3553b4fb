// How the engine is laid out. PoolEngine is the coordinator: it holds the pool's state (PoolState) and turns
// what happens (a submit, a reply, an abort, a worker's exit) into calls on named parts, which do the rest:
// - TaskQueue (task-queue.ts): the tasks not sent yet, their live count, maxQueue and room();
// - dispatch.ts: the dispatch policy as decisions that only read (which worker, how big a batch, may a task
//   join a busy worker, which worker gives work back) and the learnt estimates they use;
// - BatchSender (batch-sender.ts): filling a batch from the queue as the policy says, and sending it;
// - WorkerSet (worker-set.ts): starting, idling, stopping and replacing workers, with their spares;
// - WorkerSlot (worker-slot.ts): one worker's bookkeeping (tasks in flight, budget, claims, idle timer) and
//   every transition of its state, with what its transport allows decided once, at spawn;
// - Replies (replies.ts): what a worker says, its answers above all;
// - TaskOutcomes (task-outcomes.ts): a task's end, whatever ended it: settled, counted, published, released;
// - StopHooks (stop-hooks.ts): the signals and timeouts that abort tasks;
// - TaskAborts (task-aborts.ts): stopping an aborted task, cooperative first, then forced;
// - worker-exit.ts: what a worker's exit means (the error of its tasks, whether the pool breaks), and
//   WorkerExits, which settles a dead worker's tasks and replaces it;
// - PoolCounters (stats.ts): the counters and histograms behind stats().
// What stays here is the pool's state and what needs several parts at once: submit and #pump (the hot path:
// keep their allocations and property writes per task as they are; bench scenarios s1, s5 and s10 measure
// them), shutting down, stopping, breaking and closing the pool.
import { InvalidStateError, QueueFull } from '../futures/errors.js';
import { setOwner, type Future, type FutureOwner } from '../futures/future.js';
import { taskCode } from '../wire/protocol.js';
import { publishQueued, tracing, type Publisher } from './diagnostics.js';
import { BatchSender } from './batch-sender.js';
import { Estimates, pickStarting, pickWorker } from './dispatch.js';
import { PoolWatch, type PoolListener } from './pool-watch.js';
import { Replies } from './replies.js';
import { ReportListeners } from './reports.js';
import { PoolCounters } from './stats.js';
import { StopHooks } from './stop-hooks.js';
import { TaskAborts } from './task-aborts.js';
import { TaskOutcomes } from './task-outcomes.js';
import { TaskQueue } from './task-queue.js';
import { StoppableRecord, TaskRecord } from './task-record.js';
import { TaskTable } from './task-table.js';
import { BACKGROUND, PoolState, type PoolStats, type TaskOptions, type WorkerErrorInfo } from './types.js';
import { WorkerExits } from './worker-exit.js';
import { WorkerSet, type WorkerSetOptions } from './worker-set.js';

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
  readonly #stops = new StopHooks((record, reason) => this.#aborts.abort(record as StoppableRecord, reason));
  /** Who the diagnostics channels name as the publisher (see diagnostics.ts). */
  readonly #publisher: Publisher;
  /** Set while the executor listens for its events (see pool-watch.ts). */
  #watch: PoolWatch | undefined = undefined;
  readonly #listeners = new ReportListeners();
  readonly #outcomes: TaskOutcomes;
  readonly #sender: BatchSender;
  readonly #aborts: TaskAborts;

  /** Asked by a pending future about its task: queued, or sent to a thread worker that has not claimed it. */
  readonly #owner: FutureOwner<TaskRecord> = {
    cancel: (record) => {
      const worker = record.worker;
      if (worker === undefined) {
        // Being posted (a getter of its arguments cancels it): it may be claimed as soon as its batch lands.
        if (this.#sender.carrying(record)) return false;
        this.#queue.live--;
      }
      // It will not run there (nor count towards its maxTasksPerWorker); it stays in the worker's list
      // until the worker answers it with a skip.
      else if (!worker.revoke(record.seq)) return false;
      this.#outcomes.cancelled(record);
      this.#schedulePump();
      return true;
    },
    started: (record) => record.worker?.claimed(record.seq) ?? false,
  };

  constructor(options: EngineOptions) {
    this.#options = options;
    const { transport, onWorkerError, abortGrace, maxWorkers } = options;
    const tasks = this.#tasks;
    const publisher = (this.#publisher = { pool: options.pool ?? this, kind: transport.kind, tasks });
    const outcomes = (this.#outcomes = new TaskOutcomes(this.#counts, publisher, this.#stops));
    const open = (): boolean => this.#state === PoolState.OPEN;
    const queue = (this.#queue = new TaskQueue(options.maxQueue, (record) => outcomes.release(record), open));
    const workers = (this.#workers = new WorkerSet({ ...options, pool: publisher.pool }, {
      message: (worker, message) => replies.onMessage(worker, message),
      exit: (worker, code, signal, error) => exits.exited(worker, code, signal, error),
      queued: () => queue.live,
      open,
      replaced: () => this.#schedulePump(),
    }));
    // What every part may use (see engine-parts.ts); Replies and WorkerExits also use the parts made from it.
    const parts = {
      transport, queue, workers, outcomes, publisher, tasks, maxWorkers, abortGrace, onWorkerError, open,
      counts: this.#counts, estimates: this.#estimates, listeners: this.#listeners,
      broken: () => this.#state === PoolState.BROKEN,
      watch: () => this.#watch,
      pump: () => this.#pump(),
      schedulePump: () => this.#schedulePump(),
      break: (message: string, cause: unknown) => this.#break(message, cause),
      maybeClose: () => this.#maybeClose(),
    };
    const aborts = (this.#aborts = new TaskAborts(parts));
    this.#sender = new BatchSender({ ...parts, aborts });
    const replies = new Replies({ ...parts, aborts });
    const exits = new WorkerExits({ ...parts, replies });
    for (let i = 0; i < options.minWorkers; i++) workers.spawn(false);
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
    const fnId = this.#tasks.fnIdOf(task);
    const listener = options?.listener;
    const stoppable = options !== undefined && (options.signal !== undefined || options.timeout !== undefined || options[BACKGROUND] === true);
    const code = taskCode(fnId, chunk, listener !== undefined);
    const record = stoppable ? new StoppableRecord(code, args, options.transfer) : new TaskRecord(code, args, options?.transfer);
    // Before anything can settle the future: its listener ends with it.
    if (listener !== undefined) this.#listeners.add(record, listener);
    if (this.#counts.timesWait(this.#queue.live)) this.#counts.submitted(record);
    if (stoppable) {
      if (options.signal?.aborted) {
        record.setRunningOrNotifyCancel();
        record.setException(options.signal.reason);
        this.#counts.failed++;
        return record;
      }
      this.#stops.arm(record as StoppableRecord, options.signal, options.timeout, options[BACKGROUND] === true);
    }
    setOwner(record, this.#owner);
    this.#queue.push(record);
    if (tracing()) publishQueued(this.#publisher, record);
    // A pool with no worker starts one now rather than at the dispatch, a microtask later: a worker's start
    // is the longest wait of a new pool's first task (the dispatch starts as many more as there is work for).
    if (this.#workers.all.length === 0) this.#workers.grow();
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
      for (const record of worker.runningOn.values()) if (!record.done()) this.#outcomes.fail(record, reason, true);
      for (let i = 0; i < worker.inflight.length; i++) {
        const record = worker.inflight.at(i)!;
        if (record.done()) continue;
        if (record.state === 'pending') record.setRunningOrNotifyCancel();
        this.#outcomes.fail(record, reason, true);
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
    this.#outcomes.stoppedBy ??= by;
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
        this.#outcomes.release(record);
        continue;
      }
      this.#queue.live--;
      this.#outcomes.fail(record, error(), true);
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
        const background = head.stop?.background === true;
        const worker = pickWorker(this.#workers.all, background, this.#estimates.of(head.code), this.#estimates.runsOn(head.code));
        // With no idle worker, more may start: a new one gets work only once it is ready, so nothing waits
        // for a start-up (slow for a process) that a worker already running could have taken; but while no
        // worker is up, each one starting is sent its first task at once (see pickStarting).
        if (worker === undefined || worker.held > 0) this.#workers.grow();
        if (worker === undefined) {
          const starting = background ? undefined : pickStarting(this.#workers.all, head.stop !== undefined);
          if (starting === undefined) break;
          this.#sender.send(starting, false, 1);
          continue;
        }
        this.#sender.send(worker, background);
      }
      if (this.#queue.live === 0 && this.#sender.rebalance()) return this.#pump();
      if (this.#queue.waiting) this.#queue.wakeWaiters();
    }
    this.#watch?.pumped(this.#queue, this.#workers.all);
    this.#maybeClose();
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
      if (record.done()) return this.#outcomes.release(record);
      if (record.state === 'pending') record.setRunningOrNotifyCancel();
      failed++;
      this.#outcomes.fail(record, new Broken(message, { cause }), false);
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
    // A batch being posted (a getter of its arguments shut the pool down) is about to be held by its worker;
    // the pump that posts it comes back here once it is.
    if (this.#queue.live > 0 || this.#sender.posting) return;
    for (const worker of this.#workers.all) if (worker.held > 0) return;
    for (const worker of this.#workers.all) this.#workers.stop(worker);
    if (this.#workers.all.length > 0) return;
    if (this.#state === PoolState.SHUTTING_DOWN) this.#state = PoolState.CLOSED;
    this.#resolveClosed?.();
  }
}

