// The pool's node:diagnostics_channel channels, as undici publishes its own: public API, documented in
// docs/observability.md. The engine calls a publisher here only after checking the channel's
// `hasSubscribers`, so with no subscriber nothing is built, looked up or timed.
import { channel } from 'node:diagnostics_channel';
import { fnIdOf } from '../wire/protocol.js';
import type { TaskRecord } from './task-record.js';
import type { TaskTable } from './task-table.js';
import type { WorkerSlot } from './worker-slot.js';

/** Published once per task when it enters the pool's queue: {@link TaskQueuedMessage}. */
export const taskQueuedChannel = channel('aiox:task:queued');
/** Published each time a task is sent to a worker: {@link TaskStartMessage}. */
export const taskStartChannel = channel('aiox:task:start');
/** Published once per task when its future settles: {@link TaskFinishMessage}. */
export const taskFinishChannel = channel('aiox:task:finish');
/** Published when the pool starts a worker: {@link WorkerMessage}. */
export const workerSpawnChannel = channel('aiox:worker:spawn');
/** Published when a worker is ready for work (its initializer, if any, has run): {@link WorkerReadyMessage}. */
export const workerReadyChannel = channel('aiox:worker:ready');
/** Published when a worker has exited: {@link WorkerExitMessage}. */
export const workerExitChannel = channel('aiox:worker:exit');

/**
 * `aiox:task:queued`, and what every task message carries. Times are `performance.now()` milliseconds.
 * @example
 * ```ts
 * import dc from 'node:diagnostics_channel';
 * import type { TaskQueuedMessage } from 'aiox';
 * let submitted = 0;
 * dc.subscribe('aiox:task:queued', (message) => void (submitted += (message as TaskQueuedMessage).items));
 * ```
 */
export interface TaskQueuedMessage {
  /** The executor (`ThreadPoolExecutor` or `ProcessPoolExecutor`) that published it: compare by identity. */
  readonly pool: object;
  readonly kind: 'thread' | 'process';
  /** A number unique in the program, given to the task when one of the task channels first sees it. */
  readonly taskId: number;
  /** The task function's name (a source function without a name: `''`). */
  readonly name: string;
  /** 1, or the number of items of a `map` chunk, which travels and finishes as one task. */
  readonly items: number;
  /** When it was submitted; undefined if no task channel had a subscriber then. */
  readonly queuedAt: number | undefined;
}

/**
 * `aiox:task:start`: the task was sent to worker `workerId`. Tasks travel in batches and a worker runs a
 * batch in order, so a task may wait in its worker behind the ones sent with it. A process task counts as
 * running from here; a thread task not begun yet can still be taken back by the pool (and sent to another
 * worker, publishing this again) or cancelled.
 * @example
 * ```ts
 * import dc from 'node:diagnostics_channel';
 * import type { TaskStartMessage } from 'aiox';
 * dc.subscribe('aiox:task:start', (message) => {
 *   const { name, workerId, waitMs } = message as TaskStartMessage;
 *   if (waitMs !== undefined && waitMs > 1000) console.warn(`${name} waited ${waitMs} ms for worker ${workerId}`);
 * });
 * ```
 */
export interface TaskStartMessage extends TaskQueuedMessage {
  readonly workerId: number;
  readonly startedAt: number;
  /** `startedAt - queuedAt`: its wait in the pool's queue; undefined without `queuedAt`. */
  readonly waitMs: number | undefined;
}

/**
 * How a task ended: `'ok'` (it returned), `'error'` (it threw, its worker died, the pool broke or was
 * stopped, its arguments could not be sent), `'cancelled'` (cancelled before it began), `'aborted'` (its
 * signal or timeout, or the pool's own signal, stopped it).
 * @example
 * ```ts
 * import type { TaskOutcome } from 'aiox';
 * const counts: Record<TaskOutcome, number> = { ok: 0, error: 0, cancelled: 0, aborted: 0 };
 * ```
 */
export type TaskOutcome = 'ok' | 'error' | 'cancelled' | 'aborted';

/**
 * `aiox:task:finish`: the task's future has settled (or, for `'cancelled'`, is being cancelled).
 * @example
 * ```ts
 * import dc from 'node:diagnostics_channel';
 * import { createHistogram } from 'node:perf_hooks';
 * import type { TaskFinishMessage } from 'aiox';
 * const latency = createHistogram(); // microseconds
 * dc.subscribe('aiox:task:finish', (message) => {
 *   const { outcome, totalMs } = message as TaskFinishMessage;
 *   if (outcome === 'ok' && totalMs !== undefined) latency.record(Math.max(1, Math.round(totalMs * 1000)));
 * });
 * ```
 */
