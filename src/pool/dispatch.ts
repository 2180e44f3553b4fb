// The dispatch policy, as decisions that only read: which worker takes the next task, how big a batch,
// whether a task may join the ones a worker holds, which worker gives work back. The engine acts on them.
//
// Each task function's time is learnt from the replies. A busy worker is given more only while the tasks it
// holds are expected to take at most PIPELINE_MS, so a fast stream of tiny tasks keeps it fed through the
// message round trip, while a slow task, or one whose function has not been timed yet, goes to a worker with
// nothing else behind it: nothing waits long behind a slow task, even in a child process, which cannot give
// work back. A function whose tasks were answered RESULT_RUNNING (async, with `concurrentTasksPerWorker` above
// 1) is not timed, but known to free its worker at its first await: its tasks fill a worker's free lanes in
// one batch, rather than one per round trip.
import { CLAIM_RING } from '../wire/claims.js';
import { fnIdOf, type TaskCode } from '../wire/protocol.js';
import { WorkerState, type WorkerSlot } from './worker-slot.js';

export const PIPELINE_MS = 2;
export const MAX_INFLIGHT = 4096;
export const MAX_BATCH = 512;

/**
 * Milliseconds per call of each task function, smoothed from the replies; missing until timed. And which
 * functions run on in the background (see {@link runsOn}).
 */
export class Estimates {
  /** By {@link estimateKey}. */
  readonly #ms: number[] = [];
  /** By {@link estimateKey}: true once a task of the function was answered RESULT_RUNNING. */
  readonly #runsOn: boolean[] = [];

  /** What a task of `code` is expected to take, in ms; NaN while its function has not been timed. */
  of(code: TaskCode): number {
    return this.#ms[estimateKey(code)] ?? Number.NaN;
  }

  /**
   * Whether a task of `code` is expected to run on in the background: one of its function's tasks was
   * answered RESULT_RUNNING, so it takes one of a worker's lanes (see `concurrentTasksPerWorker`) and holds
   * nothing behind it once it awaits.
   */
  runsOn(code: TaskCode): boolean {
    return this.#runsOn[estimateKey(code)] === true;
  }

  /** Learns that a task of `code` was answered RESULT_RUNNING (see {@link runsOn}). */
  learnRunsOn(code: TaskCode): void {
    this.#runsOn[estimateKey(code)] = true;
  }

  /** Learns that the tasks under `key` (see {@link estimateKey}) took `perTask` ms each. */
  learn(key: number, perTask: number): void {
    const old = this.#ms[key];
    this.#ms[key] = old === undefined ? perTask : old * 0.7 + perTask * 0.3;
  }
}

/** Where a task's estimate is kept: a function's single calls and its map chunks apart. */
export function estimateKey(code: TaskCode): number {
  // The same function, listened to or not, is one estimate.
  return 2 * fnIdOf(code) + (code < 0 ? 1 : 0);
}

/**
 * Whether a task expected to take `expected` ms (NaN: not timed yet) may join `held` tasks in flight on a
 * worker, `untimed` of them not timed yet and the others expected to take `expectedMs` in all.
 */
export function mayJoin(untimed: number, expectedMs: number, held: number, expected: number): boolean {
  if (held === 0) return true;
  return untimed === 0 && held < MAX_INFLIGHT && expectedMs + expected <= PIPELINE_MS;
}

/**
 * How many tasks known to run on in the background (see Estimates.runsOn) `worker` may hold: its lanes, and
 * for a thread a quarter more waiting in it for a lane, so that one starts as soon as a lane frees rather than
 * a round trip later. A thread can still give those back (see rebalanceFrom); a process could not.
 */
export function laneLimit(worker: Pick<WorkerSlot, 'concurrency' | 'canWithdraw'>): number {
  return worker.canWithdraw ? worker.concurrency + Math.ceil(worker.concurrency / 4) : worker.concurrency;
}

/**
 * At most how many of `queued` tasks one batch to `worker` takes (at least 1): a fair share among
 * `maxWorkers`, within its budget and the claim ring. A background task goes alone: a batch of one.
 */
