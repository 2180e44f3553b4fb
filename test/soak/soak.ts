import { getEventListeners } from 'node:events';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BrokenExecutor, TimeoutError, type Future, type PoolStats } from 'aiox';
import { makePool, type Kind } from '../executors/pools.js';
import { nextTurn } from '../fixtures/settle.js';
import { soakCrash, soakLate, soakOk, soakSpin, soakThrow } from '../fixtures/soak-tasks.js';

/**
 * The soak: many tasks with a mix of outcomes (a result, a throw, a crash, an abort, a timeout, an error raised
 * after the task returned) over one pool, checking that every future settles exactly once with the outcome
 * its task was meant to have, that the pool returns to idle, and that nothing is left behind: no worker, no
 * handle or timer, no abort listener. `npm test` runs a small one; `npm run soak` a long one (see cli.ts).
 */

/** What a soak task does. */
export const OUTCOMES = ['ok', 'throw', 'crash', 'abort', 'timeout', 'late'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Relative weights of the outcomes; they need not add up to 1. */
export type SoakMix = Readonly<Record<Outcome, number>>;

/** The fault mix of the issue that asked for the soak: 2% crash, 3% abort, 2% timeout, plus throws and late errors. */
export const DEFAULT_MIX: SoakMix = { ok: 0.89, throw: 0.03, crash: 0.02, abort: 0.03, timeout: 0.02, late: 0.01 };

export interface SoakOptions {
  readonly kind: Kind;
  readonly tasks: number;
  readonly mix?: SoakMix;
  /** Seed of the choice of outcomes and abort times: the same seed gives the same sequence of tasks. */
  readonly seed?: number;
  readonly maxWorkers?: number;
  /** Most tasks submitted and not yet settled at once. */
  readonly window?: number;
  /** The `timeout` of the tasks meant to time out, in ms. */
  readonly taskTimeout?: number;
}

export interface SoakReport {
  readonly kind: Kind;
  readonly tasks: number;
  readonly ms: number;
  /** How many tasks of each outcome were submitted. */
  readonly submitted: Readonly<Record<Outcome, number>>;
  /** Tasks that failed because a late error ended their worker while they ran, with that error as cause. */
  readonly victims: number;
  /** Late errors the pool reported through `onWorkerError` (some never fire: their worker is stopped first). */
  readonly reported: number;
  /** Every way the run broke a promise of the pool; empty when all held. */
  readonly problems: readonly string[];
  readonly statsAfter: PoolStats;
}

/** A small seeded generator (mulberry32): soaks are reproducible from their seed. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function picker(mix: SoakMix, random: () => number): () => Outcome {
  const total = OUTCOMES.reduce((sum, o) => sum + mix[o], 0);
  return () => {
    let r = random() * total;
    for (const outcome of OUTCOMES) {
      r -= mix[outcome];
      if (r < 0) return outcome;
    }
    return 'ok';
  };
}

const CRASH_CODE = 70;
const LATE_MESSAGE = /^raised after task \d+ returned$/;

/**
 * The process's live handles and timers, by kind, as a sorted list: equal lists mean nothing was left behind.
 * Requests (`CloseReq`, `FSReqCallback`, ...) are left out: they are in flight for a moment, not held.
 */
export function liveResources(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((kind) => !/Req(Callback|Wrap)?$/.test(kind))
    .sort();
}

/**
 * The live resources once those that are closing have closed: a child process's handles leave the list a
 * few turns of the event loop after its exit was reported. Waits at most `turns` turns for `expected`.
 */
export async function resourcesAfterClosing(expected: readonly string[], turns = 100): Promise<string[]> {
  let live = liveResources();
  for (let i = 0; i < turns && live.join() !== expected.join(); i++) {
    await nextTurn();
    live = liveResources();
  }
  return live;
}

/** Runs one soak on a fresh pool and shuts the pool down. */
export async function soak(options: SoakOptions): Promise<SoakReport> {
  const { kind, tasks, mix = DEFAULT_MIX, seed = 1, maxWorkers = 2, window = 64, taskTimeout = 20 } = options;
  const random = seeded(seed);
  const pick = picker(mix, random);
  const problems: string[] = [];
  const problem = (text: string): void => {
    if (problems.length < 50) problems.push(text);
  };
  const submitted: Record<Outcome, number> = { ok: 0, throw: 0, crash: 0, abort: 0, timeout: 0, late: 0 };
  const doneCalls = new Uint8Array(tasks);
  const signals: AbortSignal[] = [];
  let victims = 0;

  const expect = (i: number, outcome: Outcome, ok: boolean, value: unknown, reason: unknown): void => {
    if (!ok && value instanceof BrokenExecutor) {
      // A victim of a late error, which ended its worker while it ran: allowed, if it says so.
      const cause = (value as Error).cause;
      if (cause instanceof Error && LATE_MESSAGE.test(cause.message)) {
        victims++;
        return;
      }
      if (outcome !== 'crash') {
        problem(`task ${i} (${outcome}) failed with ${String(value)} and no late error as its cause`);
        return;
      }
    }
    const fine =
      outcome === 'ok' || outcome === 'late'
        ? ok && value === i
        : outcome === 'throw'
          ? !ok && value instanceof RangeError && value.message === `thrown by task ${i}`
          : outcome === 'crash'
            ? !ok && value instanceof BrokenExecutor && value.message.includes(`code ${CRASH_CODE}`)
            : outcome === 'abort'
              ? !ok && value === reason
              : !ok && value instanceof TimeoutError;
    if (!fine) problem(`task ${i} (${outcome}) ${ok ? 'resolved' : 'rejected'} with ${String(value)}`);
  };

  let reported = 0;
  const onWorkerError = (error: unknown): void => {
    if (error instanceof Error && LATE_MESSAGE.test(error.message)) reported++;
    else problem(`onWorkerError got ${String(error)}, which no task raised`);
  };
  const pool = makePool(kind, { maxWorkers, onWorkerError });
  const started = performance.now();
  await new Promise<void>((allSettled) => {
    let next = 0;
    let settled = 0;
    let inFlight = 0;
    const launch = (): void => {
      while (inFlight < window && next < tasks) {
        inFlight++;
        start(next++);
      }
      if (settled === tasks) allSettled();
    };
    const start = (i: number): void => {
      const outcome = pick();
      submitted[outcome]++;
      let future: Future<unknown>;
      let reason: unknown;
      let abortTimer: NodeJS.Timeout | undefined;
      switch (outcome) {
        case 'ok':
          future = pool.submit(soakOk, i);
          break;
        case 'throw':
          future = pool.submit(soakThrow, i);
          break;
        case 'crash':
          future = pool.submit(soakCrash, CRASH_CODE);
          break;
        case 'late':
          future = pool.submit(soakLate, i);
          break;
        case 'timeout':
          future = pool.submitWith(soakSpin, [], { timeout: taskTimeout });
          break;
        case 'abort': {
          const controller = new AbortController();
          signals.push(controller.signal);
          reason = new Error(`abort of task ${i}`);
          future = pool.submitWith(soakSpin, [], { signal: controller.signal });
          // Some aborts come while the task is queued, some while it runs.
          const delay = Math.floor(random() * 3) * taskTimeout;
          abortTimer = setTimeout(() => controller.abort(reason), delay);
          break;
        }
      }
      future.addDoneCallback(() => {
        doneCalls[i]!++;
      });
      future.then(
        (value) => expect(i, outcome, true, value, reason),
        (error: unknown) => expect(i, outcome, false, error, reason),
      ).finally(() => {
        // A task that failed otherwise (a victim) has no abort to wait for: nothing of the soak's stays behind.
        clearTimeout(abortTimer);
        inFlight--;
        settled++;
        launch();
      });
    };
    launch();
  });
  const ms = performance.now() - started;

  // Done callbacks run before the promise reactions above, so every count is final here.
  for (let i = 0; i < tasks; i++) if (doneCalls[i] !== 1) problem(`task ${i}'s future settled ${doneCalls[i]} times`);
  if (reported > submitted.late) problem(`${reported} late errors reported, from only ${submitted.late} late tasks`);
  if (victims > reported) problem(`${victims} victims of late errors, from only ${reported} late errors reported`);
  const statsAfter = pool.stats();
  if (statsAfter.queued !== 0 || statsAfter.running !== 0) problem(`stats not idle after the soak: ${JSON.stringify(statsAfter)}`);
  const counted = statsAfter.completed + statsAfter.failed + statsAfter.cancelled;
  if (counted !== tasks) problem(`stats count ${counted} settled tasks, not ${tasks}`);
  if (statsAfter.workers > maxWorkers) problem(`${statsAfter.workers} workers, more than maxWorkers ${maxWorkers}`);
  const leftListeners = signals.filter((signal) => getEventListeners(signal, 'abort').length > 0).length;
  if (leftListeners > 0) problem(`${leftListeners} abort signals still have listeners`);
  await pool.shutdown();
  if (pool.stats().workers !== 0) problem(`${pool.stats().workers} workers after shutdown`);
  return { kind, tasks, ms, submitted, victims, reported, problems, statsAfter };
}

/** Collects garbage (exposing `gc` on demand) and returns the heap in use, in bytes. */
export function heapAfterGc(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}
