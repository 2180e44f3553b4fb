import { failureOf } from '../futures/future.js';
import { Deque } from '../internal/deque.js';
import { after, type Delay } from '../internal/timers.js';
import type { TaskDescriptor } from '../tasks/task.js';
import { toSendableWire } from '../tasks/wire-error.js';
import { CLAIM_RING, ClaimBoard } from '../wire/claims.js';
import { readStash, STASH_BYTES } from '../wire/result-stash.js';
import { GUARDED, RESULTS_HEADER, RUN_HEADER, answersIn, fnIdOf, type ResultsMessage, type RunMessage, type WorkerInit } from '../wire/protocol.js';
import { ProcessStops } from './process-stops.js';
import type { TaskTable } from './task-table.js';
import type { TaskRecord } from './task-record.js';
import type { WorkerHandle } from './transport.js';

/**
 * The lifecycle of one pool worker. Every transition is a method of {@link WorkerSlot}:
 * STARTING -ready()-> READY -dispatch() spends its budget-> RETIRING -revoke() / takeBack() give budget
 * back-> READY (STARTING -ready()-> RETIRING when the task it was sent while starting spent its budget);
 * any but EXITED -stop() / terminate()-> STOPPING; any -exited()-> EXITED.
 */
export const WorkerState = {
  /**
   * Spawned; not ready yet (starting, or running its initializer). It is given no tasks, but for its first
   * one in a pool where no worker is up yet (see {@link WorkerSlot.takesFirstTask}).
   */
  STARTING: 'starting',
  READY: 'ready',
  /** Reached `maxTasksPerWorker`: takes nothing new and stops once its tasks are done. */
  RETIRING: 'retiring',
  /**
   * Told to stop (shutdown, idle timeout, abort of its task, retirement, terminateWorkers()), or dying of an
   * error raised outside any task; waiting for its exit.
   */
  STOPPING: 'stopping',
  EXITED: 'exited',
} as const;
export type WorkerState = (typeof WorkerState)[keyof typeof WorkerState];

/**
 * Calls `fn` in the loop's check phase, once what its channels hold has been read; as a {@link Delay}. It is
 * never unreferenced: it runs in this turn of the loop anyway, and an unreferenced immediate lets the loop
 * block in its poll phase until some other event comes (seconds, with nothing else due).
 */
function immediate(fn: () => void): Delay {
  const handle = setImmediate(fn);
  return { clear: () => clearImmediate(handle), unref: () => undefined };
}

/** Why a worker was told to stop: see {@link WorkerSlot.stoppedFor}. */
export type StopReason = 'idle' | 'abort' | 'other';

/** What the engine may read of a worker's tasks in flight; only the slot changes the list. */
export type InflightView = Pick<Deque<TaskRecord>, 'length' | 'at' | 'peek' | 'peekLast'>;

/** What a worker shares with its slot from its start (see WorkerInit): a thread's claims and stash; nothing for a process. */
export type SharedWithWorker = Pick<WorkerInit, 'claims' | 'stash'>;

/** Why its tasks were asked to stop (see WorkerSlot.askAllToStop): every task sent before seq `until` was. */
export interface StopAsked {
  readonly reason: unknown;
  readonly until: number;
}

/** Its last word: it is dying of an error raised outside any task, and had not begun task `unstarted` on. */
export interface LastWord {
  readonly error: unknown;
  readonly origin: 'uncaughtException' | 'unhandledRejection';
  readonly unstarted: number;
}

/**
 * The engine's record of one worker: its tasks in flight, its budget, its state and every transition of
 * it, its idle timer, and what its transport allows (decided once, at spawn: a thread worker comes with a
 * ring of claims, which lets the engine take back tasks it has not started; a process does not).
 */
