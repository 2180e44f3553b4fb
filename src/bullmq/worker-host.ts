import { availableParallelism } from 'node:os';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UnrecoverableError, WaitingError, Worker, type ConnectionOptions, type Job, type WorkerOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { ProcessPoolExecutor, TaskNotAllowed, ThreadPoolExecutor, type TaskRef } from '../index.js';
import { after, type Delay } from '../internal/timers.js';
import { describe, validateInteger, validateOptions, validateTimeout } from '../internal/validate.js';
import { toWire } from '../tasks/wire-error.js';
import type { ChunkResult } from '../wire/protocol.js';
import { cancelChannel, ownConnection, validateQueueName } from './connection.js';
import { decode, decodedBytes, encode, encodeError, payloadProblem, replyChannel, type JobPayload, type ProgressRecord, type Reply } from './payload.js';

/**
 * Options of {@link runWorkerHost}.
 * @example
 * ```ts
 * import { runWorkerHost, type WorkerHostOptions } from 'aiox/bullmq';
 * const options: WorkerHostOptions = {
 *   connection: { host: 'redis.internal', port: 6379 },
 *   queue: 'renders',
 *   tasks: [new URL('./tasks/', import.meta.url)], // every module in this folder
 *   pool: 'process',
 * };
 * const host = await runWorkerHost(options);
 * process.once('SIGTERM', () => void host.close());
 * ```
 */
export interface WorkerHostOptions {
  /** How to reach Redis, as for the executor: ioredis options or a client. */
  readonly connection: ConnectionOptions;
  /** The queue to serve. @default 'aiox' */
  readonly queue?: string;
  /** BullMQ's key prefix. @default 'bull' */
  readonly prefix?: string;
  /**
   * The modules this host runs tasks from (URLs or absolute paths; one ending in `/` allows every module
   * under it), as a pool's `allowedTasks.modules`. A job naming any other module fails, and is not retried.
   */
  readonly tasks: readonly (string | URL)[];
  /**
   * Where the submitters' task modules are on this host, when the path differs: a job naming a module under
   * `from` (the folder as the submitters see it) runs the module at the same place under `to` (the folder
   * here); both URLs or absolute paths ending in `/`. The first match applies. The module it lands on must still be
   * allowed by `tasks`: a remapping never widens the allow-list. @default [] (a module runs at the URL the
   * job names)
   */
  readonly remap?: readonly ModuleRemap[];
  /** Run tasks on worker threads or child processes. @default 'thread' */
  readonly pool?: 'thread' | 'process';
  /** Workers of the local pool. @default os.availableParallelism() */
  readonly maxWorkers?: number;
  /** Jobs taken from the queue at once: a few more than workers keeps them busy between jobs. @default 2 × maxWorkers */
  readonly concurrency?: number;
  /** Most bytes of serialized arguments a job may carry; a larger job fails, not retried. @default 16 MiB */
  readonly maxPayloadBytes?: number;
  /**
   * Milliseconds `close()` lets running jobs finish; then it stops them and hands them back to the queue,
   * where another host takes them. Handing back needs Redis: if it is away, `close()` gives up another
   * `drainTimeout` later and drops its own connections, and the jobs it held go to another host once their
   * locks expire, as after a kill. (BullMQ's worker finishes closing only once Redis is back, and its timers
   * keep the program alive until then: a program that must end exits, as `aiox worker` does.)
   * @default 30000
   */
  readonly drainTimeout?: number;
  /**
   * BullMQ worker options passed through (`lockDuration`, `stalledInterval`, `maxStalledCount`...): how soon
   * the job of a host that died is given to another. @default BullMQ's
   */
  readonly worker?: Omit<WorkerOptions, 'connection' | 'prefix' | 'concurrency' | 'autorun'>;
}

