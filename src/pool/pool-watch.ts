// The pool's events for application code (drain, idle, a worker died) as transitions of the engine's state.
// The engine keeps a PoolWatch only while the executor has a listener for one of them: without one, it costs
// the engine a field read per pump.
import { messageOf } from '../internal/message-of.js';
import type { TaskQueue } from './task-queue.js';
import type { Transport } from './transport.js';
import type { WorkerSlot } from './worker-slot.js';

/**
 * What a worker's unexpected death tells a `workerError` listener, beside the error.
 * @example
 * ```ts
 * import { ThreadPoolExecutor, type WorkerDeathInfo } from 'aiox';
 * await using pool = new ThreadPoolExecutor();
 * pool.on('workerError', (error: Error, { workerId, tasksFailed }: WorkerDeathInfo) => {
 *   console.error(`worker ${workerId} died, failing ${tasksFailed} task(s):`, error.message);
 * });
 * ```
 */
export interface WorkerDeathInfo {
  /** The worker's id, as the `aiox:worker:*` channels give it. */
  readonly workerId: number;
  /** Its exit code; null when killed by a signal. */
  readonly code: number | null;
  /** The signal that killed a process; null for a thread and an exit by code. */
  readonly signal: NodeJS.Signals | null;
  /** Tasks that failed with it (those it had begun); the others it held run on another worker. */
  readonly tasksFailed: number;
}

/** Who hears the transitions: the executor, which emits them. */
export interface PoolListener {
  drain(): void;
  idle(): void;
  workerError(error: Error, info: WorkerDeathInfo): void;
}

/**
 * Turns what the engine sees at each pump into transitions, each reported once: `drain` when the queue, seen
 * holding work, is seen empty; `idle` when the pool, seen busy, is seen with nothing queued and nothing
 * running. The engine pumps after every submit burst, reply, abort, cancellation and exit, so every change
 * is seen.
 */
export class PoolWatch {
  readonly #listener: PoolListener;
  /** The queue has held work since the last `drain`. */
  #queued = false;
  /** Work has been queued or running since the last `idle`. */
  #busy = false;

  constructor(listener: PoolListener, queue: TaskQueue, workers: readonly WorkerSlot[]) {
    this.#listener = listener;
    // Watched from the middle of a run: only transitions from now on are reported.
    this.#queued = queue.live > 0;
    this.#busy = this.#queued || running(workers);
  }

  /** Before a pump: work queued now counts, even if the pump sends it all. */
  pumping(queue: TaskQueue): void {
    if (queue.live === 0) return;
    this.#queued = true;
    this.#busy = true;
  }

  /** After a pump: reports the transitions it made. */
  pumped(queue: TaskQueue, workers: readonly WorkerSlot[]): void {
    if (queue.live > 0) return this.pumping(queue);
    if (this.#queued) {
      this.#queued = false;
      this.#report(() => this.#listener.drain());
    }
    if (running(workers)) this.#busy = true;
    else if (this.#busy) {
      this.#busy = false;
      this.#report(() => this.#listener.idle());
    }
  }

  /** A worker died without being told to. */
  died(error: Error, info: WorkerDeathInfo): void {
    this.#report(() => this.#listener.workerError(error, info));
  }

  /** A listener's exception is the application's bug: raised as an uncaught exception, outside the engine. */
  #report(emit: () => void): void {
    try {
      emit();
    } catch (thrown) {
      process.nextTick(() => {
        throw thrown;
      });
    }
  }
}

/** Whether a worker runs (or holds) a task that is not done. */
function running(workers: readonly WorkerSlot[]): boolean {
  for (const worker of workers) {
    // Mostly the oldest task in flight is the one not done: the walk stops at once.
    for (let i = 0; i < worker.inflight.length; i++) if (!worker.inflight.at(i)!.done()) return true;
    for (const record of worker.runningOn.values()) if (!record.done()) return true;
  }
  return false;
}

/** The error a `workerError` listener gets for a `kind` worker that died (see exitOf for a task's error). */
export function deathError(
  { kind, Broken }: Pick<Transport, 'kind' | 'Broken'>,
  worker: WorkerSlot,
  code: number | null,
  signal: NodeJS.Signals | null,
  cause: unknown,
): Error {
  const died = worker.died;
  const how = died !== undefined ? `died of an error raised outside any task (${died.origin})` : signal !== null ? `was killed by ${signal}` : `exited with code ${code}`;
  const of = cause === undefined ? '' : `: ${messageOf(cause)}`;
  return new Broken(`${kind} worker ${worker.id} ${how}${of}`, cause === undefined ? undefined : { cause });
}
