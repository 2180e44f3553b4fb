// A pool you can watch: a dashboard built on the pool's node:diagnostics_channel channels alone (no
// polling of stats()), printing throughput, queue depth, tasks in flight, latency percentiles and worker
// starts and exits while a thread pool works through waves of tasks with a few crashes and timeouts. The
// channels and their payloads are documented in docs/observability.md.
//
//   npm run build && node build/examples/dashboard.js
import dc from 'node:diagnostics_channel';
import { createHistogram } from 'node:perf_hooks';
import { ThreadPoolExecutor, type TaskFinishMessage, type TaskQueuedMessage, type WorkerExitMessage, type WorkerMessage } from 'aiox';
import { isMain } from './lib/main.js';
import { busyFor } from './tasks/busy.js';
import { exitWorker, spinForever } from './tasks/runaway.js';

/** Figures of one pool, kept from its channels' messages. */
class Dashboard {
  readonly #pool: object;
  readonly #startedAt = performance.now();
  /** Tasks queued and not sent to a worker yet, by id. */
  readonly #waiting = new Set<number>();
  /** Tasks sent to a worker and not finished, by id. */
  readonly #inFlight = new Set<number>();
  readonly #outcomes = new Map<string, number>();
  readonly #exits = new Map<string, number>();
  /** Microseconds of the tasks that returned: from submit to result, in the queue, and from send to result. */
  readonly #latency = createHistogram();
  readonly #wait = createHistogram();
  readonly #run = createHistogram();
  #finished = 0;
  #finishedAtLastLine = 0;
  #lastLineAt = this.#startedAt;
  #spawned = 0;
  readonly #unsubscribe: (() => void)[] = [];

  constructor(pool: object) {
    this.#pool = pool;
    this.#on<TaskQueuedMessage>('aiox:task:queued', (m) => this.#waiting.add(m.taskId));
    this.#on<TaskQueuedMessage>('aiox:task:start', (m) => {
      this.#waiting.delete(m.taskId);
      this.#inFlight.add(m.taskId);
    });
    this.#on<TaskFinishMessage>('aiox:task:finish', (m) => {
      this.#waiting.delete(m.taskId);
      this.#inFlight.delete(m.taskId);
      this.#finished += m.items;
      this.#outcomes.set(m.outcome, (this.#outcomes.get(m.outcome) ?? 0) + m.items);
      if (m.outcome !== 'ok') return;
      record(this.#latency, m.totalMs);
      record(this.#wait, m.totalMs !== undefined && m.runMs !== undefined ? m.totalMs - m.runMs : undefined);
      record(this.#run, m.runMs);
    });
    this.#on<WorkerMessage>('aiox:worker:spawn', () => this.#spawned++);
    this.#on<WorkerExitMessage>('aiox:worker:exit', (m) => this.#exits.set(m.reason, (this.#exits.get(m.reason) ?? 0) + 1));
  }

  /** Subscribes to `name`, keeping only this pool's messages. */
  #on<M extends { pool: object }>(name: string, onMessage: (message: M) => void): void {
    const subscriber = (message: unknown): void => {
      if ((message as M).pool === this.#pool) onMessage(message as M);
    };
    dc.subscribe(name, subscriber);
    this.#unsubscribe.push(() => dc.unsubscribe(name, subscriber));
  }

  /** One line of figures: since the start, and the rate since the last line. */
  line(): string {
    const now = performance.now();
    const rate = ((this.#finished - this.#finishedAtLastLine) * 1000) / Math.max(1, now - this.#lastLineAt);
    this.#finishedAtLastLine = this.#finished;
    this.#lastLineAt = now;
    const exited = [...this.#exits.values()].reduce((a, b) => a + b, 0);
    return [
      `${((now - this.#startedAt) / 1000).toFixed(1).padStart(5)} s`,
      `done ${String(this.#finished).padStart(5)}`,
      `${String(Math.round(rate)).padStart(6)}/s`,
      `queue ${String(this.#waiting.size).padStart(4)}`,
      `in flight ${String(this.#inFlight.size).padStart(3)}`,
      `workers +${this.#spawned} -${exited}`,
      `wait p50 ${ms(this.#wait.percentile(50))}`,
      `run p50 ${ms(this.#run.percentile(50))} p99 ${ms(this.#run.percentile(99))}`,
    ].join(' │ ');
  }

  summary(): string {
    const seconds = (performance.now() - this.#startedAt) / 1000;
    const counts = (map: Map<string, number>): string => [...map].map(([key, n]) => `${key} ${n}`).join(', ');
    return [
      `tasks:      ${this.#finished} in ${seconds.toFixed(1)} s, ${Math.round(this.#finished / seconds)}/s (${counts(this.#outcomes)})`,
      `latency:    of the tasks that returned, p50 / p90 / p99 / max`,
      `  total     ${percentiles(this.#latency)}   (submit to result)`,
      `  wait      ${percentiles(this.#wait)}   (in the queue)`,
      `  run       ${percentiles(this.#run)}   (sent to the worker until the result)`,
      `workers:    ${this.#spawned} started, exits by reason: ${counts(this.#exits)}`,
    ].join('\n');
  }

  close(): void {
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }
}

/** Records milliseconds in a histogram of microseconds (whose lowest value is 1). */
function record(histogram: ReturnType<typeof createHistogram>, ms: number | undefined): void {
  if (ms !== undefined) histogram.record(Math.max(1, Math.round(ms * 1000)));
}

/** Microseconds from a histogram as milliseconds. */
function ms(micros: number): string {
  return `${(micros / 1000).toFixed(1).padStart(6)} ms`;
}

function percentiles(histogram: ReturnType<typeof createHistogram>): string {
  return [50, 90, 99].map((p) => ms(histogram.percentile(p))).join(' / ') + ' / ' + ms(histogram.max);
}

export async function dashboard(): Promise<void> {
  // Small maxTasksPerWorker and idleTimeout so that workers come and go during the run.
  const pool = new ThreadPoolExecutor({ maxWorkers: 3, maxTasksPerWorker: 250, idleTimeout: 200 });
  const board = new Dashboard(pool);
  const ticker = setInterval(() => console.log(board.line()), 250);
  console.log('Three waves of 600 tasks of 0.2 to 2 ms on 3 worker threads, each with a crash and an aborted runaway task');
  try {
    for (let wave = 0; wave < 3; wave++) {
      // A runaway task, stopped by its signal 50 ms after it announces that it spins (its worker is replaced).
      const announce = new Int32Array(new SharedArrayBuffer(4));
      const stop = new AbortController();
      const tasks: Promise<unknown>[] = [pool.submitWith(spinForever, [announce], { signal: stop.signal }), pool.submit(exitWorker, 1)];
      for (let i = 0; i < 600; i++) tasks.push(pool.submit(busyFor, 0.2 + (i % 10) * 0.2));
      await Atomics.waitAsync(announce, 0, 0).value;
      setTimeout(() => stop.abort(new Error('stopped')), 50);
      await Promise.allSettled(tasks);
      // A pause: the workers above what the next wave needs go idle and stop.
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  } finally {
    await pool.shutdown();
    clearInterval(ticker);
  }
  console.log(board.line());
  console.log(board.summary());
  board.close();
}

if (isMain(import.meta.url)) await dashboard();