/**
 * One entry of {@link WorkerHostOptions.remap}: the submitters' folder, and the same folder on this host.
 * @example
 * ```ts
 * import type { ModuleRemap } from 'aiox/bullmq';
 * const remap: ModuleRemap = { from: 'file:///home/dev/app/dist/', to: '/srv/app/dist/' };
 * ```
 */
export interface ModuleRemap {
  readonly from: string | URL;
  readonly to: string | URL;
}

/**
 * Counts of a {@link WorkerHost}'s jobs.
 * @example
 * ```ts
 * import type { WorkerHostStats } from 'aiox/bullmq';
 * const line = (s: WorkerHostStats) => `${s.completed} done, ${s.failed} failed, ${s.running} running`;
 * ```
 */
export interface WorkerHostStats {
  readonly running: number;
  readonly completed: number;
  readonly failed: number;
}

/**
 * A running worker host: takes jobs from its queue and runs them on a local pool. See {@link runWorkerHost}.
 * @example
 * ```ts
 * import { runWorkerHost } from 'aiox/bullmq';
 * await using host = await runWorkerHost({ connection: { port: 6379 }, tasks: [new URL('./tasks.js', import.meta.url)] });
 * console.log(host.stats()); // { running: 0, completed: 0, failed: 0 }
 * ```
 */
export interface WorkerHost extends AsyncDisposable {
  /**
   * Drains: stops taking jobs, lets running ones finish for `drainTimeout`, then stops them and hands them
   * back to the queue; closes the pool and the connections. Safe to call more than once.
   */
  close(): Promise<void>;
  stats(): WorkerHostStats;
}

const MiB = 1024 * 1024;
/** Job ids cancelled lately, remembered for a job whose cancellation comes before the host starts it. */
const RECENT_CANCELS = 10_000;
const CANCELLED = 'cancelled by its submitter';

/**
 * Starts a worker host: a BullMQ worker on `queue` whose jobs run on a local aiox pool (threads or
 * processes, sized to this machine), restricted to the task modules in `tasks`. Resolves once it is
 * connected and taking jobs.
 *
 * A job's progress and events (from `currentTask()`) reach its submitter through the job; a submitter that
 * aborts a running job (signal, timeout) stops it here, cooperatively first, as a pool does. A host killed
 * outright loses nothing: BullMQ gives its jobs to another host once their locks expire.
 * @throws {TypeError} / {RangeError} for bad options.
 * @example
 * ```ts
 * import { runWorkerHost } from 'aiox/bullmq';
 * const host = await runWorkerHost({
 *   connection: { host: 'localhost', port: 6379 },
 *   queue: 'primes',
 *   tasks: [new URL('./primes.js', import.meta.url)],
 * });
 * process.once('SIGTERM', () => void host.close());
 * ```
 */
export async function runWorkerHost(options: WorkerHostOptions): Promise<WorkerHost> {
  validateOptions(options);
  const {
    connection,
    queue = 'aiox',
    prefix = 'bull',
    tasks,
    pool: kind = 'thread',
    maxWorkers = availableParallelism(),
    maxPayloadBytes = 16 * MiB,
    drainTimeout = 30_000,
    worker = {},
    remap = [],
  } = options;
  const { concurrency = 2 * maxWorkers } = options;
  if (connection === null || typeof connection !== 'object') throw new TypeError(`connection must be ioredis options or a client, received ${describe(connection)}`);
  validateQueueName(queue);
  if (!Array.isArray(tasks) || tasks.length === 0) throw new TypeError(`tasks must be a non-empty array of module URLs or paths, received ${describe(tasks)}`);
  if (kind !== 'thread' && kind !== 'process') throw new TypeError(`pool must be 'thread' or 'process', received ${describe(kind)}`);
  validateInteger(maxWorkers, 'maxWorkers', 1);
  validateInteger(concurrency, 'concurrency', 1);
  validateInteger(maxPayloadBytes, 'maxPayloadBytes', 1);
  validateTimeout(drainTimeout, 'drainTimeout');
  validateOptions(worker, 'worker');
  const folders = remapFolders(remap);
  const poolOptions = { maxWorkers, allowedTasks: { modules: tasks } };
  const pool = kind === 'thread' ? new ThreadPoolExecutor(poolOptions) : new ProcessPoolExecutor(poolOptions);
  const host = new Host(pool, maxPayloadBytes, drainTimeout, folders);
  try {
    await host.start(connection, queue, prefix, { ...worker, concurrency });
  } catch (error) {
    await host.close();
    throw error;
  }
  return host;
}