export interface TaskFinishMessage extends TaskQueuedMessage {
  readonly outcome: TaskOutcome;
  /** What it threw or failed with (`'error'`), or the abort's reason (`'aborted'`). */
  readonly error?: unknown;
  /** The worker it was last sent to; undefined if it never left the queue. */
  readonly workerId: number | undefined;
  /** When it was last sent to a worker; undefined if it never was, or no task channel had a subscriber then. */
  readonly startedAt: number | undefined;
  readonly finishedAt: number;
  /** `finishedAt - startedAt`: its time in the worker, its wait there behind its batch included. */
  readonly runMs: number | undefined;
  /** `finishedAt - queuedAt`: all its time in the pool. */
  readonly totalMs: number | undefined;
  /**
   * What its worker reported: the run time of the reply that carried its result, shared equally by the tasks
   * that ran in that reply (exact for a reply of one task). Only for `'ok'` and `'error'` answered by a
   * worker.
   */
  readonly workerMs?: number;
}

/**
 * `aiox:worker:spawn`, and what every worker message carries.
 * @example
 * ```ts
 * import dc from 'node:diagnostics_channel';
 * import type { WorkerMessage } from 'aiox';
 * const live = new Set<number>();
 * dc.subscribe('aiox:worker:spawn', (message) => void live.add((message as WorkerMessage).workerId));
 * dc.subscribe('aiox:worker:exit', (message) => void live.delete((message as WorkerMessage).workerId));
 * ```
 */
export interface WorkerMessage {
  /** The executor that published it: compare by identity. */
  readonly pool: object;
  readonly kind: 'thread' | 'process';
  /** Unique within its pool, in the order started. */
  readonly workerId: number;
  /** When it was started (`performance.now()` milliseconds). */
  readonly spawnedAt: number;
}

/**
 * `aiox:worker:ready`.
 * @example
 * ```ts
 * import dc from 'node:diagnostics_channel';
 * import type { WorkerReadyMessage } from 'aiox';
 * dc.subscribe('aiox:worker:ready', (message) => console.log(`worker ready in ${(message as WorkerReadyMessage).startupMs} ms`));
 * ```
 */
export interface WorkerReadyMessage extends WorkerMessage {
  /** Milliseconds from its start to ready: the start-up and the initializer. */
  readonly startupMs: number;
}

/**
 * Why a worker exited: `'idle'` (idle for `idleTimeout` above `minWorkers`), `'maxTasksPerWorker'` (it had
 * run its share), `'abort'` (stopped because it ran an aborted or timed-out task), `'crash'` (it died, or
 * exited, without being told to), `'broken'` (stopped because the pool broke), `'shutdown'` (stopped by
 * `shutdown()`, `terminateWorkers()`, `killWorkers()` or the pool's signal).
 * @example
 * ```ts
 * import type { WorkerExitReason } from 'aiox';
 * const unexpected = (reason: WorkerExitReason): boolean => reason === 'crash';
 * ```
 */
export type WorkerExitReason = 'idle' | 'maxTasksPerWorker' | 'abort' | 'crash' | 'broken' | 'shutdown';

/**
 * `aiox:worker:exit`.
 * @example
 * ```ts
 * import dc from 'node:diagnostics_channel';
 * import type { WorkerExitMessage, WorkerExitReason } from 'aiox';
 * const exits = new Map<WorkerExitReason, number>();
 * dc.subscribe('aiox:worker:exit', (message) => {
 *   const { reason, code, signal } = message as WorkerExitMessage;
 *   exits.set(reason, (exits.get(reason) ?? 0) + 1);
 *   if (reason === 'crash') console.error(`a worker crashed: code ${code}, signal ${signal}`);
 * });
 * ```
 */
export interface WorkerExitMessage extends WorkerMessage {
  readonly reason: WorkerExitReason;
  /** The exit code (a process's, or a thread's `process.exit()` code); null when killed by a signal. */
  readonly code: number | null;
  /** The signal that killed a process; null for a thread and an exit by code. */
  readonly signal: NodeJS.Signals | null;
  /** What it died of, for a `'crash'` when known: the error raised outside any task, or the start's failure. */
  readonly error?: unknown;
  /** Milliseconds it was alive. */
  readonly aliveMs: number;
}

/** The pool the engine publishes for. */
export interface Publisher {
  readonly pool: object;
  readonly kind: 'thread' | 'process';
  readonly tasks: TaskTable;
}

/** What the task channels know of a task between its messages; kept only while one has a subscriber. */
interface Trace {
  readonly taskId: number;
  readonly queuedAt: number | undefined;
  startedAt: number | undefined;
  workerId: number | undefined;
}

let nextTaskId = 1;
const traces = new WeakMap<TaskRecord, Trace>();

