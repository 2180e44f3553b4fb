import { InvalidStateError } from '../futures/errors.js';

/**
 * What a running task can reach of itself, from {@link currentTask}: who it is, its signal, and a channel
 * back to the caller for progress values (`P`) and events (`E`).
 * @example
 * ```ts
 * import { currentTask, defineTask } from 'aiox';
 * export const crunch = defineTask(import.meta.url, async function crunch(n: number): Promise<number> {
 *   const task = currentTask<number>(); // before the first await
 *   let sum = 0;
 *   for (let i = 0; i < n; i++) {
 *     if (i % 10_000 === 0) {
 *       await new Promise((resolve) => setImmediate(resolve)); // a turn: where an abort reaches the signal
 *       task.signal.throwIfAborted(); // cooperative: stop early when asked, and keep the worker
 *     }
 *     sum += i;
 *     task.progress(i / n); // latest value wins: cheap to call in a tight loop
 *   }
 *   return sum;
 * });
 * ```
 */
export interface TaskContext<P = unknown, E = unknown> {
  /**
   * The task's id, unique in its pool while the pool lives: `'<worker id>.<n>'`. aiox never runs a task
   * that began a second time, so a task has no attempt number: an id is one run.
   */
  readonly id: string;
  /** The worker running the task: its number in the pool, and whether it is a thread or a child process. */
  readonly worker: { readonly id: number; readonly kind: 'thread' | 'process' };
  /**
   * Aborts, with the abort's reason, when the task is stopped while it runs: its caller's signal, its
   * `timeout`, the pool's signal. A task that settles within the pool's `abortGrace` keeps its worker; one
   * that does not is terminated with it. The abort arrives between turns of the worker's event loop (an
   * async task sees it at an `await`; synchronous code cannot). Created on first read, so a task that
   * never looks at it pays nothing.
   */
  readonly signal: AbortSignal;
  /**
   * Reports progress to the caller's `onProgress`, latest value wins: the worker sends at most one value
   * per task every {@link PROGRESS_INTERVAL_MS}, and always the last one before the task's result. A no-op
   * when the caller does not listen.
   * @throws {TypeError} when the value must be sent now and cannot be cloned (see docs/progress-and-events.md).
   */
  progress(value: P): void;
  /**
   * Sends an event to the caller's `onEvent`: every event is sent, in order, one message each. A no-op when
   * the caller does not listen.
   * @throws {TypeError} if the event cannot be cloned.
   */
  emit(event: E): void;
}

/**
 * Milliseconds between two progress messages of one task, at least: values reported in between are
 * coalesced (the last one is sent).
 * @example
 * ```ts
 * import { PROGRESS_INTERVAL_MS } from 'aiox';
 * // A task that runs 1 s and reports in a loop sends about this many progress messages:
 * console.log(Math.ceil(1000 / PROGRESS_INTERVAL_MS) + 1); // 41
 * ```
 */
export const PROGRESS_INTERVAL_MS = 25;

/**
 * A task's declared report types, carried by its type only (see {@link DefinedTask}); never set.
 * @example
 * ```ts
 * import { defineTask, type Reports } from 'aiox';
 * const task = defineTask(import.meta.url, function resize(path: string): string {
 *   return path;
 * }).reports<number, { file: string }>();
 * const declared: Reports<number, { file: string }> = task; // what .reports() adds to its type
 * ```
 */
export interface Reports<P, E> {
  /** Type-level only; never set. */
  readonly __reports?: { readonly progress: P; readonly event: E };
}

/**
 * The progress type a task declares (see {@link DefinedTask}), `unknown` if none.
 * @example
 * ```ts
 * import { defineTask, type EventOf, type ProgressOf } from 'aiox';
 * const scan = defineTask(import.meta.url, function scan(dir: string): number {
 *   return dir.length;
 * }).reports<number, string>();
 * type Progress = ProgressOf<typeof scan>; // number
 * type Event = EventOf<typeof scan>; // string
 * const handlers: { onProgress: (p: Progress) => void; onEvent: (e: Event) => void } = { onProgress: () => {}, onEvent: () => {} };
 * ```
 */