class Host implements WorkerHost {
  readonly #pool: ThreadPoolExecutor | ProcessPoolExecutor;
  readonly #maxPayloadBytes: number;
  readonly #drainTimeout: number;
  readonly #cancelled = new Set<string>();
  /** [from, to] folder URLs of the remap option. */
  readonly #remap: readonly (readonly [string, string])[];
  #worker: Worker | undefined;
  #subscriber: Redis | undefined;
  /** Publishes the replies to the submitters. */
  #publisher: Redis | undefined;
  /** Replies published on the publisher's connection. */
  #outbox: Outbox | undefined;
  /**
   * Replies about jobs without reports ('a', 'c'), published on the worker's own connection, on which BullMQ
   * completes jobs (see #process); undefined if BullMQ's client cannot publish.
   */
  #fastOutbox: Outbox | undefined;
  /** Jobs whose completion #process told already. */
  readonly #told = new WeakSet<Job>();
  /** The error each failed job's task threw, encoded, until BullMQ says the job failed. */
  readonly #errors = new WeakMap<Job, string>();
  /** See #gathered. */
  #turn: Promise<void> | undefined;
  #prefix = '';
  #queue = '';
  #closing: Promise<void> | undefined;
  /** Set once the drain's deadline passed: jobs stopped from then on go back to the queue. */
  #handingBack = false;
  readonly #counts = { running: 0, completed: 0, failed: 0 };

  constructor(pool: ThreadPoolExecutor | ProcessPoolExecutor, maxPayloadBytes: number, drainTimeout: number, remap: readonly (readonly [string, string])[]) {
    this.#remap = remap;
    this.#pool = pool;
    this.#maxPayloadBytes = maxPayloadBytes;
    this.#drainTimeout = drainTimeout;
  }