function traceOf(record: TaskRecord, queuedAt?: number): Trace {
  let trace = traces.get(record);
  if (trace === undefined) {
    trace = { taskId: nextTaskId++, queuedAt, startedAt: undefined, workerId: undefined };
    traces.set(record, trace);
  }
  return trace;
}

function taskMessage(from: Publisher, record: TaskRecord, trace: Trace): TaskQueuedMessage {
  return {
    pool: from.pool,
    kind: from.kind,
    taskId: trace.taskId,
    name: from.tasks.descriptor(fnIdOf(record.code)).name,
    items: record.items,
    queuedAt: trace.queuedAt,
  };
}

/** Whether a task submitted now is traced: a task channel has a subscriber. */
export function tracing(): boolean {
  return taskQueuedChannel.hasSubscribers || taskStartChannel.hasSubscribers || taskFinishChannel.hasSubscribers;
}

/** `record` was queued: starts its trace, publishes `aiox:task:queued`. */
export function publishQueued(from: Publisher, record: TaskRecord): void {
  const trace = traceOf(record, performance.now());
  if (taskQueuedChannel.hasSubscribers) taskQueuedChannel.publish(taskMessage(from, record, trace));
}

/** `batch` is being sent to `worker`: publishes `aiox:task:start` for each task. */
export function publishStart(from: Publisher, batch: readonly TaskRecord[], worker: WorkerSlot): void {
  const now = performance.now();
  for (const record of batch) {
    const trace = traceOf(record);
    trace.startedAt = now;
    trace.workerId = worker.id;
    const waitMs = trace.queuedAt === undefined ? undefined : now - trace.queuedAt;
    taskStartChannel.publish({ ...taskMessage(from, record, trace), workerId: worker.id, startedAt: now, waitMs } satisfies TaskStartMessage);
  }
}

/** `record`'s future has settled: publishes `aiox:task:finish`. `workerMs` as the worker reported it. */
export function publishFinish(from: Publisher, record: TaskRecord, outcome: TaskOutcome, error: unknown, workerMs?: number): void {
  const trace = traceOf(record);
  traces.delete(record);
  const now = performance.now();
  const message: TaskFinishMessage = {
    ...taskMessage(from, record, trace),
    outcome,
    ...(outcome === 'error' || outcome === 'aborted' ? { error } : {}),
    workerId: trace.workerId,
    startedAt: trace.startedAt,
    finishedAt: now,
    runMs: trace.startedAt === undefined ? undefined : now - trace.startedAt,
    totalMs: trace.queuedAt === undefined ? undefined : now - trace.queuedAt,
    ...(workerMs === undefined ? {} : { workerMs }),
  };
  taskFinishChannel.publish(message);
}

function workerMessage(from: Pick<Publisher, 'pool' | 'kind'>, worker: WorkerSlot): WorkerMessage {
  return { pool: from.pool, kind: from.kind, workerId: worker.id, spawnedAt: worker.startedAt };
}

/** `worker` was started: publishes `aiox:worker:spawn`. */
export function publishSpawn(from: Pick<Publisher, 'pool' | 'kind'>, worker: WorkerSlot): void {
  workerSpawnChannel.publish(workerMessage(from, worker));
}

/** `worker` is ready: publishes `aiox:worker:ready`. */
export function publishReady(from: Publisher, worker: WorkerSlot): void {
  workerReadyChannel.publish({ ...workerMessage(from, worker), startupMs: performance.now() - worker.startedAt } satisfies WorkerReadyMessage);
}

/** `worker` has exited: publishes `aiox:worker:exit`. */
export function publishExit(from: Publisher, worker: WorkerSlot, reason: WorkerExitReason, code: number | null, signal: NodeJS.Signals | null, error: unknown): void {
  const message: WorkerExitMessage = {
    ...workerMessage(from, worker),
    reason,
    code,
    signal,
    ...(error === undefined ? {} : { error }),
    aliveMs: performance.now() - worker.startedAt,
  };
  workerExitChannel.publish(message);
}

/**
 * Why `worker`, now exited, stopped (see {@link WorkerExitReason}); read before its exit is handled.
 * `stoppedBy` names terminateWorkers() / killWorkers() if one ran; `broken`: the pool was broken already.
 */
export function exitReason(worker: WorkerSlot, stoppedBy: string | undefined, broken: boolean): WorkerExitReason {
  const reason = worker.stoppedFor;
  if (reason === 'idle' || reason === 'abort') return reason;
  if (worker.died !== undefined) return 'crash';
  // terminateWorkers() signals a worker without telling it why; anything else untold was not asked to exit.
  if (reason === undefined) return stoppedBy === undefined ? 'crash' : 'shutdown';
  if (worker.budget === 0) return 'maxTasksPerWorker';
  return broken ? 'broken' : 'shutdown';
}
