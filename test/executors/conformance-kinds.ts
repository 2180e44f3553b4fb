import { type PoolExecutorOptions, type ProcessPoolExecutor, type ShutdownOptions, type ThreadPoolExecutor } from 'aiox';
import { BullMQExecutor, runWorkerHost, type WorkerHost } from 'aiox/bullmq';
import { REDIS_SERVER, startRedis, type RedisServer } from '../fixtures/redis.js';
import { KINDS, makePool as makeLocalPool } from './pools.js';

// The executors of the conformance suite: the two pools, and BullMQExecutor (only this suite loads bullmq).

/** A pool, or `'bullmq'`: a BullMQExecutor with a worker host of its own on a private Redis. */
export type ConformanceKind = (typeof KINDS)[number] | 'bullmq';

/**
 * What the shared conformance cases run against: the pools, and BullMQExecutor when a redis-server is on
 * the PATH (without one, test/bullmq/redis-available.test.ts says what did not run).
 */
export const CONFORMANCE_KINDS: readonly ConformanceKind[] = REDIS_SERVER === undefined ? KINDS : [...KINDS, 'bullmq'];

/**
 * The cases whose semantics differ on BullMQExecutor, by name, with the reason (docs/distributed.md,
 * "Where it differs from the pools", says the same).
 */
const DIFFERS_ON_BULLMQ: Readonly<Record<string, string>> = {
  'a burst on a new pool starts a worker for each task at once, up to maxWorkers': 'workers belong to the hosts; the executor has none',
  'a task whose function has not been timed yet gets nothing sent behind it': "the hosts' pools dispatch, not the executor",
  'plain functions travel as source': 'a function sent as source is refused (TaskNotAllowed): hosts never run code from the wire',
  'a plain function using an outside variable fails with an error naming it and defineTask': 'a function sent as source is refused (TaskNotAllowed)',
  'stats count queued, running, completed and failed tasks': "stats() has no workers or utilization, and running is known when its host's reply that it took the job arrives",
  'a signal stops a task spinning in while (true); a replacement worker serves the next':
    "running() turns true when the host's reply that it took the job arrives, which may be after the task has started",
  'a timeout longer than setTimeout can wait (2^31 - 1 ms) does not fire early': "mock timers would also stop the Redis clients' timers in this process",
  'cancel() cancels a queued future, which never runs, and not a running one':
    "cancel() succeeds until the host's reply that it took the job arrives: a job a host has just taken is then stopped there",
  'shutdown waits for queued work; then submit throws; a second call is safe': 'stats() has no workers to count',
  'cancelFutures cancels what has not started and never what is running': "a job counts as running once its host's reply that it took it arrives (see cancel())",
};
const WORKERS_ON_BULLMQ = "worker options (maxWorkers, initializer, maxTasksPerWorker...) are the hosts', not the executor's";

/** The reason a case does not run against `kind`, or false. */
export function differs(kind: ConformanceKind, name: string): string | false {
  return kind === 'bullmq' ? (DIFFERS_ON_BULLMQ[name] ?? false) : false;
}

/** The same for the describe block of worker options. */
export function workersDiffer(kind: ConformanceKind): string | false {
  return kind === 'bullmq' ? WORKERS_ON_BULLMQ : false;
}

/** Gates between the test and a task: shared memory for threads, FIFOs for processes and for hosts. */
export function gateKind(kind: ConformanceKind): 'thread' | 'process' {
  return kind === 'thread' ? 'thread' : 'process';
}

let redis: RedisServer | undefined;
let queues = 0;

/** Starts the Redis of the 'bullmq' kind (a `before` hook of the suite); {@link stopKinds} stops it. */
export async function startKinds(): Promise<void> {
  if (CONFORMANCE_KINDS.includes('bullmq')) redis = await startRedis();
}

export async function stopKinds(): Promise<void> {
  await redis?.stop();
  redis = undefined;
}

/**
 * A BullMQExecutor on a queue of its own, served by a host of its own (a thread pool of `maxWorkers` that
 * takes no more jobs than it has workers, so that the others wait in the queue as on a pool), which its
 * shutdown closes.
 */
class HostedExecutor extends BullMQExecutor {
  readonly #host: Promise<WorkerHost>;

  constructor(server: RedisServer, maxWorkers: number) {
    const queue = `conformance-${queues++}`;
    super({ connection: server.connection, queue });
    const tasks = [new URL('../fixtures/', import.meta.url)];
    this.#host = runWorkerHost({ connection: server.connection, queue, tasks, maxWorkers, concurrency: maxWorkers });
  }

  override async shutdown(options: ShutdownOptions = {}): Promise<void> {
    await super.shutdown(options);
    if (options.wait !== false) await (await this.#host).close();
  }
}

/**
 * An executor of `kind`. For 'bullmq', only `maxWorkers` is used (for its host), and the result is typed as
 * a pool: the cases run against it use only what BullMQExecutor shares with the pools.
 */
export function makePool(kind: ConformanceKind, options: PoolExecutorOptions = {}): ThreadPoolExecutor | ProcessPoolExecutor {
  if (kind !== 'bullmq') return makeLocalPool(kind, options);
  if (redis === undefined) throw new Error('startKinds() has not run');
  return new HostedExecutor(redis, options.maxWorkers ?? 2) as unknown as ThreadPoolExecutor;
}
