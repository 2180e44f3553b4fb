import { Deque } from '../internal/deque.js';
import { describe, validateFunction } from '../internal/validate.js';
import type { TaskListener } from '../pool/reports.js';

/**
 * One report of a task, as {@link TaskReports} yields it: a progress value or an event.
 * @example
 * ```ts
 * import type { TaskReport } from 'aiox';
 * const describe = (report: TaskReport<number, string>): string =>
 *   report.kind === 'progress' ? `${Math.round(report.value * 100)}%` : `event: ${report.value}`;
 * console.log(describe({ kind: 'progress', value: 0.5 })); // 50%
 * ```
 */
export type TaskReport<P = unknown, E = unknown> = { readonly kind: 'progress'; readonly value: P } | { readonly kind: 'event'; readonly value: E };

/**
 * Options that listen to a task's reports: what it passes to `progress()` and `emit()` of its context (see
 * {@link currentTask}). Giving any of them is what makes the worker send them: a task nobody listens to sends
 * nothing. Every report the task made before it returned reaches these before its future settles.
 * @example
 * ```ts
 * import { currentTask, ThreadPoolExecutor } from 'aiox';
 * await using pool = new ThreadPoolExecutor();
 * const task = (n: number) => {
 *   for (let i = 1; i <= n; i++) currentTask<number>().progress(i / n); // currentTask is in scope of a function sent as source
 *   return n;
 * };
 * await pool.submitWith(task, [1e6], { onProgress: (done: number) => console.log(`${Math.round(done * 100)}%`) });
 * ```
 */
export interface ReportOptions<P = unknown, E = unknown> {
  /**
   * Called with the task's progress values, on the caller's thread. Latest value wins: the worker sends at
   * most one value every 25 ms per task, and always its last one. @default undefined
   */
  readonly onProgress?: (value: P) => void;
  /** Called with each event the task emits, in order, on the caller's thread. @default undefined */
  readonly onEvent?: (event: E) => void;
  /**
   * A {@link TaskReports} to iterate the reports with `for await`; it ends once the future settles. One
   * `TaskReports` serves one task. @default undefined
   */
  readonly reports?: TaskReports<P, E>;
}

let attach: (reports: TaskReports) => TaskListener;

/**
 * The reports of one task as an async iterable, passed as the `reports` option: yields every progress value
 * and event the worker sent, in order, and ends once the task's future settles (whatever its outcome: await
 * the future for that). Values are kept until read. One consumer, one task.
 * @example
 * ```ts
 * import { currentTask, TaskReports, ThreadPoolExecutor } from 'aiox';
 * await using pool = new ThreadPoolExecutor();
 * const reports = new TaskReports<number, string>();
 * const future = pool.submitWith((n: number) => {
 *   currentTask<number, string>().emit('start');
 *   return n * 2;
 * }, [21], { reports });
 * for await (const report of reports) console.log(report.kind, report.value); // event start
 * console.log(await future); // 42
 * ```
 */
export class TaskReports<P = unknown, E = unknown> implements AsyncIterable<TaskReport<P, E>> {
  static {
    attach = (reports) => reports.#attach();
  }

  readonly #buffer = new Deque<TaskReport<P, E>>();
  #attached = false;
  #ended = false;
  #wake: (() => void) | undefined = undefined;

  #attach(): TaskListener {
    if (this.#attached) throw new TypeError('reports is in use by another task already: make one TaskReports per task');
    this.#attached = true;
    return {
      report: (kind, value) => {
        this.#buffer.push({ kind, value } as TaskReport<P, E>);
        this.#notify();
      },
      end: () => {
        this.#ended = true;
        this.#notify();
      },
    };
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<TaskReport<P, E>> {
    for (;;) {
      const report = this.#buffer.shift();
      if (report !== undefined) {
        yield report;
        continue;
      }
      if (this.#ended) return;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }
}

/** Listening options as the executors take them: {@link ReportOptions}, or map's (whose callbacks take an index). */
export interface Listening {
  readonly onProgress?: ((value: never, index: number) => void) | undefined;
  readonly onEvent?: ((event: never, index: number) => void) | undefined;
  readonly reports?: TaskReports<unknown, unknown> | undefined;
}

/** Whether `options` listen to the task's reports. */
export function listens(options: Listening): boolean {
  return options.onProgress !== undefined || options.onEvent !== undefined || options.reports !== undefined;
}

/**
 * The engine's listener for `options` (see {@link listens}), validated. `index`, for a map chunk, turns the
 * item of the chunk that reported into the index of its input item, passed on as the callbacks' second
 * argument.
 * @throws {TypeError} for a callback that is not a function, or a `reports` that is not a TaskReports or is in use.
 */
export function listenerOf(options: Listening, index?: (item: number) => number): TaskListener {
  const { onProgress, onEvent, reports } = options;
  if (onProgress !== undefined) validateFunction(onProgress, 'onProgress');
  if (onEvent !== undefined) validateFunction(onEvent, 'onEvent');
  if (reports !== undefined && !(reports instanceof TaskReports)) throw new TypeError(`reports must be a TaskReports, received ${describe(reports)}`);
  const iterated = reports === undefined ? undefined : attach(reports);
  const call = onProgress as ((value: unknown, index?: number) => void) | undefined;
  const emit = onEvent as ((value: unknown, index?: number) => void) | undefined;
  return {
    report: (kind, value, item) => {
      // The iterable first: a callback that throws must not cost it the report.
      iterated?.report(kind, value, item);
      const callback = kind === 'progress' ? call : emit;
      if (callback === undefined) return;
      if (index === undefined) callback(value);
      else callback(value, index(item));
    },
    end: () => iterated?.end(),
  };
}