export class WorkerSlot {
  #state: WorkerState = WorkerState.STARTING;
  readonly #inflight = new Deque<TaskRecord>();
  /** Tasks sent and not yet answered, oldest first; the worker answers in this order. A field, not a getter: read per answer. */
  readonly inflight: InflightView = this.#inflight;
  /** The fnIds of the task functions this worker has been sent the descriptor of. */
  readonly #known = new Set<number>();
  /** How many more tasks it may be given before it retires. */
  #budget: number;
  #idleTimer: Delay | undefined = undefined;
  #stoppedFor: StopReason | undefined = undefined;
  #stoppedForTask = -1;
  readonly startedAt = performance.now();
  #handle: WorkerHandle | undefined = undefined;
  /** Sequence number the next task sent gets. */
  #nextSeq = 0;
  /** Tasks answered so far (results and skips); `#nextSeq - #answered` tasks are unanswered. */
  #answered = 0;
  /** See {@link spare}. */
  #spare = false;
  /** Milliseconds expected of the tasks in flight whose function has been timed. */
  #expectedMs = 0;
  /** Tasks in flight whose function has not been timed yet. */
  #untimed = 0;
  #died: LastWord | undefined = undefined;
  /** Thread workers only: lets the engine take unstarted tasks back. */
  readonly #claims: ClaimBoard | undefined;
  /** Thread workers only: the results it stashed before a task that may be stopped (see result-stash.ts). */
  readonly #stash: SharedArrayBuffer | undefined;
  /** Process workers only: what stopping its tasks takes when nothing sent can be taken back (see process-stops.ts). */
  readonly #process: ProcessStops | undefined;
  /**
   * Aborted tasks it runs, each asked to stop through its signal, with the timer that stops the worker if the
   * task has not settled by the end of its grace (see {@link graceThenStop}). It takes no new work meanwhile.
   */
  readonly #graces = new Map<number, Delay>();
  /** Whether what it runs is a background task (see {@link holdsBackground}), even once that task is aborted. */
  #background = false;
  /**
   * Async tasks it answered RESULT_RUNNING (see protocol.ts): begun, going on while it runs others (see
   * `concurrentTasksPerWorker`), by seq, until their late answer (see {@link settleRunning}).
   */
  readonly #running = new Map<number, TaskRecord>();
  /** The tasks it runs on in the background, by seq (see {@link runOn}); only the slot changes it. */
  readonly runningOn: ReadonlyMap<number, TaskRecord> = this.#running;
  /** Whether a background task (a generator's) runs on here: it stays alone, as in flight (see {@link holdsBackground}). */
  #backgroundRunsOn = false;
  /** Whether the task it was stopped for ran on in the background (see {@link mayHaveBegun}). */
  #stoppedForRunningOn = false;
  /** Set once its tasks were asked to stop (see {@link askAllToStop}), with the reason and the seq of the next task sent then. */
  #stopAsked: StopAsked | undefined;

  constructor(
    readonly id: number,
    budget: number,
    /**
     * What its transport allows (see Transport.canWithdraw): a thread worker, whose slot keeps a ring of claims
     * and a stash shared with it; else a process, whose tasks cannot be taken back once sent.
     */
    canWithdraw: boolean,
    /** Most async tasks it runs at once (see WorkerInit.concurrency). */
    readonly concurrency = 1,
  ) {
    this.#budget = budget;
    if (canWithdraw) {
      this.#claims = new ClaimBoard();
      this.#stash = new SharedArrayBuffer(STASH_BYTES);
    } else {
      this.#process = new ProcessStops(() => this.#answered, () => this.stopping);
    }
  }

  /**
   * Starts the worker itself through `spawn`, which hands the worker what it shares with this slot. One
   * started for queued work (`wanted`) keeps the program alive until it is idle; one started ahead of need
   * (minWorkers, a spare) does not, until work waits for it (see {@link wanted}).
   */
  start(spawn: (shared: SharedWithWorker) => WorkerHandle, wanted: boolean): void {
    this.#handle = spawn(this.#claims === undefined ? {} : { claims: this.#claims.buffer, stash: this.#stash });
    this.#process?.attach(this.#handle.stashFd);
    if (!wanted) this.#handle.unref();
  }

  /**
   * Work waits for it: it is still starting while tasks are queued, or it is the spare that takes a stopped
   * worker's place. It keeps the program alive until it is idle (see {@link idle}).
   */
  wanted(): void {
    this.#handle!.ref();
  }

  /** The worker itself, once started. */
  get handle(): WorkerHandle {
    return this.#handle!;
  }

  /**
   * Started ahead of need, as the replacement of the next worker stopped for an abort: it takes no work and
   * does not count towards maxWorkers until then (see WorkerSet.#replace).
   */
  get spare(): boolean {
    return this.#spare;
  }

  /** Held back as the spare (see {@link spare}). */
  keepAsSpare(): void {
    this.#spare = true;
  }

  /** The spare replaces a worker stopped for an abort: it takes work from now on. */
  replaceStopped(): void {
    this.#spare = false;
  }