  async start(connection: ConnectionOptions, queue: string, prefix: string, options: WorkerHostOptions['worker'] & { concurrency: number }): Promise<void> {
    // Listening for cancellations before taking the first job, so that none is missed.
    const subscriber = (this.#subscriber = ownConnection(connection));
    subscriber.on('error', () => undefined);
    subscriber.on('message', (_channel: string, jobId: string) => this.#cancel(jobId));
    await subscriber.subscribe(cancelChannel(prefix, queue));
    this.#prefix = prefix;
    this.#queue = queue;
    const publisher = (this.#publisher = ownConnection(connection));
    publisher.on('error', () => undefined);
    this.#outbox = new Outbox(publisher);
    const worker = (this.#worker = new Worker(queue, (job, token, signal) => this.#process(job, token, signal), { ...options, connection, prefix }));
    // BullMQ reports connection trouble here and retries by itself.
    worker.on('error', () => undefined);
    // What becomes of a job, told to its submitter once Redis has it: taken (told by #process once the task
    // is on the pool), completed (told by #process for a job without reports), failed for good (a failure that
    // BullMQ retries is not the job's end).
    worker.on('completed', (job, result: unknown) => {
      if (!this.#told.has(job)) this.#reply(job, { k: 'c', j: job.id!, ...(typeof result === 'string' ? { v: result } : {}) });
    });
    worker.on('failed', (job) => {
      if (job === undefined || typeof job.finishedOn !== 'number') return;
      const error = this.#errors.get(job);
      this.#reply(job, { k: 'f', j: job.id!, ...(error === undefined ? { r: job.failedReason } : { v: error }) });
    });
    await worker.waitUntilReady();
    // BullMQ wraps the ioredis client it was given options for; another kind of client has no fast path.
    const client = (await worker.getBackend().client) as unknown as Partial<Publisher>;
    if (typeof client.publish === 'function') this.#fastOutbox = new Outbox(client as Publisher);
  }

  /**
   * Queues a reply to the submitter of `job`, if it names one: on the worker's connection if `fast` and it
   * can, else on the publisher's. Replies about one job go by one connection, in order, but for 'a' and 'c'
   * of a job with reports, which need no order with the rest. Returns whether it went the fast way.
   */
  #reply(job: Job, reply: Reply, fast = false): boolean {
    const channel = replyChannel(this.#prefix, this.#queue, (job.data as Partial<JobPayload> | undefined)?.to);
    if (channel === undefined) return false;
    const outbox = fast ? (this.#fastOutbox ?? this.#outbox!) : this.#outbox!;
    outbox.add(channel, reply);
    return outbox === this.#fastOutbox;
  }

  #cancel(jobId: string): void {
    this.#cancelled.add(jobId);
    if (this.#cancelled.size > RECENT_CANCELS) this.#cancelled.delete(this.#cancelled.values().next().value!);
    this.#worker?.cancelJob(jobId, CANCELLED);
  }

  async #process(job: Job, token: string | undefined, signal: AbortSignal | undefined): Promise<string> {
    const problem = payloadProblem(job.data);
    if (problem !== undefined) return this.#refuse(job, new TypeError(`job ${job.id} is not an aiox task: ${problem}`));
    const data = job.data as JobPayload;
    if (this.#cancelled.has(job.id!)) return this.#refuse(job, new Error(`job ${job.id} was ${CANCELLED}`));
    const bytes = decodedBytes(data.args);
    if (bytes > this.#maxPayloadBytes) {
      return this.#refuse(job, new RangeError(`job ${job.id} carries ${bytes} bytes of arguments, over this host's maxPayloadBytes (${this.#maxPayloadBytes})`));
    }
    let args: unknown;
    try {
      args = decode(data.args);
    } catch (error) {
      return this.#refuse(job, new TypeError(`the arguments of job ${job.id} cannot be deserialized: ${(error as Error).message}`));
    }
    if (!Array.isArray(args) || (data.chunk === true && !args.every(Array.isArray))) {
      return this.#refuse(job, new TypeError(`the arguments of job ${job.id} are not ${data.chunk === true ? 'a list of argument lists' : 'an array'}`));
    }
    const task: TaskRef<unknown[], unknown> = { module: this.#hostModule(data.module), name: data.name };
    const reports = data.reports === true ? new JobReports((reply) => this.#reply(job, reply), job.id!) : undefined;
    this.#counts.running++;
    try {
      await this.#gathered();
      const running = data.chunk === true ? this.#runChunk(task, args as unknown[][], signal, reports) : this.#run(task, args, signal, reports);
      // Told once the task is on its way to a worker: the publication does not delay it.
      this.#reply(job, { k: 'a', j: job.id! }, reports === undefined);
      const encoded = encode(await running);
      this.#counts.completed++;
      // A job without reports tells its completion without waiting for Redis's answer to it: on the
      // connection on which BullMQ completes the job, at the end of this turn, by when BullMQ has sent the
      // completion (its steps from the processor's return to the command are promise continuations), so that
      // Redis runs the completion, then the publication, and the submitter learns the result a round trip
      // sooner than from the 'completed' event. Should Redis refuse the completion (this host lost the job's
      // lock, and the job runs again), the submitter has the result of a run that did complete: delivery is
      // at least once. A job with reports tells it after them, from the 'completed' event.
      if (reports === undefined && this.#reply(job, { k: 'c', j: job.id!, v: encoded }, true)) this.#told.add(job);
      return encoded;
    } catch (error) {
      if (this.#handingBack && signal?.aborted === true && token !== undefined) {
        await job.moveToWait(token);
        throw new WaitingError();
      }
      if (error instanceof TaskNotAllowed || signal?.aborted === true) return this.#refuse(job, error);
      this.#counts.failed++;
      await this.#recordError(job, error);
      throw new Error(summary(error));
    } finally {
      this.#counts.running--;
    }
  }

  /**
   * Resolves at the end of this turn of the event loop, for every job that arrived in it at once: they reach
   * the pool together, which sends them to its workers in one message each rather than one per job (BullMQ
   * hands over jobs one by one, as Redis answers).
   */
  #gathered(): Promise<void> {
    return (this.#turn ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        this.#turn = undefined;
        resolve();
      }),
    ));
  }

  #run(task: TaskRef<unknown[], unknown>, args: unknown[], signal: AbortSignal | undefined, reports: JobReports | undefined): Promise<unknown> {
    return this.#pool.submitWith(task, args, {
      ...(signal === undefined ? {} : { signal }),
      ...(reports === undefined ? {} : { onProgress: (value: unknown) => reports.push('p', value), onEvent: (event: unknown) => reports.push('e', event) }),
    });
  }

  /** The URL of a job's module on this host (see the remap option). */
  #hostModule(module: string): string {
    if (this.#remap.length === 0) return module;
    // Normalized before and after, so that no `..` walks out of a folder past the allow-list's check.
    const href = new URL(module).href;
    for (const [from, to] of this.#remap) if (href.startsWith(from)) return new URL(to + href.slice(from.length)).href;
    return href;
  }

  /** Runs a chunk of `map`: an error is a result of the chunk, at its place, as on a pool. */
  async #runChunk(task: TaskRef<unknown[], unknown>, lists: unknown[][], signal: AbortSignal | undefined, reports: JobReports | undefined): Promise<ChunkResult> {
    const start = performance.now();
    const values: unknown[] = [];
    const items = this.#pool.map(task as TaskRef<[unknown], unknown>, lists.map((list) => list[0]), {
      chunksize: lists.length,
      ...(signal === undefined ? {} : { signal }),
      ...(reports === undefined
        ? {}
        : { onProgress: (value: unknown, i: number) => reports.push('p', value, i), onEvent: (event: unknown, i: number) => reports.push('e', event, i) }),
    });
    try {
      for await (const value of items) values.push(value);
      return { values, ms: performance.now() - start };
    } catch (error) {
      if (error instanceof TaskNotAllowed || signal?.aborted === true) throw error;
      return { values, error: toWire(error), ms: performance.now() - start };
    }
  }

