import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { InvalidStateError, QueueFull } from '../futures/errors.js';
import { Future, setOwner, type FutureOwner } from '../futures/future.js';
import { Deque } from '../internal/deque.js';
import { after } from '../internal/timers.js';
import { Waiters } from '../internal/waiters.js';
import { fromWire, type WireError } from '../tasks/wire-error.js';
import { CLAIM_RING, ClaimBoard } from '../wire/claims.js';
import { readStash, STASH_BYTES } from '../wire/result-stash.js';
import {
  RESULT_OK,
  RESULT_SKIPPED,
  RESULTS_HEADER,
  taskCode,
  type ChunkResult,
  type FromWorker,
  type InitFailedMessage,
  type UncaughtMessage,
  type WorkerInit,
} from '../wire/protocol.js';
import { StopHooks } from './stop-hooks.js';
import { TaskRecord } from './task-record.js';
import { distribution, micros } from './stats.js';
import { TaskTable } from './task-table.js';
import type { Transport } from './transport.js';
import { BACKGROUND, PoolState, type PoolStats, type TaskOptions, type WorkerErrorInfo } from './types.js';
import { WorkerSlot, WorkerState } from './worker-slot.js';

export interface EngineOptions {
  /** How workers are started and reached, and what that allows. */
  readonly transport: Transport;
  readonly maxWorkers: number;
  readonly minWorkers: number;
  readonly idleTimeout: number;
  readonly maxTasksPerWorker: number;
  /** Most tasks waiting in the queue; `submit` refuses more with QueueFull (map chunks and BACKGROUND excepted). */
  readonly maxQueue: number;
  /** What every worker is given; each gets a token of its own on top (see WorkerInit.token). */
  readonly init: Omit<WorkerInit, 'token'>;
  readonly onWorkerError: ((error: unknown, info: WorkerErrorInfo) => void) | undefined;
}

// Dispatch tuning. Each task function's time is learnt from the replies. A busy worker is given more only
// while the tasks it holds are expected to take at most PIPELINE_MS, so a fast stream of tiny tasks keeps
// it fed through the message round trip, while a slow task, or one whose function has not been timed yet,
// goes to a worker with nothing else behind it: nothing waits long behind a slow task, even in a child
// process, which cannot give work back.
const PIPELINE_MS = 2;
const MAX_INFLIGHT = 4096;
const MAX_BATCH = 512;
/** Below this queue depth every task's wait is timed; deeper, one in 16 (see submit). */
const TIME_EVERY_TASK_BELOW = 64;

/**
 * The one engine behind both executors: an O(1) queue, dispatch to workers in batches, worker lifecycle,
 * abort and crash handling, stats. It knows workers only through their {@link Transport}.
 */
export class PoolEngine {
  readonly #options: EngineOptions;
  #state: PoolState = PoolState.OPEN;
  readonly #queue = new Deque<TaskRecord>();
  /** Queued records whose futures are not done (the queue also holds dead ones, skipped lazily). */
  #liveQueued = 0;
  readonly #workers: WorkerSlot[] = [];
  #nextWorkerId = 1;
  #pumpScheduled = false;
  /** Milliseconds per call of each task function, smoothed, by {@link estimateKey}; missing until timed. */
  readonly #estimates: number[] = [];
  #brokenBy: Error | undefined;
  readonly #tasks = new TaskTable();
  #completed = 0;
  #failed = 0;
  #cancelled = 0;
  #busyMs = 0;
  #exitedAliveMs = 0;
  #closed: Promise<void> | undefined;
  #resolveClosed: (() => void) | undefined;
  /** Producers waiting in room() for the queue to drop below maxQueue. */
  readonly #roomWaiters = new Waiters<void>();
  /**
   * Producers let through by room() whose submit has not come yet: room is held for them until their
   * submit, or until the end of this turn of the event loop, so that several producers doing
   * `await pool.room(); pool.submit(...)` are never let through beyond maxQueue.
   */
  #granted = 0;
  #grantsExpire: NodeJS.Immediate | undefined;
  /** A map chunk was ever submitted: stats() must count the queue's items, not its records. */
  #mapped = false;
  /** Microseconds, one sample per timed task, at its first send. */
  readonly #waitHistogram: RecordableHistogram = createHistogram();
  /** Tasks submitted to a deep queue, of which one in 16 is timed. */
  #untimedSubmits = 0;
  /** Microseconds, one sample per reply: the average of the tasks that ran in it. */
  readonly #runHistogram: RecordableHistogram = createHistogram();
  /** Set by terminateWorkers() / killWorkers(): the name of the call, for the errors of what it stopped. */
  #stoppedBy: string | undefined;
  /** The worker started ahead of need to replace the next one stopped for an abort (see #replace). */
  #spare: WorkerSlot | undefined;
  readonly #stops = new StopHooks((record, reason) => this.#abort(record, reason));