  get state(): WorkerState {
    return this.#state;
  }

  /**
   * Whether it may be sent a task while still starting (see pickStarting): it holds nothing, is no spare and
   * has budget left. The task waits in the worker's channel and runs once the worker is up, without waiting
   * for the round trip of its `ready`.
   */
  get takesFirstTask(): boolean {
    return this.#state === WorkerState.STARTING && !this.#spare && this.held === 0 && this.#budget > 0;
  }

  /** Whether tasks sent here can be taken back until the worker starts them (a thread, not a process). */
  get canWithdraw(): boolean {
    return this.#claims !== undefined;
  }

  get budget(): number {
    return this.#budget;
  }

  /** Tasks sent here and not answered yet, taken-back ones included (they are answered with a skip). */
  get unanswered(): number {
    return this.#nextSeq - this.#answered;
  }

  /** Milliseconds expected of the tasks in flight whose function has been timed. */
  get expectedMs(): number {
    return this.#expectedMs;
  }

  /**
   * Tasks in flight whose function has not been timed yet; one more while its background tasks fill its
   * lanes: what it is sent then waits for one of them, which takes as long as it takes.
   */
  get untimed(): number {
    return this.saturated ? this.#untimed + 1 : this.#untimed;
  }

  /** What is ahead of a task sent now: the tasks in flight, and one more while it is {@link saturated}. */
  get load(): number {
    return this.saturated ? this.#inflight.length + 1 : this.#inflight.length;
  }

  /** Every task it holds: in flight, and running on in the background. 0: it is idle. */
  get held(): number {
    return this.#inflight.length + this.#running.size;
  }

  /** Whether it runs as many tasks in the background as it may run at once: the next one waits. */
  get saturated(): boolean {
    return this.#running.size >= this.concurrency;
  }

  /** Why it was told to stop: `'idle'` (it was above minWorkers), `'abort'` (a task it may run was stopped), `'other'`. */
  get stoppedFor(): StopReason | undefined {
    return this.#stoppedFor;
  }

  /** The seq of the aborted task it was stopped for (see {@link graceThenStop}), else -1. */
  get stoppedForTask(): number {
    return this.#stoppedForTask;
  }

  /** Its last word, if it is dying of an error raised outside any task. */
  get died(): LastWord | undefined {
    return this.#died;
  }

  /** Whether it is told to stop or gone: it runs nothing new. */
  get stopping(): boolean {
    return this.#state === WorkerState.STOPPING || this.#state === WorkerState.EXITED;
  }

  /** Whether the engine may send it more work. */
  get accepting(): boolean {
    return (
      this.#state === WorkerState.READY &&
      !this.spare &&
      !this.holdsBackground &&
      this.#budget > 0 &&
      this.#nextSeq - this.#answered < CLAIM_RING &&
      this.#graces.size === 0
    );
  }

  /**
   * Holds a background task (see BACKGROUND), which stays alone on its worker so that the worker can be left
   * unreferenced while it runs. Such a task is only sent to a worker with nothing in flight, so it is the
   * oldest one here.
   */
  get holdsBackground(): boolean {
    return this.#backgroundRunsOn || this.#inflight.peek()?.stop?.background === true;
  }

  /**
   * Whether task `seq`, running here, may stop when asked: one that has not read its signal cannot. A
   * thread's claim says (see claims.ts); a process's stash file, where it shows the task begun (see
   * stash-file.ts); otherwise a process cannot tell, so it may.
   */
  mayCooperate(seq: number): boolean {
    // With several tasks at once, stopping the worker would stop the others too: the task gets its grace.
    // (And one running on may have a claim's cell that serves a later task by now.)
    if (this.concurrency > 1) return true;
    return this.#process?.mayCooperate(seq) ?? this.#claims!.watched(seq);
  }

  /**
   * Whether it runs a background task, aborted or not: one stopped with its worker at once (no grace). Such a
   * task is in flight, or runs on (a worker of several tasks at once, see {@link runOn}).
   */
  get runsBackground(): boolean {
    return this.#background && this.held > 0;
  }

  /** Whether a task aborted while it ran here has its grace going: it may be counted as running no more. */
  get inGrace(): boolean {
    return this.#graces.size > 0;
  }