  /** Fails a job that must not run again: recorded for its submitter, and not retried by BullMQ. */
  async #refuse(job: Job, error: unknown): Promise<never> {
    this.#counts.failed++;
    await this.#recordError(job, error);
    throw new UnrecoverableError(summary(error));
  }

  /**
   * Writes a task's error to its job, where a submitter that missed the reply reads it with its class, stack
   * and cause; the reply carries it too.
   */
  async #recordError(job: Job, error: unknown): Promise<void> {
    const record: ProgressRecord = { k: 'x', v: encodeError(error) };
    this.#errors.set(job, record.v);
    await job.updateProgress(record as unknown as object).catch(() => undefined);
  }

  stats(): WorkerHostStats {
    return { ...this.#counts };
  }

  close(): Promise<void> {
    return (this.#closing ??= this.#drain());
  }

  async #drain(): Promise<void> {
    const worker = this.#worker;
    // Handing back needs Redis, as closing its connections does: if it is away, the host gives up another
    // drainTimeout after the deadline and drops its own connections. The jobs it held are then stalled ones,
    // which BullMQ gives to another host once their locks expire, as after a kill.
    let giveUp: () => void = () => undefined;
    const givenUp = new Promise<false>((resolve) => (giveUp = () => resolve(false)));
    let timer: Delay | undefined;
    let reached = true;
    try {
      if (worker !== undefined) {
        // A drainTimeout of Infinity waits for the jobs as long as they run.
        if (this.#drainTimeout !== Infinity) {
          timer = after(this.#drainTimeout, () => {
            this.#handingBack = true;
            worker.cancelAllJobs('the worker host is shutting down');
            timer = after(this.#drainTimeout, giveUp);
          });
        }
        reached = await Promise.race([worker.close().then(() => true), givenUp]);
      }
      // The last replies go before the connections that carry them close (the worker's is closed by now: the
      // fast replies of its last jobs went before BullMQ closed it, as their completions did).
      if (reached && this.#outbox !== undefined) reached = await Promise.race([this.#outbox.flush().then(() => true), givenUp]);
    } finally {
      timer?.clear();
    }
    const quit = (client: Redis | undefined): Promise<unknown> | undefined => {
      if (client === undefined) return undefined;
      if (!reached) return void client.disconnect();
      return client.quit().catch(() => client.disconnect());
    };
    await Promise.all([this.#pool.shutdown({ cancelFutures: !reached }), quit(this.#subscriber), quit(this.#publisher)]);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** What an Outbox needs of a connection. */
interface Publisher {
  publish(channel: string, message: string): Promise<unknown>;
}

/**
 * Replies not published yet, by channel, in order; published at the end of this turn of the event loop, one
 * message per submitter. A reply lost (Redis away, the submitter too) is made up by the submitter from the job.
 */
class Outbox {
  readonly #client: Publisher;
  #replies = new Map<string, Reply[]>();
  #flushing: NodeJS.Immediate | undefined;

  constructor(client: Publisher) {
    this.#client = client;
  }

  add(channel: string, reply: Reply): void {
    const replies = this.#replies.get(channel);
    if (replies === undefined) this.#replies.set(channel, [reply]);
    else replies.push(reply);
    this.#flushing ??= setImmediate(() => void this.flush());
  }

  flush(): Promise<unknown> {
    clearImmediate(this.#flushing);
    this.#flushing = undefined;
    const replies = this.#replies;
    this.#replies = new Map();
    const client = this.#client;
    return Promise.all([...replies].map(([channel, list]) => client.publish(channel, JSON.stringify(list)).catch(() => undefined)));
  }
}

/** What a task reports, sent to its submitter in order, with the replies about its job. */
class JobReports {
  readonly #send: (reply: Reply) => void;
  readonly #jobId: string;

  constructor(send: (reply: Reply) => void, jobId: string) {
    this.#send = send;
    this.#jobId = jobId;
  }

  push(kind: 'p' | 'e', value: unknown, item?: number): void {
    this.#send({ k: kind, j: this.#jobId, v: encode(value), ...(item === undefined ? {} : { i: item }) });
  }
}

/** The message BullMQ keeps as the job's failedReason, for dashboards. */
function summary(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The remap option as [from, to] folder URLs. @throws {TypeError} for an entry that is not two folders. */
function remapFolders(remap: unknown): (readonly [string, string])[] {
  if (!Array.isArray(remap)) throw new TypeError(`remap must be an array of { from, to }, received ${describe(remap)}`);
  return remap.map((entry: unknown, i) => {
    validateOptions(entry, `remap[${i}]`);
    const { from, to } = entry as Partial<ModuleRemap>;
    const folder = (value: unknown, name: string): string => {
      const href =
        value instanceof URL ? value.href
        : typeof value === 'string' && isAbsolute(value) ? pathToFileURL(value).href + (/[\\/]$/.test(value) ? '/' : '')
        : typeof value === 'string' && URL.canParse(value) ? new URL(value).href
        : undefined;
      if (href === undefined || !href.endsWith('/')) {
        throw new TypeError(`remap[${i}].${name} must be a folder URL or absolute path ending in /, received ${describe(value)}`);
      }
      return href.replace(/\/+$/, '/');
    };
    return [folder(from, 'from'), folder(to, 'to')] as const;
  });
}
