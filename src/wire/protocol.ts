import type { TaskDescriptor } from '../tasks/task.js';
import type { WireError } from '../tasks/wire-error.js';

/**
 * The messages between the pool engine and a worker, the same for threads and processes.
 *
 * Tasks travel in batches, and both batches and their replies are flat arrays: cloning an array of
 * numbers and arguments is measurably cheaper than cloning objects with named fields, and this is the
 * path every task takes. The worker runs a batch's tasks one after another in order and answers in the
 * same order, so a reply needs no ids: the engine matches results to the oldest tasks it sent that worker.
 * The rare messages (init, ready, init-failed, uncaught) are objects.
 */

/** Given to a worker when it starts. */
export interface WorkerInit {
  readonly initializer: TaskDescriptor | undefined;
  readonly initargs: readonly unknown[];
  /** Thread workers only: the ring of claims (see wire/claims.ts). */
  readonly claims?: SharedArrayBuffer | undefined;
  /** Thread workers only: where results wait before a task that may be stopped (see result-stash.ts). */
  readonly stash?: SharedArrayBuffer | undefined;
  /** Process workers only, when the platform allows: the same in a file, this descriptor (see stash-file.ts). */
  readonly stashFd?: number | undefined;
  /**
   * Process workers only: the parent's reaper (pool/orphan-reaper.ts) kills this child if the parent dies, so
   * the child starts its watchdog thread (worker/orphan-watchdog.ts) only for its stash file, once that pays.
   */
  readonly reaped?: boolean | undefined;
  /** What the worker does with an error raised outside any task's call (see {@link UncaughtMessage}). */
  readonly uncaughtErrors: UncaughtErrors;
  /**
   * Sent back in every message of results. Task code can post on its worker's channel too; a message of
   * results without the token is not the runtime's, so it cannot answer (and shift) the worker's tasks.
   */
  readonly token: number;
  /** The worker's number in its pool, which a task's context shows (see TaskContext.worker). */
  readonly worker?: number | undefined;
  /**
   * Most async tasks the worker runs at once (the pool's `concurrentTasksPerWorker`); 1 or absent: one task
   * at a time. Above 1, an async task goes on in the background and is answered with {@link RESULT_RUNNING},
   * then by a {@link LateResultsMessage} once it settles.
   */
  readonly concurrency?: number | undefined;
}

/**
 * The policy for an error raised in a worker outside any task's own call: `'exit'` keeps Node's default
 * (the error is fatal to the worker), `'report'` lets the worker go on. Either way the worker reports it.
 */
export type UncaughtErrors = 'exit' | 'report';

/**
 * A task's function as a batch names it: its `fnId` (the number the pool's task table gave the function,
 * see pool/task-table.ts), plus {@link LISTENED} when the caller listens to the task's reports (progress and
 * events), or the one's complement of that (`-(n + 1)`) for a map chunk, whose args are a list of argument
 * lists. The flag lives in the code so that a task nobody listens to costs nothing more on the wire.
 */
export type TaskCode = number;

/** Set in a {@link TaskCode} (before the complement of a chunk's) when the caller listens to the task's reports. */
export const LISTENED = 2 ** 26;
const FN_ID = LISTENED - 1;

/** The {@link TaskCode} of a call of function `fnId`, or of a chunk of its calls; `listened`: see {@link LISTENED}. */
export function taskCode(fnId: number, chunk: boolean, listened = false): TaskCode {
  const code = listened ? fnId | LISTENED : fnId;
  return chunk ? ~code : code;
}

/** The function a {@link TaskCode} names. */
export function fnIdOf(code: TaskCode): number {
  return (code < 0 ? ~code : code) & FN_ID;
}

/** Whether the caller listens to the reports of the task a {@link TaskCode} names. */
export function isListened(code: TaskCode): boolean {
  return ((code < 0 ? ~code : code) & LISTENED) !== 0;
}

/** `[fnId, descriptor]` for each task function a worker has not been sent yet. */
export type TaskDefs = readonly (readonly [fnId: number, descriptor: TaskDescriptor])[];

/**
 * A batch of tasks: `[seq, defs, guarded, code, args, code, args, ...]`, each task a {@link TaskCode} and its
 * arguments. `seq` numbers the first task (the others follow one by one); `defs` is 0 when the batch needs no
 * new function; `guarded` is {@link GUARDED} when the engine may stop a task of the batch while it runs, else
 * 0. The pairs cannot be spelled in a tuple type; only the header is checked.
 */
export type RunMessage = readonly [seq: number, defs: TaskDefs | 0, guarded: 0 | typeof GUARDED, ...tasks: unknown[]];
/** Where the tasks of a {@link RunMessage} start. */
export const RUN_HEADER = 3;

/**
 * The seq of the task whose code is at `index` of `batch` (RUN_HEADER, RUN_HEADER + 2, ...); at
 * `batch.length`, the seq that follows the batch's last task.
 */
export function seqAt(batch: RunMessage, index: number): number {
  return batch[0] + (index - RUN_HEADER) / 2;
}
/**
 * A {@link RunMessage}'s `guarded` flag: the engine may stop a task of the batch while it runs, so before
 * each task the worker makes safe the results it holds. A thread copies them to its stash (see
 * result-stash.ts), which the engine reads once it has stopped the worker. A process appends them to its stash
 * file with a mark of the task it begins (see stash-file.ts); without one, it sends them and waits
 * until every result it has posted has left (its send is asynchronous). Stopping a worker in the middle of
 * such a task then loses no finished result, and the engine knows what had begun: on a thread from the
 * claims, on a process from the last mark in its file (without a file, from the answers: every task after the
 * first unanswered one had not begun). Either way the engine guards every batch it sends a process behind a
 * guarded one, so that no task after a guarded one begins unmarked.
 */