export function batchLimit(queued: number, maxWorkers: number, worker: WorkerSlot, background: boolean): number {
  if (background) return 1;
  const limit = Math.min(
    Math.ceil(queued / maxWorkers),
    MAX_BATCH,
    worker.budget,
    // Never more unanswered tasks than the claim ring has cells (taken-back ones are still unanswered).
    CLAIM_RING - worker.unanswered,
  );
  return Math.max(1, limit);
}

/**
 * The worker to take the next task, expected to take `expected` ms (NaN: not timed yet, which only an idle
 * worker takes): an idle one first, else the least loaded one it may join; undefined if none may take it. A
 * task that runs on in the background (`runsOn`, see Estimates.runsOn) goes to the worker holding the fewest
 * tasks among those with nothing waiting in them, else among those with room (see laneLimit).
 */
export function pickWorker(workers: readonly WorkerSlot[], background: boolean, expected: number, runsOn = false): WorkerSlot | undefined {
  let best: WorkerSlot | undefined;
  let bestIdle: WorkerSlot | undefined;
  for (const w of workers) {
    if (!w.accepting) continue;
    if (runsOn && !background && w.concurrency > 1) {
      // One with nothing waiting in it first (what rebalanceFrom counts as idle, so that work it takes back
      // goes there, not back where it was), the fewest held first.
      if (w.load === 0 && (bestIdle === undefined || w.held < bestIdle.held)) bestIdle = w;
      else if (w.held < laneLimit(w) && (best === undefined || w.held < best.held)) best = w;
      continue;
    }
    // A background task needs a worker with nothing else at all, even running on (see WorkerSlot.runOn).
    if (w.load === 0 && (!background || w.held === 0)) return w;
    if (!background && mayJoin(w.untimed, w.expectedMs, w.load, expected) && (best === undefined || w.expectedMs < best.expectedMs)) {
      best = w;
    }
  }
  return bestIdle ?? best;
}

/**
 * In a pool where no worker is up yet (a cold start), a worker still starting to take the task at the head
 * now (`abortable`: it has a signal or a timeout), or undefined. The task waits in the worker's channel and
 * runs once the worker is up, without waiting for the round trip of its `ready`; as long as a worker is up,
 * new workers take work only once ready, so nothing waits for a start-up that a worker up could take. A
 * process takes no abortable task so: what it was sent cannot be taken back, and stopping it before it is
 * ready would break the pool.
 */
export function pickStarting(workers: readonly WorkerSlot[], abortable: boolean): WorkerSlot | undefined {
  let starting: WorkerSlot | undefined;
  for (const w of workers) {
    if (w.spare || w.state === WorkerState.STOPPING) continue;
    if (w.state !== WorkerState.STARTING) return undefined;
    if (starting === undefined && w.takesFirstTask && (w.canWithdraw || !abortable)) starting = w;
  }
  return starting;
}

/**
 * With the queue empty: the worker to take half its unstarted tasks back from, so that nothing waits behind
 * a slow task while a worker has nothing to do. The most loaded one that can give work back and holds at
 * least 2, if some worker is idle; else undefined.
 */
export function rebalanceFrom(workers: readonly WorkerSlot[]): WorkerSlot | undefined {
  let idle: WorkerSlot | undefined;
  let victim: WorkerSlot | undefined;
  for (const w of workers) {
    if (w.accepting && w.load === 0) idle ??= w;
    else if (w.canWithdraw && w.inflight.length >= 2 && (victim === undefined || w.inflight.length > victim.inflight.length)) victim = w;
  }
  return idle === undefined ? undefined : victim;
}

/** Workers that are neither stopping nor a spare: those that run tasks or will. maxWorkers bounds these. */
export function liveWorkers(workers: readonly WorkerSlot[]): number {
  let live = 0;
  for (const w of workers) if (w.state !== WorkerState.STOPPING && !w.spare) live++;
  return live;
}