  /** Whether the worker has claimed task `seq` (a thread); a process claims nothing. */
  claimed(seq: number): boolean {
    // One running on has begun, and its claim's cell may serve a later task by now.
    if (this.#running.has(seq)) return true;
    return this.#claims?.claimed(seq) ?? false;
  }

  /** Whether task `seq` counts as begun: claimed by a thread; sent, for a process. */
  begun(seq: number): boolean {
    return this.#claims === undefined || this.#running.has(seq) || this.#claims.claimed(seq);
  }

  /**
   * Takes task `seq` back from a thread worker that has not claimed it (it will answer it with a skip), and
   * gives back its budget. False if it was claimed, or the worker is a process.
   */
  revoke(seq: number): boolean {
    // One running on has begun; its claim's cell may be a later task's by now, which must not be revoked.
    if (this.#running.has(seq) || this.#claims?.revoke(seq) !== true) return false;
    this.#refund(1);
    return true;
  }

  /** STARTING -> READY (RETIRING if a task sent while it started spent its budget): its start (and initializer) is done. */
  ready(): void {
    if (this.#state === WorkerState.STARTING) this.#state = this.#budget === 0 ? WorkerState.RETIRING : WorkerState.READY;
  }

  /**
   * Hands it `batch`, spending its budget (it retires once the budget is spent). A worker that had nothing
   * to do keeps the program alive while it works, unless the batch is one `background` task. A task whose
   * arguments cannot be sent is handed to `unsendable` (the batch is sent again task by task to find it).
   */
  dispatch(batch: TaskRecord[], background: boolean, table: TaskTable, unsendable: (record: TaskRecord, error: unknown) => void): void {
    this.#budget -= batch.length;
    if (this.held === 0) {
      this.#background = background;
      if (background) this.#handle!.unref();
      else this.#handle!.ref();
      this.#clearIdleTimer();
    }
    this.#post(batch, table, unsendable);
    // One still starting retires once ready (see ready()).
    if (this.#budget === 0 && this.#state === WorkerState.READY) this.#state = WorkerState.RETIRING;
  }

  #post(batch: TaskRecord[], table: TaskTable, unsendable: (record: TaskRecord, error: unknown) => void): void {
    try {
      this.#send(batch, table);
    } catch (error) {
      if (batch.length === 1) {
        // It never reached the worker, so it does not count towards the worker's maxTasksPerWorker.
        this.#refund(1);
        return unsendable(batch[0]!, error);
      }
      // Something in the batch cannot be cloned: send each task alone so only the culprit fails.
      for (const record of batch) this.#post([record], table, unsendable);
    }
  }

  /** Posts `batch`; on success its tasks are in flight here. Throws if something cannot be cloned. */
  #send(batch: TaskRecord[], table: TaskTable): void {
    const seq = this.#nextSeq;
    let defs: [number, TaskDescriptor][] | undefined;
    let transfer: unknown[] | undefined;
    const message = new Array(RUN_HEADER + batch.length * 2) as [...RunMessage];
    message[0] = seq;
    // A process cannot tell which of its tasks began: behind a guarded batch, every batch is guarded.
    let guarded = this.#process?.guardsNext === true;
    for (let i = 0; i < batch.length; i++) {
      const record = batch[i]!;
      if (record.stop !== undefined) guarded = true;
      const fnId = fnIdOf(record.code);
      if (!this.#known.has(fnId) && !defs?.some(([known]) => known === fnId)) (defs ??= []).push([fnId, table.descriptor(fnId)]);
      if (record.transfer !== undefined) (transfer ??= []).push(...record.transfer);
      message[RUN_HEADER + 2 * i] = record.code;
      message[RUN_HEADER + 2 * i + 1] = record.args;
      // Marked before the post: the worker may claim a task as soon as the message lands.
      this.#claims?.markSent(seq + i);
    }
    message[1] = defs ?? 0;
    message[2] = guarded ? GUARDED : 0;
    this.#handle!.post(message, transfer);
    if (guarded) this.#process?.sentGuarded(seq + batch.length);
    if (defs !== undefined) for (const [fnId] of defs) this.#known.add(fnId);
    for (const record of batch) {
      record.seq = this.#nextSeq++;
      record.worker = this;
      this.#inflight.push(record);
      this.#count(record, 1);
    }
  }

  /** Counts `count` more answers; returns the seq of the first task they answer. */
  answered(count: number): number {
    const seq = this.#answered;
    this.#answered += count;
    return seq;
  }

  /** Removes the oldest task in flight: it has been answered. */
  shift(): TaskRecord | undefined {
    const record = this.#inflight.shift();
    if (record !== undefined) {
      this.#count(record, -1);
      record.worker = undefined;
      // Settled within its grace: the worker is kept.
      if (this.#graces.size > 0) this.#endGrace(record.seq);
    }
    return record;
  }

  /**
   * The oldest task in flight was answered RESULT_RUNNING (see protocol.ts): it has begun and runs on in the background
   * until its late answer (see {@link settleRunning}); it stays this worker's, and its grace (if aborted) goes on.
   */
  runOn(): TaskRecord | undefined {
    const record = this.#inflight.shift();
    if (record === undefined) return undefined;
    this.#count(record, -1);
    this.#running.set(record.seq, record);
    if (record.stop !== undefined) {
      if (record.stop.background) this.#backgroundRunsOn = true;
      this.#process?.guardedRunningOn(1);
    }
    return record;
  }

  /** The late answer to task `seq`, running on here: the task, which leaves; undefined if it is not here. */
  settleRunning(seq: number): TaskRecord | undefined {
    const record = this.#running.get(seq);
    if (record === undefined) return undefined;
    this.#running.delete(seq);
    record.worker = undefined;
    if (record.stop !== undefined) {
      if (record.stop.background) this.#backgroundRunsOn = false;
      this.#process?.guardedRunningOn(-1);
    }
    if (this.#graces.size > 0) this.#endGrace(seq);
    return record;
  }

  /**
   * Task `seq`, aborted, runs here: its signal has been told to abort (see TaskAborts.abort). If the worker
   * has not answered it `ms` from now, `stop` is called; until then the worker takes no new work. With `ms`
   * 0, it is called at once, as soon as the answers that have already arrived are read (in this turn of the
   * event loop, after its poll phase), unless one of them answers the task.
   */
  graceThenStop(seq: number, ms: number, stop: () => void): void {
    if (this.#graces.has(seq)) return;
    const end = (): void => {
      this.#graces.delete(seq);
      if ((this.#answered <= seq || this.#running.has(seq)) && !this.stopping) {
        // A process may have ended the task since its stash file showed it running, its answer held behind
        // the next tasks of its batch (see ProcessStops.goneOn): then it is not stopped for it.
        if (!this.#running.has(seq) && this.#process?.goneOn(seq) === true) return;
        this.#stoppingFor(seq);
        stop();
      }
    };
    // "At once" is after the answers that have already arrived are read (setImmediate runs once the loop has
    // polled its channels): a task that finished as it was aborted (a tiny task that timed out during its
    // round trip, say) then keeps its worker, which would otherwise be stopped and started again for nothing.
    const timer = ms <= 0 ? immediate(end) : after(ms, end);
    // The worker running the task keeps the program alive; its grace need not.
    timer.unref();
    this.#graces.set(seq, timer);
  }

  #stoppingFor(seq: number): void {
    this.#stoppedForTask = seq;
    this.#stoppedForRunningOn = this.#running.has(seq);
  }

  /**
   * Tells task `seq`, aborted (its future failed with the reason), to stop through its signal, if it is
   * still here.
   */
  askToStop(seq: number): void {
    const running = this.#running.get(seq);
    if (running !== undefined) {
      if (running.done()) this.#handle!.tell({ type: 'abort', seq, reason: toSendableWire(failureOf(running)) });
      return;
    }
    for (let i = 0; i < this.#inflight.length; i++) {
      const record = this.#inflight.at(i)!;
      if (record.seq < seq) continue;
      if (record.seq === seq && record.done()) {
        this.#handle!.tell({ type: 'abort', seq, reason: toSendableWire(failureOf(record)) });
      }
      return;
    }
  }

  /**
   * The reason its tasks were asked to stop (see {@link askAllToStop}), if they were. A process task asked so
   * before it began is skipped by the child, and its future, not failed by the ask, fails with it.
   */
  get stopAsked(): StopAsked | undefined {
    return this.#stopAsked;
  }

  /**
   * Tells every task here that may be running to stop through its signal, with `reason` (shutdown with
   * cancelFutures); the tasks are not failed, and no grace starts: they settle as they do (see {@link stopAsked}).
   */
  askAllToStop(reason: unknown): void {
    // One still starting runs nothing yet: the task it was sent (see takesFirstTask) would take the abort
    // before it began and be skipped, where it is to run as sent.
    if (this.stopping || this.held === 0 || this.#state === WorkerState.STARTING) return;
    this.#stopAsked = { reason, until: this.#nextSeq };
    const wire = toSendableWire(reason);
    for (const record of this.#running.values()) {
      if (!record.done()) this.#handle!.tell({ type: 'abort', seq: record.seq, reason: wire });
    }
    for (let i = 0; i < this.#inflight.length; i++) {
      const record = this.#inflight.at(i)!;
      if (!record.done() && this.begun(record.seq)) this.#handle!.tell({ type: 'abort', seq: record.seq, reason: wire });
    }
  }

  #endGrace(seq: number): void {
    const timer = this.#graces.get(seq);
    if (timer === undefined) return;
    timer.clear();
    this.#graces.delete(seq);
  }

  #endGraces(): void {
    for (const timer of this.#graces.values()) timer.clear();
    this.#graces.clear();
  }

  #count(record: TaskRecord, sign: 1 | -1): void {
    const ns = record.expectedNs;
    if (ns < 0) this.#untimed += sign;
    else this.#expectedMs += (sign * ns) / 1e6;
    // No drift from adding and removing fractions.
    if (this.#inflight.length === 0) this.#expectedMs = 0;
  }

  /**
   * Takes back up to `max` tasks not started yet, newest first and newer than task `after`, so they can be
   * queued again.
   */
  takeBack(max: number, after = -1): TaskRecord[] {
    const taken: TaskRecord[] = [];
    if (this.#claims === undefined) return taken;
    // From the newest back: the worker claims in order, so once one is claimed all older ones are too.
    while (taken.length < max && this.#inflight.length > 0 && this.#inflight.peekLast()!.seq > after) {
      const newest = this.#inflight.peekLast()!;
      // Cancelled while here: already revoked (its budget given back then), so it goes, and is not queued again.
      if (!newest.cancelled()) {
        // A task whose transfer list was posted cannot be sent again: its buffers and ports moved to this
        // worker and are empty here. It stays, and so do the older ones.
        if (newest.transfer !== undefined || !this.#claims.revoke(newest.seq)) break;
        taken.push(newest);
      }
      this.#inflight.pop();
      this.#count(newest, -1);
      newest.worker = undefined;
    }
    this.#refund(taken.length);
    return taken;
  }

  /**
   * Hands over every task it holds, oldest first: the tasks it ran on in the background, then those in flight
   * (which leave its list): it has exited, or the pool broke. None is this worker's any more; the ones running
   * on stay known to {@link mayHaveBegun}.
   */
  takeAll(): TaskRecord[] {
    const inflight = this.#inflight.drain();
    const taken = this.#running.size === 0 ? inflight : [...this.#running.values(), ...inflight];
    for (const record of taken) record.worker = undefined;
    return taken;
  }

  /**
   * Gives back the budget of `count` tasks sent here that will not run here (taken back or cancelled), so
   * only tasks it runs count towards `maxTasksPerWorker`; a worker that retired for them takes work again.
   */
  #refund(count: number): void {
    if (count === 0) return;
    this.#budget += count;
    if (this.#state === WorkerState.RETIRING) this.#state = WorkerState.READY;
  }

  /**
   * It has nothing in flight: it no longer keeps the program alive. Returns whether it has retired (spent
   * its budget), and should stop.
   */
  idle(): boolean {
    this.#handle!.unref();
    this.#clearIdleTimer();
    return this.#state === WorkerState.RETIRING;
  }

  /** Calls `onTimeout` if it is still idle `ms` from now (the timer does not keep the program alive). */
  stopWhenIdleFor(ms: number, onTimeout: () => void): void {
    const timer = after(ms, () => {
      this.#idleTimer = undefined;
      if (this.held === 0) onTimeout();
    });
    timer.unref();
    this.#idleTimer = timer;
  }

  #clearIdleTimer(): void {
    this.#idleTimer?.clear();
    this.#idleTimer = undefined;
  }

  /** -> STOPPING: terminates it, for `reason`. Returns false if it was stopping or gone already. */
  stop(reason: StopReason): boolean {
    if (this.stopping) return false;
    this.#state = WorkerState.STOPPING;
    this.#stoppedFor = reason;
    this.#clearIdleTimer();
    this.#process?.halt();
    this.#endGraces();
    this.#handle!.terminate();
    return true;
  }

  /** -> STOPPING, even if stopping already: terminateWorkers() / killWorkers() signal it again. */
  terminate(signal: 'SIGTERM' | 'SIGKILL'): void {
    this.#state = WorkerState.STOPPING;
    this.#clearIdleTimer();
    this.#handle!.terminate(signal);
  }

  /** It is dying of an error raised outside any task: its last word. */
  dying(word: LastWord): void {
    this.#died = word;
  }

  /** -> EXITED. Returns whether it had started (said it was ready) before. */
  exited(): boolean {
    const started = this.#state !== WorkerState.STARTING;
    this.#state = WorkerState.EXITED;
    this.#clearIdleTimer();
    this.#process?.halt();
    this.#endGraces();
    return started;
  }

  /**
   * Task `record`, sent here, was aborted and may be running: the seq of the stopped task the worker runs
   * now, if it must be stopped for it (once its grace is over, see {@link graceThenStop}), else -1. A process:
   * see {@link ProcessStops.aborted} (`stop` is called if a later look at its stash file finds it begun). A
   * thread: the tasks after `record` it has not claimed are taken back into `requeue`; if it has claimed one,
   * `record` had finished and the worker goes on.
   */
  abortedTask(record: TaskRecord, requeue: (taken: TaskRecord[]) => void, stop: (seq: number) => void): number {
    if (this.stopping) return -1;
    // Running on in the background: it runs now, and the tasks around it are no business of its abort.
    if (this.#running.get(record.seq) === record) return record.seq;
    if (this.#process !== undefined) return this.#process.aborted(record.seq, this.#inflight.peek() === record, stop);
    // Newest first from takeBack: queued again oldest first, in the order they were submitted.
    requeue(this.takeBack(Infinity, record.seq).reverse());
    // What takeBack left after `record` was claimed (so `record` had finished) or carries a transfer list.
    for (let i = this.#inflight.length - 1; i >= 0; i--) {
      const later = this.#inflight.at(i)!;
      if (later === record) break;
      if (later.done()) continue;
      if (this.#claims!.claimed(later.seq)) return -1;
    }
    return record.seq;
  }

  /**
   * After answers, for a process with aborted tasks: the seq of the one it now runs, if it must be stopped for
   * it, else -1 (see {@link ProcessStops.answered}).
   */
  answeredStops(): number {
    return this.#process?.answered() ?? -1;
  }

  /**
   * The worker has exited: the results, from its stash, of the tasks it finished and had not sent (see
   * result-stash.ts, stash-file.ts), as a message of results without busy time; undefined if there are none.
   */
  stashedResults(): ResultsMessage | undefined {
    // However the worker ended (stopped for an aborted task, or dead by process.exit() or out of memory in a
    // task of its batch), its stash is exact: a thread commits each entry once it is whole, a process's file
    // is exact. What it holds that was sent already is skipped below.
    const stashed = this.#process !== undefined ? this.#process.readStash() : readStash(this.#stash!);
    if (stashed === undefined) return undefined;
    // No busy time, and no token: read from the stash, it never came through the channel the token guards
    // (see inbound.ts).
    const results: [...ResultsMessage] = [0, 0];
    for (const [seq, status, value] of stashed) {
      // Sent already (the stash is emptied only after a send), or not next in line.
      if (seq !== this.#answered + answersIn(results)) continue;
      results.push(status, value);
    }
    return results.length > RESULTS_HEADER ? results : undefined;
  }

  /**
   * Whether `record`, held here when the worker died, may have begun, so that it must not run again.
   * A thread worker's claims say exactly. A process that died of an error raised outside any task said in its
   * last message which tasks it had not begun. A process with a stash file marks each task of a guarded batch
   * before it begins it: the last mark says, unless the file says it cannot tell (its marks were kept in
   * memory and not written yet, see stash-file.ts). Otherwise a process that died without a last
   * word (killed by a signal, out of memory, `process.exit()`) cannot say: every task it held may have begun,
   * and fails with it.
   */
  mayHaveBegun(record: TaskRecord): boolean {
    if (this.#running.get(record.seq) === record) return true;
    if (this.#died !== undefined && record.seq < this.#died.unstarted) return true;
    if (this.#claims !== undefined) return this.#claims.claimed(record.seq);
    if (this.#died !== undefined) return false;
    return this.#process!.mayHaveBegun(record.seq, this.#stoppedFor === 'abort', this.#stoppedForRunningOn);
  }
}