export const GUARDED = 1;

/** Sent to a process worker as its first message (a thread gets it as `workerData`). */
export interface InitMessage {
  readonly type: 'init';
  readonly init: WorkerInit;
}

/**
 * Process workers only: a socket, server or dgram socket from a task's `transfer` list, sent alone because
 * IPC passes one handle per message. `id` numbers the handles a worker is sent.
 */
export interface HandleMessage {
  readonly type: 'handle';
  readonly id: number;
}

/**
 * Process workers only: a batch some of whose arguments are handles sent before it. Each handle's place
 * in `run` holds null; `handles` lists `[id, path]`, the path being the keys from `run` down to the place.
 */
export interface RunWithHandlesMessage {
  readonly type: 'run';
  readonly run: RunMessage;
  readonly handles: readonly (readonly [number, readonly (string | number)[]])[];
}

/**
 * Aborts the signal of task `seq` (see TaskContext.signal) if the worker runs it, with `reason`; ignored
 * otherwise. The task may settle by itself after it: this only tells it to stop.
 */
export interface AbortTaskMessage {
  readonly type: 'abort';
  readonly seq: number;
  readonly reason: WireError;
}

export type ToWorker = RunMessage | InitMessage | HandleMessage | RunWithHandlesMessage | AbortTaskMessage;

export const RESULT_OK = 0;
export const RESULT_ERROR = 1;
/** The engine took the task back before it started (see claims.ts); it did not run. */
export const RESULT_SKIPPED = 2;
/**
 * An async task goes on in the background while the worker begins the next ones (see
 * WorkerInit.concurrency): it has begun, and its outcome comes later in a {@link LateResultsMessage}.
 */
export const RESULT_RUNNING = 3;

/** How a task ended: its value, its error (a `WireError`), not run at all, or not yet (running on). */
export type ResultStatus = typeof RESULT_OK | typeof RESULT_ERROR | typeof RESULT_SKIPPED | typeof RESULT_RUNNING;

/**
 * Results of tasks, in the order sent: `[busy, token, status, value, status, value, ...]`, where `busy` is
 * the milliseconds the worker spent on them, `token` the worker's {@link WorkerInit.token}, each status a
 * {@link ResultStatus} and an error's value a `WireError`. As in a batch, only the header is checked.
 */
export type ResultsMessage = readonly [busy: number, token: number, ...results: unknown[]];
/** Where the results of a {@link ResultsMessage} start. */
export const RESULTS_HEADER = 2;

/** How many tasks `results` (a {@link ResultsMessage}, or one being filled) answers: a status and a value each. */
export function answersIn(results: readonly unknown[]): number {
  return (results.length - RESULTS_HEADER) / 2;
}

/**
 * The outcomes of tasks answered {@link RESULT_RUNNING} before, in the order they settled:
 * `results` is `[seq, status, value, seq, status, value, ...]`, each status OK or ERROR.
 */
export interface LateResultsMessage {
  readonly type: 'late';
  readonly token: number;
  readonly results: readonly unknown[];
}

// The control messages carry the worker's token too, as results do (see WorkerInit.token).
export interface ReadyMessage {
  readonly type: 'ready';
  readonly token: number;
}

export interface InitFailedMessage {
  readonly type: 'init-failed';
  readonly token: number;
  readonly error: WireError;
}

/**
 * An error raised in the worker outside any task's own call: thrown from a timer or a callback, or a
 * promise rejected with no handler. With `fatal` it is the worker's last message: it posts nothing after it
 * and exits. `unstarted` numbers the first task the worker had received and not begun (loading a task's
 * module counts as begun); it begins none after it, so every task from there on can run elsewhere. This
 * message is the only extra traffic crash handling needs: nothing is sent per task.
 */
export interface UncaughtMessage {
  readonly type: 'uncaught';
  readonly token: number;
  readonly error: WireError;
  readonly origin: 'uncaughtException' | 'unhandledRejection';
  readonly fatal: boolean;
  readonly unstarted: number;
}

/**
 * A report of task `seq`, which the caller listens to (see {@link LISTENED}): a progress value (coalesced in
 * the worker: latest value wins) or an event (each one sent). `item` numbers the item of a map chunk that
 * reported, from 0; absent for a task that is not a chunk. A task's reports are posted before its result,
 * on the same channel, so they reach the engine first.
 */
export interface ReportMessage {
  readonly type: 'report';
  readonly token: number;
  readonly seq: number;
  readonly kind: 'progress' | 'event';
  readonly value: unknown;
  readonly item?: number;
}

export type FromWorker = ResultsMessage | ReadyMessage | InitFailedMessage | UncaughtMessage | ReportMessage | LateResultsMessage;

/**
 * What a chunk task returns: the values computed, the error that stopped it, if any, and the milliseconds
 * the chunk took in the worker (from which `map` sizes its next chunks).
 */
export interface ChunkResult {
  readonly values: unknown[];
  readonly error?: WireError;
  readonly ms: number;
}