export type ProgressOf<T> = T extends { readonly __reports?: { readonly progress: infer P; readonly event: unknown } } ? P : unknown;
/**
 * The event type a task declares (see {@link DefinedTask}), `unknown` if none.
 * @example
 * ```ts
 * import { defineTask, type EventOf } from 'aiox';
 * const crawl = defineTask(import.meta.url, function crawl(url: string): string {
 *   return url;
 * }).reports<never, { found: string }>();
 * const onEvent = (event: EventOf<typeof crawl>): void => console.log(event.found);
 * ```
 */
export type EventOf<T> = T extends { readonly __reports?: { readonly progress: unknown; readonly event: infer E } } ? E : unknown;

/**
 * Where the task running its synchronous part in this thread is published, shared by every copy of aiox
 * loaded in the thread (the worker's bundle runs the task; the task module imports `aiox`, another copy)
 * through a registered symbol, as import-guard.ts does. The worker runtime fills it.
 */
export interface ContextSlot {
  /** What the thread does now, as far as a task's context goes. */
  state: SlotState;
  /** While RUNNING: the running task's context, made on first call. */
  open: (() => TaskContext) | undefined;
}

export const SlotState = {
  /** No task runs: the main program, or a worker between tasks. */
  NONE: 0,
  /** A task runs its synchronous part (or a step of a generator task). */
  RUNNING: 1,
  /** The worker waits for an async task to settle: code running now is that task after an `await`. */
  AWAITING: 2,
} as const;
export type SlotState = (typeof SlotState)[keyof typeof SlotState];

const KEY = Symbol.for('aiox.task-context');

/** The slot of this thread. */
export function contextSlot(): ContextSlot {
  return ((globalThis as unknown as Record<symbol, ContextSlot | undefined>)[KEY] ??= { state: SlotState.NONE, open: undefined });
}

/**
 * The context of the task running now in this worker: its id, its worker, its `signal`, and `progress()`
 * and `emit()` to talk to the caller. Works in `defineTask` functions and in functions sent as source (they
 * have `currentTask` in scope without importing it; import it for its types only), on threads and
 * processes.
 *
 * Call it in the task's synchronous part: an async task calls it before its first `await` and keeps what it
 * returns (`const task = currentTask()`), which stays valid until the task settles. aiox does not track
 * the task across `await`s (that takes `AsyncLocalStorage`, which makes every promise in the worker about
 * 2.5 times slower), so a call after an `await` throws. A generator task may call it in each step.
 *
 * Pass the task itself (`currentTask(resize)`) or type arguments (`currentTask<number, Stage>()`) to type
 * `progress` and `emit` as the task declares them (see {@link DefinedTask}); the argument is only
 * read for its type.
 * @throws {InvalidStateError} outside a running task, or in an async task after its first `await`.
 * @example
 * ```ts
 * import { currentTask, defineTask } from 'aiox';
 * export const download = defineTask(import.meta.url, async function download(urls: string[]): Promise<number> {
 *   const task = currentTask(download); // before the first await
 *   let bytes = 0;
 *   for (const [i, url] of urls.entries()) {
 *     const body = await (await fetch(url, { signal: task.signal })).arrayBuffer();
 *     bytes += body.byteLength;
 *     task.progress(i + 1);
 *   }
 *   return bytes;
 * }).reports<number>();
 * ```
 */
export function currentTask<P = unknown, E = unknown>(): TaskContext<P, E>;
export function currentTask<T>(task: T): TaskContext<ProgressOf<T>, EventOf<T>>;
export function currentTask(): TaskContext {
  const slot = contextSlot();
  if (slot.state === SlotState.RUNNING) return slot.open!();
  throw new InvalidStateError(
    slot.state === SlotState.AWAITING
      ? 'currentTask() was called after an await of an async task: call it in the task\'s synchronous part, before ' +
          'its first await, and keep what it returns (const task = currentTask()). aiox does not follow a task ' +
          'across awaits, which would need AsyncLocalStorage and slow every promise in the worker'
      : 'currentTask() was called outside a running task: call it inside a task function running on a pool worker ' +
          '(inThread, inProcess, submit, map, generateInThread...)',
  );
}

/**
 * Runs `fn` with `context` as the current task, then puts back what was current. For a task that runs
 * code of its own later (a generator task's steps), so that `currentTask()` works there too.
 */
export function runAsTask<T>(context: TaskContext, fn: () => T): T {
  const slot = contextSlot();
  const { state, open } = slot;
  slot.state = SlotState.RUNNING;
  slot.open = () => context;
  try {
    return fn();
  } finally {
    slot.state = state;
    slot.open = open;
  }
}