  /** Asked by a pending future about its task: queued, or sent to a thread worker that has not claimed it. */
  readonly #owner: FutureOwner<TaskRecord> = {
    cancel: (record) => {
      const worker = record.worker;
      if (worker === undefined) {
        this.#liveQueued--;
      } else if (worker.claims!.revoke(record.seq)) {
        // It will not run there, so it does not count towards the worker's maxTasksPerWorker.
        worker.refund(1);
      } else {
        return false;
      }
      // A revoked task stays in its worker's list until the worker answers it with a skip.
      this.#cancelled += itemsOf(record);
      this.#release(record);
      this.#schedulePump();
      return true;
    },
    started: (record) => record.worker?.claims?.claimed(record.seq) ?? false,
  };

  constructor(options: EngineOptions) {
    this.#options = options;
    for (let i = 0; i < options.minWorkers; i++) this.#spawn(false);
  }

  get state(): PoolState {
    return this.#state;
  }

  /** Queues a task. With `chunk`, `args` is a list of argument lists, run one by one in one task. */
  submit(task: unknown, args: unknown, options: TaskOptions | undefined, chunk = false): Future<unknown> {
    this.#assertOpen();
    // map is bounded by its readAhead and a generator holds one task: neither is refused, but both take room.
    // A task whose signal is already aborted never enters the queue, so it is not refused either.
    const counted = !chunk && options?.[BACKGROUND] !== true;
    if (counted && this.#granted > 0) this.#granted--;
    if (this.#liveQueued >= this.#options.maxQueue && counted && options?.signal?.aborted !== true) {
      const { maxQueue } = this.#options;
      throw new QueueFull(`the pool's queue is full (maxQueue ${maxQueue}): await pool.room() before submitting`);
    }
    if (chunk) this.#mapped = true;
    const id = this.#tasks.idOf(task);
    const future = new Future<unknown>();
    const record = new TaskRecord(future, taskCode(id, chunk), args, options?.transfer);
    // Timing every task of a deep queue (a burst) would cost it measurably: there one in 16 is timed.
    if (this.#liveQueued < TIME_EVERY_TASK_BELOW || (++this.#untimedSubmits & 15) === 0) record.expected = -performance.now();
    if (options !== undefined && (options.signal !== undefined || options.timeout !== undefined || options[BACKGROUND] === true)) {
      if (options.signal?.aborted) {
        future.setRunningOrNotifyCancel();
        future.setException(options.signal.reason);
        this.#failed++;
        return future;
      }
      record.stop = this.#stops.arm(record, options.signal, options.timeout, options[BACKGROUND] === true);
    }
    setOwner(future, this.#owner, record);
    this.#queue.push(record);
    this.#liveQueued++;
    this.#schedulePump();
    return future;
  }

  /**
   * Resolves once the queue holds fewer than `maxQueue` tasks, so that a `submit` made right after is
   * accepted (unless other code fills the queue first). Waiters are woken in order, as many as there is room.
   */
  room(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    try {
      this.#assertOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.#roomWaiters.length === 0 && this.#liveQueued + this.#granted < this.#options.maxQueue) {
      this.#grant();
      return Promise.resolve();
    }
    return this.#roomWaiters.enqueue(undefined, signal).promise;
  }

  /** Holds one place in the queue for a producer let through by room(), until its submit or this turn's end. */
  #grant(): void {
    this.#granted++;
    if (this.#grantsExpire !== undefined) return;
    this.#grantsExpire = setImmediate(() => {
      this.#grantsExpire = undefined;
      this.#granted = 0;
      // A producer that did not submit leaves its place to those still waiting.
      if (this.#roomWaiters.length > 0) this.#wakeRoomWaiters();
    });
  }

  /**
   * Stops taking work. With `cancelFutures`, queued tasks are cancelled (running ones never are). Resolves
   * when every worker has exited if `wait`, at once otherwise (the work still finishes).
   */
  shutdown(wait: boolean, cancelFutures: boolean): Promise<void> {
    if (this.#state === PoolState.OPEN) this.#state = PoolState.SHUTTING_DOWN;
    // No submit can succeed any more: a producer waiting for room learns it now, as submit would tell it.
    this.#roomWaiters.rejectAll(new InvalidStateError('cannot schedule new futures after shutdown'));
    if (cancelFutures) {
      const kept: TaskRecord[] = [];
      for (const record of this.#queue.drain()) {
        // A process task queued again after its worker died before beginning it was started when first
        // sent, so it cannot be cancelled: it stays queued and runs.
        if (!record.future.done() && !record.future.cancel()) kept.push(record);
        else this.#release(record);
      }
      for (const record of kept) this.#queue.push(record);
      // Tasks handed to a thread worker that has not started them are withdrawn too.
      for (const worker of this.#workers) {
        if (worker.claims === undefined) continue;
        for (let i = 0; i < worker.inflight.length; i++) worker.inflight.at(i)!.future.cancel();
      }
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
    if (this.#state === PoolState.OPEN) this.#roomWaiters.rejectAll(reason);
    void this.shutdown(false, true);
    this.#failRequeued(() => reason);
    for (const worker of this.#workers) {
      for (let i = 0; i < worker.inflight.length; i++) {
        const record = worker.inflight.at(i)!;
        if (record.future.done()) continue;
        this.#release(record);
        if (record.future.state === 'pending') record.future.setRunningOrNotifyCancel();
        this.#failed += itemsOf(record);
        failStopped(record, reason);
      }
      // Its tasks are done now: the exit that follows only removes them.
      this.#stopWorker(worker);
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
    this.#failRequeued(() => new this.#options.transport.Broken(`the ${this.#options.transport.kind} pool was stopped by ${by} before the task ran`));
    for (const worker of this.#workers) {
      // A worker already stopping is signalled again: killWorkers() after terminateWorkers() must kill.
      worker.state = WorkerState.STOPPING;
      worker.clearIdleTimer();
      worker.handle.terminate(signal);
    }
    return closed;
  }

  /**
   * After a shutdown that cancelled the queue, a stop fails what is left there: process tasks queued again
   * after their worker died, which count as running and so could not be cancelled; they will not run now.
   */
  #failRequeued(error: () => unknown): void {
    for (const record of this.#queue.drain()) {
      this.#release(record);
      if (record.future.done()) continue;
      this.#liveQueued--;
      this.#failed += itemsOf(record);
      failStopped(record, error());
    }
  }

  stats(): PoolStats {
    let running = 0;
    let waiting = 0;
    let idle = 0;
    let aliveMs = this.#exitedAliveMs;
    const now = performance.now();
    for (const w of this.#workers) {
      aliveMs += now - w.startedAt;
      if (w.spare) continue;
      // A stopping worker holds only tasks already failed (aborted) or about to be failed or queued again
      // (its exit is on the way), so it counts as neither.
      if (w.state === WorkerState.STOPPING) continue;
      // A worker still starting is not idle: it cannot take work yet.
      if (w.inflight.length === 0 && w.state !== WorkerState.STARTING) idle++;
      if (w.claims === undefined && !this.#mapped) {
        running += w.inflight.length;
        continue;
      }
      for (let i = 0; i < w.inflight.length; i++) {
        const record = w.inflight.at(i)!;
        if (record.future.done()) continue;
        if (w.claims === undefined || w.claims.claimed(record.seq)) running += itemsOf(record);
        else waiting += itemsOf(record);
      }
    }
    return {
      queued: this.#queuedItems() + waiting,
      running,
      completed: this.#completed,
      failed: this.#failed,
      cancelled: this.#cancelled,
      workers: this.#liveWorkers(),
      idleWorkers: idle,
      utilization: aliveMs > 0 ? Math.min(1, this.#busyMs / aliveMs) : 0,
      waitTime: distribution(this.#waitHistogram),
      runTime: distribution(this.#runHistogram),
    };
  }

  /** Items in the queue: its live records, plus the extra items of map chunks (only then is it walked). */
  #queuedItems(): number {
    if (!this.#mapped) return this.#liveQueued;
    let items = 0;
    for (let i = 0; i < this.#queue.length; i++) {
      const record = this.#queue.at(i)!;
      if (!record.future.done()) items += itemsOf(record);
    }
    return items;
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
   * Stops a task at once: its future fails with `reason` now, whatever the worker does. A task still queued
   * leaves the queue; one a thread worker has not claimed is revoked (the worker skips it); one that may be
   * running stops its worker, and the tasks sent after it there run elsewhere (see #stopRunning).
   */
  #abort(record: TaskRecord, reason: unknown): void {
    const { future, worker } = record;
    this.#release(record);
    if (future.done()) return;
    if (future.state === 'pending') future.setRunningOrNotifyCancel();
    if (worker === undefined) {
      // Still queued: it leaves the queue lazily and never runs. (Queued again after a process died is
      // running already.)
      this.#liveQueued--;
    } else if (worker.claims?.revoke(record.seq) === true) {
      // It will not run there; it stays in the worker's list until the worker answers it with a skip.
      worker.refund(1);
    } else {
      this.#stopRunning(worker, record);
    }
    future.setException(reason);
    this.#failed++;
    this.#schedulePump();
  }

  /**
   * `record`, sent to `worker`, may be running there and must stop. The worker runs its tasks in order and
   * sends what finished before a guarded task begins (see GUARDED), so stopping it loses no result.
   * A thread: the tasks after `record` that it has not claimed are taken back now; if it has claimed one,
   * `record` had finished and the worker goes on. A process: it is killed once `record` is its first
   * unanswered task (at once, or when the answers before it arrive); see #onResults and #settleTasksOf.
   */
  #stopRunning(worker: WorkerSlot, record: TaskRecord): void {
    if (worker.state === WorkerState.STOPPING || worker.state === WorkerState.EXITED) return;
    if (worker.claims === undefined) {
      let at = worker.stops.length;
      while (at > 0 && worker.stops[at - 1]! > record.seq) at--;
      worker.stops.splice(at, 0, record.seq);
      if (worker.inflight.peek() === record) this.#stopWorker(worker, 'abort');
      return;
    }
    const taken = worker.takeBack(Infinity, record.seq);
    for (let i = taken.length - 1; i >= 0; i--) this.#queue.unshift(taken[i]!);
    this.#liveQueued += taken.length;
    // What takeBack left after `record` was claimed (so `record` had finished) or carries a transfer list.
    for (let i = worker.inflight.length - 1; i >= 0; i--) {
      const later = worker.inflight.at(i)!;
      if (later === record) break;
      if (later.future.done()) continue;
      if (worker.claims.claimed(later.seq)) return;
    }
    this.#stopWorker(worker, 'abort');
  }

  #schedulePump(): void {
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    // A microtask lets a burst of submits gather, so the first dispatch already sees how deep the queue is.
    queueMicrotask(() => this.#pump());
  }

  #pump(): void {
    this.#pumpScheduled = false;
    if (this.#state === PoolState.OPEN || this.#state === PoolState.SHUTTING_DOWN) {
      while (this.#liveQueued > 0) {
        const head = this.#liveHead();
        // Only a future completed by hand while queued (its implementer methods are public) gets here.
        if (head === undefined) {
          this.#liveQueued = 0;
          break;
        }
        // A background task runs alone on its worker, which then need not keep the program alive.
        const exclusive = head.stop?.background === true;
        const worker = this.#pickWorker(exclusive, this.#estimateOf(head.code));
        if (worker === undefined) break;
        this.#dispatch(worker, exclusive);
      }
      if (this.#liveQueued === 0 && this.#rebalance()) return this.#pump();
      if (this.#roomWaiters.length > 0) this.#wakeRoomWaiters();
    }
    this.#maybeClose();
  }

  /**
   * Wakes as many room() waiters, oldest first, as the queue has room for, each holding its place (see
   * #grant). The place of one that does not submit comes back when the grants expire, which wakes the next.
   */
  #wakeRoomWaiters(): void {
    if (this.#state !== PoolState.OPEN) return;
    for (let room = this.#options.maxQueue - this.#liveQueued - this.#granted; room > 0 && this.#roomWaiters.wakeFirst(undefined); room--) {
      this.#grant();
    }
  }

  /** The oldest queued record whose future is not done; done ones met on the way leave the queue. */
  #liveHead(): TaskRecord | undefined {
    let head = this.#queue.peek();
    while (head !== undefined && head.future.done()) {
      this.#release(this.#queue.shift()!);
      head = this.#queue.peek();
    }
    return head;
  }

  /**
   * With the queue empty and a worker idle, takes back half of the unstarted tasks of the most loaded
   * worker and queues them again, so nothing waits behind a slow task while a worker has nothing to do.
   * Returns whether anything was taken back.
   */
  #rebalance(): boolean {
    let idle: WorkerSlot | undefined;
    let victim: WorkerSlot | undefined;
    for (const w of this.#workers) {
      if (w.accepting && w.inflight.length === 0) idle ??= w;
      else if (w.claims !== undefined && w.inflight.length >= 2 && (victim === undefined || w.inflight.length > victim.inflight.length)) {
        victim = w;
      }
    }
    if (idle === undefined || victim === undefined) return false;
    const taken = victim.takeBack(victim.inflight.length >> 1);
    for (const record of taken) {
      this.#queue.unshift(record);
      this.#liveQueued++;
    }
    return taken.length > 0;
  }

  /**
   * An idle worker first, else a new one if allowed, else the least loaded one that may also take a task
   * expected to take `expected` ms (NaN: not timed yet, which only an idle worker takes).
   */
  #pickWorker(exclusive: boolean, expected: number): WorkerSlot | undefined {
    let best: WorkerSlot | undefined;
    let starting = 0;
    for (const w of this.#workers) {
      if (w.spare) continue;
      if (w.state === WorkerState.STARTING) {
        starting++;
        // Work is queued (the only time this runs): a worker it waits for keeps the program alive.
        w.handle.ref();
      }
      if (!w.accepting) continue;
      if (w.inflight.length === 0) return w;
      if (!exclusive && mayJoin(w.untimed, w.expectedMs, w.inflight.length, expected) && (best === undefined || w.expectedMs < best.expectedMs)) {
        best = w;
      }
    }
    // A new worker gets work only once it is ready, so nothing waits for a start-up (slow for a process)
    // that a worker already running could have taken. Start as many as there is queued work for, at once,
    // so that their start-ups overlap.
    for (let live = this.#liveWorkers(); live < this.#options.maxWorkers && starting < this.#liveQueued; live++, starting++) this.#spawn(true);
    return best;
  }

  #estimateOf(code: number): number {
    return this.#estimates[estimateKey(code)] ?? Number.NaN;
  }

  #dispatch(worker: WorkerSlot, exclusive: boolean): void {
    const limit = exclusive
      ? 1
      : Math.min(
          Math.ceil(this.#liveQueued / this.#options.maxWorkers),
          MAX_BATCH,
          worker.budget,
          // Never more unanswered tasks than the claim ring has cells (taken-back ones are still unanswered).
          CLAIM_RING - (worker.nextSeq - worker.answered),
        );
    // What the worker will hold, batch included.
    let held = worker.inflight.length;
    let untimed = worker.untimed;
    let expectedMs = worker.expectedMs;
    const batch: TaskRecord[] = [];
    const now = performance.now();
    while (batch.length < Math.max(1, limit)) {
      const record = this.#liveHead();
      if (record === undefined) break;
      // A background task runs alone, so it is never added to a batch.
      if (record.stop?.background === true && !exclusive) break;
      const expected = this.#estimateOf(record.code);
      if (!mayJoin(untimed, expectedMs, held, expected)) break;
      held++;
      if (Number.isNaN(expected)) untimed++;
      else expectedMs += expected;
      // Negative: a timed task's submission time, sent for the first time (see TaskRecord.expected). A task
      // sent again (taken back, or requeued) holds an estimate by then, and is not timed again.
      if (record.expected < 0) this.#waitHistogram.record(micros(now + record.expected));
      record.expected = expected;
      this.#queue.shift();
      this.#liveQueued--;
      // A process worker's task counts as started once sent (or before: see #onExit); a thread worker's once
      // it claims it.
      if (worker.claims === undefined && record.future.state === 'pending') record.future.setRunningOrNotifyCancel();
      record.worker = worker;
      batch.push(record);
      if (exclusive) break;
    }
    if (batch.length === 0) return;
    worker.budget -= batch.length;
    if (worker.inflight.length === 0) {
      // An exclusive batch is one task: a background one leaves the worker unreferenced.
      if (exclusive && batch[0]!.stop!.background) worker.handle.unref();
      else worker.handle.ref();
      worker.clearIdleTimer();
    }
    this.#post(worker, batch);
    if (worker.budget === 0 && worker.state !== WorkerState.STOPPING) worker.state = WorkerState.RETIRING;
    if (worker.inflight.length === 0) this.#becameIdle(worker);
  }

  #post(worker: WorkerSlot, batch: TaskRecord[]): void {
    try {
      worker.send(batch, this.#tasks);
    } catch (error) {
      if (batch.length === 1) return this.#failUnsendable(worker, batch[0]!, error);
      // Something in the batch cannot be cloned: send each task alone so only the culprit fails.
      for (const record of batch) this.#post(worker, [record]);
    }
  }

  #failUnsendable(worker: WorkerSlot, record: TaskRecord, error: unknown): void {
    this.#release(record);
    record.worker = undefined;
    // It never reached the worker, so it does not count towards the worker's maxTasksPerWorker.
    worker.refund(1);
    this.#failed += itemsOf(record);
    record.future.setException(new TypeError(`the task's arguments could not be sent to the worker: ${messageOf(error)}`, { cause: error }));
  }

  /** Starts a worker; one started for queued work keeps the program alive until it is ready to take it. */
  #spawn(forWork: boolean): WorkerSlot {
    const claims = this.#options.transport.canWithdraw ? new ClaimBoard() : undefined;
    const worker = new WorkerSlot(this.#nextWorkerId++, this.#options.maxTasksPerWorker, claims);
    this.#workers.push(worker);
    // Not a secret (task code can read its workerData): only a number task code has no reason to send. So
    // Math.random, not node:crypto, whose loading alone costs a program's import of aiox about 3 ms.
    const token = Math.floor(Math.random() * 2 ** 47);
    if (claims !== undefined) worker.stash = new SharedArrayBuffer(STASH_BYTES);
    const init: WorkerInit =
      claims === undefined ? { ...this.#options.init, token } : { ...this.#options.init, claims: claims.buffer, stash: worker.stash, token };
    worker.handle = this.#options.transport.spawn(init, {
      message: (message) => this.#onMessage(worker, message),
      exit: (code, signal, error) => this.#onExit(worker, code, signal, error),
    });
    if (!forWork) worker.handle.unref();
    return worker;
  }

  #onMessage(worker: WorkerSlot, message: FromWorker): void {
    if (Array.isArray(message)) return this.#onResults(worker, message);
    switch ((message as Exclude<FromWorker, readonly unknown[]>).type) {
      case 'ready':
        if (worker.state === WorkerState.STARTING) worker.state = WorkerState.READY;
        this.#pump();
        if (worker.inflight.length === 0) this.#becameIdle(worker);
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
    }
  }

  /** An error raised in the worker outside any task's call; a fatal one is its last word before it exits. */
  #onUncaught(worker: WorkerSlot, message: UncaughtMessage): void {
    const error = fromWire(message.error);
    if (!message.fatal) return this.#reportUncaught(error, { origin: message.origin, fatal: false, tasksFailed: 0 });
    worker.died = { error, origin: message.origin, unstarted: message.unstarted };
    // It exits by itself and takes nothing new meanwhile. One still starting is left so: its exit before
    // `ready` breaks the pool, as a failing initializer does (the error was the initializer's, or its module's).
    if (worker.state !== WorkerState.STARTING) this.#stopWorker(worker);
  }

  /**
   * Hands an error raised outside any task to `onWorkerError`. Without one, an error no future carries
   * (the worker went on, or it held no task) is written to stderr, as Node writes an uncaught error.
   */
  #reportUncaught(error: unknown, info: WorkerErrorInfo): void {
    const { onWorkerError } = this.#options;
    const { kind } = this.#options.transport;
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

  /** Answers the oldest tasks of `worker`; `timed` unless the message carries no busy time (see #answerFromStash). */
  #onResults(worker: WorkerSlot, results: readonly unknown[], timed = true): void {
    // Results can still arrive from a worker the pool has given up on (broken pool, exited worker): the
    // tasks they answer were failed already.
    if (worker.state === WorkerState.EXITED || this.#state === PoolState.BROKEN) return;
    const busy = results[0] as number;
    const count = (results.length - RESULTS_HEADER) / 2;
    worker.busyMs += busy;
    this.#busyMs += busy;
    let seq = worker.answered;
    worker.answered += count;
    // The reply's busy time is shared by the tasks that ran: skipped ones (taken back, cancelled) cost
    // nothing, and a reply of skips alone says nothing of how long a task takes.
    let ran = 0;
    for (let i = RESULTS_HEADER; i < results.length; i += 2) if (results[i] !== RESULT_SKIPPED) ran++;
    const perTask = busy / ran;
    if (ran > 0 && timed) this.#runHistogram.record(micros(perTask));
    let lastKey = -1;
    for (let i = RESULTS_HEADER; i < results.length; i += 2, seq++) {
      // The answer to task `seq`: the oldest in this worker's list, unless that task already left the list
      // when it was taken back (see #rebalance).
      const record = worker.inflight.peek();
      if (record === undefined || record.seq !== seq) continue;
      worker.shift();
      record.worker = undefined;
      if (record.stop !== undefined) this.#release(record);
      // Withdrawn by cancel() before the worker reached it; counted then.
      if (results[i] === RESULT_SKIPPED) continue;
      const key = estimateKey(record.code);
      if (key !== lastKey && timed) {
        // Once per function and reply: a reply is mostly one function's tasks.
        const old = this.#estimates[key];
        this.#estimates[key] = old === undefined ? perTask : old * 0.7 + perTask * 0.3;
        lastKey = key;
      }
      if (record.future.done()) continue;
      if (results[i] === RESULT_OK) {
        if (record.code < 0) this.#countChunk(record, results[i + 1] as ChunkResult);
        else this.#completed++;
        record.future.setResult(results[i + 1]);
      } else {
        this.#failed += itemsOf(record);
        record.future.setException(fromWire(results[i + 1] as WireError));
      }
    }
    if (worker.stops.length > 0) this.#killAtStop(worker);
    if (worker.inflight.length === 0) this.#becameIdle(worker);
    this.#schedulePump();
  }

  /**
   * A process with stopped tasks: one answered finished by itself; once the oldest other one is the first
   * unanswered task, the process is killed (it may be running it).
   */
  #killAtStop(worker: WorkerSlot): void {
    const { stops } = worker;
    let done = 0;
    while (done < stops.length && stops[done]! < worker.answered) done++;
    stops.splice(0, done);
    if (stops[0] === worker.answered) this.#stopWorker(worker, 'abort');
  }

  /**
   * A thread worker stopped for an aborted task: answers, from its stash, the tasks it finished before that
   * one and had not sent (see result-stash.ts), as if their message had come.
   */
  #answerFromStash(worker: WorkerSlot): void {
    const results: unknown[] = [0, 0];
    for (const [seq, status, value] of readStash(worker.stash!)) {
      // Sent already (the stash is emptied only after a send), or not next in line.
      if (seq !== worker.answered + (results.length - RESULTS_HEADER) / 2) continue;
      results.push(status, value);
    }
    if (results.length > RESULTS_HEADER) this.#onResults(worker, results, false);
  }

  /** A map chunk answered: its items that ran, the one that threw (which stopped it), the ones left unrun. */
  #countChunk(record: TaskRecord, result: ChunkResult): void {
    const ran = result.values.length;
    this.#completed += ran;
    if (result.error === undefined) return;
    this.#failed++;
    this.#cancelled += itemsOf(record) - ran - 1;
  }

  #becameIdle(worker: WorkerSlot): void {
    worker.handle.unref();
    worker.clearIdleTimer();
    if (worker.state === WorkerState.RETIRING) return this.#stopWorker(worker);
    const { idleTimeout, minWorkers } = this.#options;
    if (idleTimeout === Infinity || this.#workers.length <= minWorkers || worker.state === WorkerState.STOPPING) return;
    worker.idleTimer = after(idleTimeout, () => {
      worker.idleTimer = undefined;
      if (worker.inflight.length === 0 && this.#workers.length > minWorkers) this.#stopWorker(worker, 'idle');
    });
    worker.idleTimer.unref();
  }

  #stopWorker(worker: WorkerSlot, reason: 'idle' | 'abort' | 'other' = 'other'): void {
    if (worker.state === WorkerState.STOPPING || worker.state === WorkerState.EXITED) return;
    worker.state = WorkerState.STOPPING;
    worker.stoppedFor = reason;
    worker.clearIdleTimer();
    worker.handle.terminate();
    if (reason === 'abort' && this.#state === PoolState.OPEN) this.#replace();
  }

  /**
   * Replaces a worker stopped for an abort at once, not once it has exited: a stopping worker runs nothing
   * and does not count towards maxWorkers (see #liveWorkers). The spare started at the previous such stop
   * becomes the replacement, ready by now; and a new spare starts, so that a pool whose tasks are often
   * stopped does not wait for a start each time. A spare is one worker more than maxWorkers, taking no work
   * until it replaces one, and stops when idle for idleTimeout, as any worker does.
   */
  #replace(): void {
    const spare = this.#spare;
    this.#spare = undefined;
    if (spare !== undefined) {
      spare.spare = false;
      if (this.#liveQueued > 0) spare.handle.ref();
    } else if (this.#liveWorkers() < this.#options.maxWorkers) {
      this.#spawn(this.#liveQueued > 0);
    }
    this.#spare = this.#spawn(false);
    this.#spare.spare = true;
    this.#schedulePump();
  }

  /** Workers that are neither stopping nor a spare: those that run tasks or will. maxWorkers bounds these. */
  #liveWorkers(): number {
    let live = 0;
    for (const w of this.#workers) if (w.state !== WorkerState.STOPPING && !w.spare) live++;
    return live;
  }

  #onExit(worker: WorkerSlot, code: number | null, signal: NodeJS.Signals | null, error: Error | undefined): void {
    // Its messages have all arrived; what it finished and had not sent is in its stash.
    if (worker.stoppedFor === 'abort' && worker.stash !== undefined) this.#answerFromStash(worker);
    const started = worker.state !== WorkerState.STARTING;
    worker.state = WorkerState.EXITED;
    if (this.#spare === worker) this.#spare = undefined;
    worker.clearIdleTimer();
    this.#workers.splice(this.#workers.indexOf(worker), 1);
    this.#exitedAliveMs += performance.now() - worker.startedAt;
    const { kind, Broken } = this.#options.transport;
    const died = worker.died;
    const cause: unknown = died !== undefined ? died.error : error;
    const how = died !== undefined ? `died of ${describeOrigin(died.origin)}` : signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
    const message =
      this.#stoppedBy !== undefined
        ? `a ${kind} worker was stopped by ${this.#stoppedBy} before the task finished`
        : `a ${kind} worker ${how} while running the task${cause === undefined ? '' : `: ${messageOf(cause)}`}`;
    // A worker that died of an error raised outside any task before it began one was killed by its start:
    // the initializer, or what it left behind. A replacement would die the same way, so the pool breaks.
    const broken = !started || (died !== undefined && died.unstarted === 0 && this.#stoppedBy === undefined);
    // When the pool breaks, #break fails all the dead worker's tasks with its own message.
    let blamed = this.#settleTasksOf(worker, broken ? undefined : () => new Broken(message, cause === undefined ? undefined : { cause }));
    if (broken) {
      const when = started ? 'before it began any task' : 'before it was ready';
      blamed += this.#break(`a ${kind} worker ${how} ${when}${cause === undefined ? '' : `: ${messageOf(cause)}`}`, cause);
    }
    if (died !== undefined) this.#reportUncaught(died.error, { origin: died.origin, fatal: true, tasksFailed: blamed });
    // Already broken, #break did nothing: a shutdown may be waiting for this exit.
    if (broken) return this.#maybeClose();
    // Keep minWorkers after a crash, an abort or a retirement; an idle stop never goes below it anyway.
    if (worker.stoppedFor !== 'idle' && this.#state === PoolState.OPEN) {
      for (let live = this.#liveWorkers(); live < this.#options.minWorkers; live++) this.#spawn(false);
    }
    this.#schedulePump();
  }

  /**
   * Fails the tasks the dead `worker` had begun with an error from `failure`, and queues the others again,
   * in order, to run elsewhere (see mayHaveBegun); with no `failure`, queues them all. Without a last word from
   * the worker, the oldest one is failed even if not begun when no task was (the worker may have died
   * loading its module), so a task that kills every worker cannot loop; a worker the engine stopped for an
   * aborted task did not die of its tasks, so that rule does not apply to it. A task whose transfer list was moved
   * to the dead worker cannot be sent again. Returns how many it failed.
   */
  #settleTasksOf(worker: WorkerSlot, failure: (() => Error) | undefined): number {
    const requeue: TaskRecord[] = [];
    let failed = 0;
    for (let record = worker.inflight.shift(); record !== undefined; record = worker.inflight.shift()) {
      if (record.future.done()) {
        this.#release(record);
        continue;
      }
      const mayRunElsewhere =
        (failed > 0 || worker.died !== undefined || worker.stoppedFor === 'abort') &&
        this.#stoppedBy === undefined &&
        record.transfer === undefined &&
        !mayHaveBegun(worker, record);
      if (failure === undefined || mayRunElsewhere) {
        record.worker = undefined;
        requeue.push(record);
        continue;
      }
      failed++;
      this.#release(record);
      this.#failed += itemsOf(record);
      if (this.#stoppedBy !== undefined) failStopped(record, failure());
      else record.future.setException(failure());
    }
    for (let i = requeue.length - 1; i >= 0; i--) this.#queue.unshift(requeue[i]!);
    this.#liveQueued += requeue.length;
    return failed;
  }

  /**
   * An initializer failed, or a worker could not start: the pool is broken for good, as in Python. Returns
   * how many futures it failed.
   */
  #break(message: string, cause: unknown): number {
    if (this.#state === PoolState.BROKEN || this.#state === PoolState.CLOSED) return 0;
    let failed = 0;
    this.#state = PoolState.BROKEN;
    this.#brokenBy = new this.#options.transport.Broken(message, { cause });
    this.#roomWaiters.rejectAll(new this.#options.transport.Broken(message, { cause }));
    const fail = (record: TaskRecord): void => {
      this.#release(record);
      if (record.future.done()) return;
      if (record.future.state === 'pending') record.future.setRunningOrNotifyCancel();
      this.#failed += itemsOf(record);
      failed++;
      record.future.setException(new this.#options.transport.Broken(this.#brokenBy!.message, { cause }));
    };
    for (const record of this.#queue.drain()) fail(record);
    this.#liveQueued = 0;
    for (const worker of this.#workers) {
      for (const record of worker.inflight.drain()) fail(record);
      this.#stopWorker(worker);
    }
    this.#maybeClose();
    return failed;
  }

  /** Once shut down (or broken) and out of work, stops the workers; closes when the last has exited. */
  #maybeClose(): void {
    if (this.#state === PoolState.OPEN || this.#state === PoolState.CLOSED) return;
    if (this.#liveQueued > 0) return;
    for (const worker of this.#workers) if (worker.inflight.length > 0) return;
    for (const worker of this.#workers) this.#stopWorker(worker);
    if (this.#workers.length > 0) return;
    if (this.#state === PoolState.SHUTTING_DOWN) this.#state = PoolState.CLOSED;
    this.#resolveClosed?.();
  }
}

/**
 * Fails a task that the pool's own stop ended (its signal: abort(); terminateWorkers(), killWorkers()). The
 * caller asked for that stop, as for a cancellation, so a task submitted and forgotten raises no
 * unobserved-failure warning (under run(), Ctrl-C would print one per task); awaiting it still throws.
 */
function failStopped(record: TaskRecord, error: unknown): void {
  record.future.markObserved().setException(error);
}

/** How many items a record holds: a map chunk's argument lists, else one. */
function itemsOf(record: TaskRecord): number {
  return record.code < 0 ? (record.args as readonly unknown[]).length : 1;
}

/**
 * Whether `record`, held by `worker` when it died, may have begun there, so that it must not run again.
 * A thread worker's claims say exactly. A process that died of an error raised outside any task said in its
 * last message which tasks it had not begun. A process that died without a last word (killed by a signal,
 * out of memory, `process.exit()`) cannot say: every task it held may have begun, and fails with it.
 */
function mayHaveBegun(worker: WorkerSlot, record: TaskRecord): boolean {
  if (worker.died !== undefined && record.seq < worker.died.unstarted) return true;
  if (worker.claims !== undefined) return worker.claims.claimed(record.seq);
  if (worker.died !== undefined) return false;
  // Killed for a stopped task: every batch it held was guarded, so only its first unanswered task may have
  // begun (see GUARDED). Its exit is reported once its channel has closed, so every answer sent has arrived.
  return worker.stoppedFor !== 'abort' || record.seq === worker.answered;
}

function describeOrigin(origin: WorkerErrorInfo['origin']): string {
  const what = origin === 'unhandledRejection' ? 'an unhandled promise rejection' : 'an uncaught exception';
  return `${what} raised outside any task's own call (in a timer, a callback or work an earlier task left behind)`;
}

function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  try {
    return String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}

/** Where a task's estimate is kept: a function's single calls and its map chunks apart. */
function estimateKey(code: number): number {
  return code >= 0 ? 2 * code : -2 * code - 1;
}

/**
 * Whether a task expected to take `expected` ms (NaN: not timed yet) may join `held` tasks in flight on a
 * worker, `untimed` of them not timed yet and the others expected to take `expectedMs` in all.
 */
function mayJoin(untimed: number, expectedMs: number, held: number, expected: number): boolean {
  if (held === 0) return true;
  return untimed === 0 && held < MAX_INFLIGHT && expectedMs + expected <= PIPELINE_MS;
}
