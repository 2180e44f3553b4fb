import { Piscina } from 'piscina';
import { FixedClusterPool, FixedThreadPool } from 'poolifier';
import Tinypool from 'tinypool';
import workerpool from 'workerpool';
import { ProcessPoolExecutor, ThreadPoolExecutor, taskRef } from 'aiox';
import { fromRoot, workerPath } from './paths.js';

export type Kind = 'thread' | 'process';

/**
 * One pool under test, reduced to what the scenarios need. Every contender runs the functions of
 * bench/workers/work.cjs, so only the pool differs.
 */
export interface Contender {
  readonly name: string;
  add(a: number, b: number): PromiseLike<number>;
  spin(rounds: number): PromiseLike<number>;
  hold(ms: number): PromiseLike<number>;
  close(): Promise<void>;
}

export interface ContenderFactory {
  readonly name: string;
  readonly kind: Kind;
  create(workers: number): Contender;
}

// aiox loads the very same module the peers' workers import, by reference.
const WORK = fromRoot('bench/workers/work.cjs');
export const addTask = taskRef<(a: number, b: number) => number>(WORK, 'add');
export const incTask = taskRef<(x: number) => number>(WORK, 'inc');
const spinTask = taskRef<(rounds: number) => number>(WORK, 'spin');
export const holdTask = taskRef<(ms: number) => number>(WORK, 'hold');

/** The aiox executor behind a contender, for scenarios that need more than submit (map). */
export type AioxPool = ThreadPoolExecutor | ProcessPoolExecutor;

export function aioxPool(kind: Kind, workers: number): AioxPool {
  return kind === 'thread' ? new ThreadPoolExecutor({ maxWorkers: workers }) : new ProcessPoolExecutor({ maxWorkers: workers });
}

function aiox(kind: Kind): ContenderFactory {
  return {
    name: kind === 'thread' ? 'aiox' : 'aiox (process)',
    kind,
    create(workers) {
      const pool = aioxPool(kind, workers);
      return {
        name: this.name,
        add: (a, b) => pool.submit(addTask, a, b),
        spin: (rounds) => pool.submit(spinTask, rounds),
        hold: (ms) => pool.submit(holdTask, ms),
        close: () => pool.shutdown(),
      };
    },
  };
}

const piscina: ContenderFactory = {
  name: 'piscina',
  kind: 'thread',
  create(workers) {
    const pool = new Piscina({ filename: workerPath('piscina-tinypool.mjs'), minThreads: workers, maxThreads: workers });
    return {
      name: 'piscina',
      add: (a, b) => pool.run({ a, b }, { name: 'add' }) as Promise<number>,
      spin: (rounds) => pool.run({ rounds }, { name: 'spin' }) as Promise<number>,
      hold: (ms) => pool.run({ ms }, { name: 'hold' }) as Promise<number>,
      close: () => pool.destroy(),
    };
  },
};

function tinypool(kind: Kind): ContenderFactory {
  const name = kind === 'thread' ? 'tinypool' : 'tinypool (process)';
  return {
    name,
    kind,
    create(workers) {
      const pool = new Tinypool({
        filename: workerPath('piscina-tinypool.mjs'),
        minThreads: workers,
        maxThreads: workers,
        runtime: kind === 'thread' ? 'worker_threads' : 'child_process',
      });
      return {
        name,
        add: (a, b) => pool.run({ a, b }, { name: 'add' }) as Promise<number>,
        spin: (rounds) => pool.run({ rounds }, { name: 'spin' }) as Promise<number>,
        hold: (ms) => pool.run({ ms }, { name: 'hold' }) as Promise<number>,
        close: () => pool.destroy(),
      };
    },
  };
}

function workerpoolOf(kind: Kind): ContenderFactory {
  const name = kind === 'thread' ? 'workerpool' : 'workerpool (process)';
  return {
    name,
    kind,
    create(workers) {
      const pool = workerpool.pool(workerPath('workerpool.mjs'), { minWorkers: workers, maxWorkers: workers, workerType: kind });
      return {
        name,
        add: (a, b) => pool.exec('add', [a, b]) as PromiseLike<number>,
        spin: (rounds) => pool.exec('spin', [rounds]) as PromiseLike<number>,
        hold: (ms) => pool.exec('hold', [ms]) as PromiseLike<number>,
        close: async () => {
          await pool.terminate();
        },
      };
    },
  };
}

function poolifier(kind: Kind): ContenderFactory {
  const name = kind === 'thread' ? 'poolifier' : 'poolifier (cluster)';
  return {
    name,
    kind,
    create(workers) {
      const pool =
        kind === 'thread'
          ? new FixedThreadPool<unknown, number>(workers, workerPath('poolifier-thread.mjs'))
          : new FixedClusterPool<unknown, number>(workers, workerPath('poolifier-cluster.cjs'));
      return {
        name,
        add: (a, b) => pool.execute({ a, b }, 'add'),
        spin: (rounds) => pool.execute({ rounds }, 'spin'),
        hold: (ms) => pool.execute({ ms }, 'hold'),
        close: () => pool.destroy(),
      };
    },
  };
}

export const AIOX_THREAD = aiox('thread');
export const AIOX_PROCESS = aiox('process');
/** The thread pools aiox is measured against. */
export const THREAD_PEERS: readonly ContenderFactory[] = [piscina, tinypool('thread'), workerpoolOf('thread'), poolifier('thread')];
/** The process pools aiox is measured against. */
export const PROCESS_PEERS: readonly ContenderFactory[] = [workerpoolOf('process'), tinypool('process'), poolifier('process')];

/** A contender that hangs (a peer stuck on some mode) is abandoned after this long rather than stalling the run. */
let CONTENDER_LIMIT_MS = 120_000;

/** Quick runs give up on a stuck contender sooner, to stay within their minute. */
export function setContenderLimit(ms: number): void {
  CONTENDER_LIMIT_MS = ms;
}

/**
 * Creates a contender, gives it `fn`, and closes it whatever happens. A contender that fails (a peer that
 * does not support a mode on this machine) yields `undefined` and a note, never a failed run.
 */
export async function withContender<T>(
  factory: ContenderFactory,
  workers: number,
  fn: (contender: Contender) => Promise<T>,
  onError: (message: string) => void,
): Promise<T | undefined> {
  let contender: Contender | undefined;
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave no answer within ${CONTENDER_LIMIT_MS / 1000} s; skipped`)), CONTENDER_LIMIT_MS);
  });
  try {
    contender = factory.create(workers);
    return await Promise.race([fn(contender), limit]);
  } catch (error) {
    onError(`${factory.name}: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  } finally {
    clearTimeout(timer);
    // A stuck peer can hang in close() too: give it the same limit, then move on.
    let closeTimer: NodeJS.Timeout | undefined;
    const closeLimit = new Promise<void>((resolve) => {
      closeTimer = setTimeout(() => {
        onError(`${factory.name}: close() gave no answer within ${CONTENDER_LIMIT_MS / 1000} s; abandoned`);
        resolve();
      }, CONTENDER_LIMIT_MS);
    });
    await Promise.race([contender?.close().catch(() => undefined), closeLimit]);
    clearTimeout(closeTimer);
  }
}
