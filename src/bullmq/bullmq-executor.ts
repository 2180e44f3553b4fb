import { randomUUID } from 'node:crypto';
import { Job, Queue, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { TARGET_CHUNK_MS } from '../executors/chunking.js';
import { mapInOrder } from '../executors/map.js';
import {
  BrokenExecutor,
  InvalidStateError,
  TaskNotAllowed,
  TimeoutError,
  type Executor,
  type Future,
  type MapOptions,
  type Reports,
  type ShutdownOptions,
  type SubmitOptions,
  type Task,
} from '../index.js';
import { messageOf } from '../internal/message-of.js';
import { after, type Delay } from '../internal/timers.js';
import { describe, validateFunction, validateInteger, validateOptions, validateSignal, validateTimeout } from '../internal/validate.js';
import { describeTask, type TaskDescriptor } from '../tasks/task.js';
import { fromWire, type WireError } from '../tasks/wire-error.js';
import type { ChunkResult } from '../wire/protocol.js';
import { cancelChannel, ownConnection, validateQueueName } from './connection.js';
import { JobFuture } from './job-future.js';
import { decode, decodedBytes, encode, parseReplies, PAYLOAD_VERSION, progressProblem, replyChannel, type JobPayload, type ProgressRecord } from './payload.js';

/**
 * Options of {@link BullMQExecutor}.
 * @example
 * ```ts
 * import { BullMQExecutor, type BullMQExecutorOptions } from 'aiox/bullmq';
 * const options: BullMQExecutorOptions = {
 *   connection: { host: 'redis.internal', port: 6379, password: process.env.REDIS_PASSWORD },
 *   queue: 'renders',
 * };
 * await using executor = new BullMQExecutor(options);
 * ```
 */
export interface BullMQExecutorOptions {
  /**
   * How to reach Redis: ioredis options (`host`, `port`, `username`, `password`, `db`, `tls`...) or an
   * ioredis client, which is duplicated for each connection the executor needs. The worker hosts take the
   * same.
   */
  readonly connection: ConnectionOptions;
  /** The BullMQ queue's name; hosts serve one queue each. @default 'aiox' */
  readonly queue?: string;
  /** BullMQ's prefix of every key of the queue. @default 'bull' */
  readonly prefix?: string;
  /**
   * Most bytes of serialized arguments a job may carry: a larger one is refused at `submit` with a
   * RangeError. Hosts have a limit of their own. @default 16 MiB
   */
  readonly maxPayloadBytes?: number;
  /**
   * How many tasks the hosts run at once, as far as `map` can tell: it sizes map's read-ahead (see
   * `MapOptions.readAhead`), since the executor cannot see the hosts. @default 16
   */
  readonly parallelism?: number;
  /**
   * Milliseconds a future may wait on Redis while it is unreachable: a pending future fails with
   * `BrokenExecutor` once Redis has been away that long since the outage began or since it was submitted,
   * whichever is later, rather than wait on; and `shutdown()` drops the connections rather than wait for
   * Redis to close them. The executor stays usable: work submitted once Redis is back runs. @default 30000
   */
  readonly reconnectTimeout?: number;
  /**
   * Milliseconds between two checks, while futures are pending, of the jobs no host's reply has settled (a
   * reply lost in a Redis restart, a job removed by hand or failed by BullMQ itself): such a job's future
   * settles from the job itself, or fails if the job is gone. @default 5000
   */
  readonly checkInterval?: number;
  /**
   * How long finished jobs stay in Redis, for {@link BullMQExecutor.attach} (in seconds, as BullMQ counts
   * them). @default 3600 (an hour)
   */
  readonly keepFinishedJobs?: number;
}

/**
 * Counts of a {@link BullMQExecutor}'s own jobs, as seen from here.
 * @example
 * ```ts
 * import type { BullMQExecutorStats } from 'aiox/bullmq';
 * const show = (s: BullMQExecutorStats) => `${s.running} running, ${s.queued} queued, ${s.completed} done`;
 * ```
 */
export interface BullMQExecutorStats {
  /** Futures pending whose job no host is known to have taken yet. */
  readonly queued: number;
  /** Futures whose job a host runs. */
  readonly running: number;
  /** Jobs this executor saw complete, and fail. */
  readonly completed: number;
  readonly failed: number;
  /** Futures cancelled or aborted (signal, timeout) before their job finished. */
  readonly cancelled: number;
}

/** The lifecycle of a {@link BullMQExecutor}. */
export const BullMQExecutorState = { OPEN: 'open', SHUTTING_DOWN: 'shutting-down', CLOSED: 'closed' } as const;
export type BullMQExecutorState = (typeof BullMQExecutorState)[keyof typeof BullMQExecutorState];

type BulkJob = Parameters<Queue['addBulk']>[0][number];

type Report = (kind: 'progress' | 'event', value: unknown, item: number) => void;

/** A job of this executor whose future is not settled. */
interface Pending {
  readonly future: JobFuture<unknown>;
  /** A chunk of map (known from the job's data when the executor only attached to it). */
  chunk: boolean;
  readonly report: Report | undefined;
  /** Settles once the job is in Redis (or could not be added). */
  added: Promise<boolean>;
  /** The error a host recorded before it failed the job. */
  error: { readonly value: unknown } | undefined;
  /** When it was submitted or last checked, for the check of silent jobs. */
  since: number;
  /** When it was submitted, for reconnectTimeout. */
  readonly submitted: number;
  /** Drops the signal's listener and the timeout's timer. */
  release: (() => void) | undefined;
  /** The reply channel of another submitter it listens to, for a job it attached to (see #follow). */
  followed?: string | undefined;
  /**
   * Whether its job's state is known to allow a cancel: a submitted job's is (it is not finished), an
   * attached one's once read (see #check). Until then cancel() fails: the job may have finished, and
   * removing it would lose its result.
   */
  cancellable: boolean;
}

const MiB = 1024 * 1024;
/**
 * Work a chunk of `map` should hold, in ms of a host's time: a job costs Redis round trips (about a
 * millisecond here), against the 0.5 ms the local pools aim at for a message. The chunking is told a chunk
 * took TARGET_CHUNK_MS / JOB_TARGET_MS of its real time, so that it grows chunks to this.
 */
const JOB_TARGET_MS = 25;
/** Jobs added in one addBulk at most. */
const MAX_BATCH = 1000;
/** Pending jobs the check of silent jobs reads at most per round. */
const CHECK_BATCH = 200;

/**
 * An `Executor` whose tasks run on worker hosts anywhere, through a BullMQ queue on Redis: the code that ran
 * on a `ProcessPoolExecutor` runs on a fleet by changing the line that makes the executor. Hosts are started
 * with `runWorkerHost` or `npx aiox worker`.
 *
 * Tasks travel only as module references (`defineTask` functions, `{ module, name }`), which the hosts must
 * allow; a function sent as source is refused with `TaskNotAllowed`. Arguments and results are structured
 * clones, as on the local pools; errors come back with their class, message, stack and cause.
 *
 * Delivery is at least once: a job whose host dies is run again by another host (BullMQ's stalled-job
 * check), so a task may run twice; its future settles once. See docs/distributed.md.
 * @example
 * ```ts
 * import { BullMQExecutor } from 'aiox/bullmq';
 * import { taskRef } from 'aiox';
 * const isPrime = taskRef<(n: number) => boolean>(new URL('./primes.js', import.meta.url), 'isPrime');
 * await using executor = new BullMQExecutor({ connection: { host: 'localhost', port: 6379 }, queue: 'primes' });
 * for await (const prime of executor.map(isPrime, [112272535095293, 115280095190773], { chunksize: 1 })) console.log(prime);
 * ```
 */
export class BullMQExecutor implements Executor {
  readonly #queue: Queue;
  readonly #client: Redis;
  /** Receives the hosts' replies about this executor's jobs (see Reply). */
  readonly #subscriber: Redis;
  /** This executor's id, which its jobs carry: hosts reply on its channel. */
  readonly #id = randomUUID();
  /** BullMQ's prefix of the queue's keys. */
  readonly #prefix: string;
  /**
   * The reply channels of other submitters it listens to, for jobs it attached to (see #follow), with how many
   * of its pending jobs each serves: a channel is left with its last job.
   */
  readonly #followed = new Map<string, number>();
  readonly #channel: string;
  /** Pending jobs, least lately heard of or checked first (see #checkRound). */
  readonly #jobs = new Map<string, Pending>();
  /** Settles once the executor listens to its replies. */
  readonly #ready: Promise<void>;
  /** Pending jobs since before this time (performance.now()) are checked at once: replies were lost. */
  #due = -Infinity;
  readonly #options: Required<Omit<BullMQExecutorOptions, 'connection' | 'queue' | 'prefix'>>;
  #state: BullMQExecutorState = BullMQExecutorState.OPEN;
  #closed: Promise<void> | undefined;
  #idle: (() => void) | undefined;
  #lastError: unknown;
  /** When the connection went down (performance.now()), or undefined while it is up. */
  #downSince: number | undefined;
  /** Runs while the connection is down, until the next pending future has waited reconnectTimeout on it. */
  #unreachable: Delay | undefined;
  /** Redis has been unreachable for reconnectTimeout, and still is. */
  #gaveUp = false;
  /** Told when #gaveUp becomes true (see #unlessUnreachable). */
  readonly #onGiveUp = new Set<() => void>();
  /** The queue runs on the caller's own client, which is not the executor's to drop. */
  readonly #sharedClient: boolean;
  #checker: NodeJS.Timeout | undefined;
  #counts = { completed: 0, failed: 0, cancelled: 0 };
  /** The jobs to add at the end of this turn of the event loop. */
  #batch: { readonly jobs: BulkJob[]; readonly added: Promise<unknown> } | undefined;
  /** Removals and cancellations on their way to Redis: shutdown waits for them before it disconnects. */
  readonly #stopping = new Set<Promise<void>>();

  constructor(options: BullMQExecutorOptions) {
    validateOptions(options);
    const {
      connection,
      queue = 'aiox',
      prefix = 'bull',
      maxPayloadBytes = 16 * MiB,
      parallelism = 16,
      reconnectTimeout = 30_000,
      checkInterval = 5000,
      keepFinishedJobs = 3600,
    } = options;
    if (connection === null || typeof connection !== 'object') throw new TypeError(`connection must be ioredis options or a client, received ${describe(connection)}`);
    validateQueueName(queue);
    if (typeof prefix !== 'string' || prefix === '') throw new TypeError(`prefix must be a non-empty string, received ${describe(prefix)}`);
    validateInteger(maxPayloadBytes, 'maxPayloadBytes', 1);
    validateInteger(parallelism, 'parallelism', 1);
    validateTimeout(reconnectTimeout, 'reconnectTimeout');
    validateInteger(checkInterval, 'checkInterval', 1);
    validateInteger(keepFinishedJobs, 'keepFinishedJobs', 0);
    this.#options = { maxPayloadBytes, parallelism, reconnectTimeout, checkInterval, keepFinishedJobs };
    this.#queue = new Queue(queue, { connection, prefix });
    this.#sharedClient = typeof (connection as { duplicate?: unknown }).duplicate === 'function';
    this.#queue.on('error', (error) => (this.#lastError = error));
    this.#client = ownConnection(connection);
    this.#client.on('error', (error) => (this.#lastError = error));
    this.#client.on('close', () => this.#watchOutage());
    this.#client.on('ready', () => {
      this.#unreachable?.clear();
      this.#unreachable = undefined;
      this.#downSince = undefined;
      this.#gaveUp = false;
    });
    this.#channel = cancelChannel(prefix, queue);
    this.#prefix = prefix;
    this.#subscriber = ownConnection(connection);
    this.#subscriber.on('error', (error) => (this.#lastError = error));
    this.#ready = this.#listen(replyChannel(prefix, queue, this.#id)!);
    // A failure to start is reported by every job added meanwhile; nobody else awaits this.
    this.#ready.catch(() => undefined);
  }

  /**
   * Subscribes to this executor's channel, on which hosts reply about its jobs, before any job is added: a
   * host replies only to the submitter a job names. Learning results there, rather than from the queue's
   * events stream, spares the submitter the events of every job of the queue (four or five per job), and a
   * submitter that falls behind cannot lose them to the stream's trimming. What is published while the
   * subscriber is disconnected is lost: once it is back, every pending job is checked (see #checkRound).
   */
  async #listen(channel: string): Promise<void> {
    const subscriber = this.#subscriber;
    subscriber.on('message', (_channel: string, message: string) => this.#onReplies(message));
    await subscriber.subscribe(channel);
    // ioredis subscribes again by itself after a reconnection.
    subscriber.on('ready', () => {
      this.#due = performance.now();
      if (this.#jobs.size > 0) this.#scheduleCheck(0);
    });
  }

  #onReplies(message: string): void {
    for (const reply of parseReplies(message)) {
      const { k: kind, j: jobId } = reply;
      if (kind === 'a') this.#started(jobId);
      else if (kind === 'c') this.#completed(jobId, reply.v);
      else if (kind === 'f') this.#failedWith(jobId, reply.v, reply.r);
      else this.#report(jobId, kind, reply.v, reply.i);
    }
  }

  /** `'open'`, `'shutting-down'` or `'closed'`. */
  get state(): BullMQExecutorState {
    return this.#state;
  }

  submit<A extends unknown[], R>(fn: Task<A, R>, ...args: A): JobFuture<Awaited<R>> {
    return this.submitWith(fn, args, {});
  }

  /**
   * As on the pools: a `signal` or `timeout` stops the job wherever it is (removed from the queue, or
   * stopped on its host) and fails the future at once; `onProgress` and `onEvent` receive what the task
   * reports through `currentTask()`, carried by the job. `transfer` and `reports` are not supported: nothing
   * can be moved to another machine, and a TypeError says so.
   */
  submitWith<A extends unknown[], R, P = unknown, E = unknown>(fn: Task<A, R> & Reports<P, E>, args: A, options: SubmitOptions<P, E>): JobFuture<Awaited<R>> {
    if (!Array.isArray(args)) throw new TypeError(`args must be an array, received ${describe(args)}`);
    validateOptions(options);
    const { signal, timeout, transfer, reports, onProgress, onEvent } = options;
    validateSignal(signal);
    if (timeout !== undefined) validateTimeout(timeout);
    if (transfer !== undefined && transfer.length > 0) throw new TypeError('transfer is not supported by BullMQExecutor: arguments are copied to another machine');
    if (reports !== undefined) throw new TypeError('reports is not supported by BullMQExecutor: use onProgress and onEvent');
    if (onProgress !== undefined) validateFunction(onProgress, 'onProgress');
    if (onEvent !== undefined) validateFunction(onEvent, 'onEvent');
    const task = this.#moduleTask(fn);
    const call = (callback: ((value: never) => void) | undefined, value: unknown): void => callback?.(value as never);
    const report: Report | undefined =
      onProgress === undefined && onEvent === undefined ? undefined : (kind, value) => call(kind === 'progress' ? onProgress : onEvent, value);
    const pending = this.#submitJob(task, args, false, report);
    this.#limit(pending, signal, timeout);
    return pending.future as JobFuture<Awaited<R>>;
  }

  map<T, R, P = unknown, E = unknown>(
    fn: Task<[T], R> & Reports<P, E>,
    items: Iterable<T> | AsyncIterable<T>,
    options: MapOptions<P, E> = {},
  ): AsyncIterableIterator<Awaited<R>> {
    validateOptions(options);
    const task = this.#moduleTask(fn);
    this.#assertOpen();
    const { onProgress, onEvent } = options;
    if (onProgress !== undefined) validateFunction(onProgress, 'onProgress');
    if (onEvent !== undefined) validateFunction(onEvent, 'onEvent');
    const listened = onProgress !== undefined || onEvent !== undefined;
    const submitChunk = (chunk: [T][], first: number): Future<ChunkResult> => {
      // A chunk's item reports with its place in the chunk; the callbacks get its index in the input.
      const report: Report | undefined = listened
        ? (kind, value, item) => (kind === 'progress' ? onProgress : onEvent)?.(value as never, first + item)
        : undefined;
      return this.#submitJob(task, chunk, true, report).future as Future<ChunkResult>;
    };
    return mapInOrder<T, Awaited<R>>(submitChunk, items, options, this.#options.parallelism);
  }

  /**
   * A future for a job already in the queue, by its id (`future.jobId`): how a submitter that restarted
   * finds the outcome of the jobs it had submitted. A finished job settles the future at once and is not
   * run again; a job still queued or running settles it when it finishes.
   *
   * The future fails with `InvalidStateError` if the queue has no such job (never added, or removed after
   * `keepFinishedJobs`). Progress and events are not replayed.
   * @throws {InvalidStateError} after `shutdown()`.
   */
  attach<R = unknown>(jobId: string): JobFuture<R> {
    if (typeof jobId !== 'string' || jobId === '') throw new TypeError(`jobId must be a non-empty string, received ${describe(jobId)}`);
    this.#assertOpen();
    const existing = this.#jobs.get(jobId);
    if (existing !== undefined) return existing.future as JobFuture<R>;
    const pending = this.#track(jobId, false, undefined, true);
    // Its chunk flag is read from the job: attach() gives what the job gave.
    pending.added = this.#ready.then(
      () => this.#follow(pending).then(() => true),
      (error: unknown) => {
        // The executor could not subscribe (a refused password, say): as a job it could not add.
        this.#settle(pending, true, new BrokenExecutor(`could not attach to job ${jobId} of queue ${this.#queue.name}: ${messageOf(error)}`, { cause: error }));
        return false;
      },
    );
    void pending.added.then((reached) => reached && this.#check(jobId, true));
    return pending.future as JobFuture<R>;
  }

  /**
   * Listens to the replies about job `jobId` on the channel of the submitter that added it, if that is
   * another one (this one restarted, say): hosts reply only to the submitter a job names. Done before the
   * job's state is read, so that a job that ends after that read is heard of. Should it fail, the check of
   * silent jobs still settles the job.
   */
  async #follow(pending: Pending): Promise<void> {
    try {
      const job = await Job.fromId(this.#queue, pending.future.jobId);
      const to = (job?.data as Partial<JobPayload> | undefined)?.to;
      const channel = to === this.#id ? undefined : replyChannel(this.#prefix, this.#queue.name, to);
      // (Settled meanwhile, by shutdown or an unreachable Redis: nothing to hear of.)
      if (channel === undefined || this.#jobs.get(pending.future.jobId) !== pending) return;
      pending.followed = channel;
      const jobs = this.#followed.get(channel) ?? 0;
      this.#followed.set(channel, jobs + 1);
      if (jobs === 0) await this.#subscriber.subscribe(channel);
    } catch (error) {
      this.#lastError = error;
    }
  }

  /** `pending` has left: the channel it followed is left too if no other pending job needs it. */
  #unfollow(pending: Pending): void {
    const channel = pending.followed;
    if (channel === undefined) return;
    pending.followed = undefined;
    const jobs = this.#followed.get(channel)! - 1;
    if (jobs > 0) return void this.#followed.set(channel, jobs);
    this.#followed.delete(channel);
    // After its subscribe on the same connection, so in that order; a failure only leaves it subscribed.
    this.#subscriber.unsubscribe(channel).catch((error: unknown) => (this.#lastError = error));
  }

  /**
   * Stops taking work. Pending futures still settle as their jobs finish (`cancelFutures` cancels those no
   * host has taken yet), then the executor's Redis connections close. With `wait`, resolves after that.
   */
  async shutdown(options: ShutdownOptions = {}): Promise<void> {
    validateOptions(options);
    const { wait = true, cancelFutures = false } = options;
    if (this.#state === BullMQExecutorState.OPEN) {
      this.#state = BullMQExecutorState.SHUTTING_DOWN;
      this.#closed = this.#close();
    }
    if (cancelFutures) for (const { future } of [...this.#jobs.values()]) future.cancel();
    if (wait) await this.#closed;
  }

  async #close(): Promise<void> {
    if (this.#jobs.size > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
    // What is on its way to Redis goes, then the connections close in order; unless Redis stays away for
    // reconnectTimeout: then they are dropped, with what they still hold for it (the clients would wait for
    // Redis as long as it takes).
    let reached = await this.#unlessUnreachable(Promise.all([...this.#stopping, this.#ready]));
    clearTimeout(this.#checker);
    if (reached) {
      const quit = (client: Redis): Promise<unknown> => client.quit().catch(() => client.disconnect());
      reached = await this.#unlessUnreachable(Promise.all([this.#queue.close(), quit(this.#subscriber), quit(this.#client)]));
    }
    this.#state = BullMQExecutorState.CLOSED;
    this.#unreachable?.clear();
    if (reached) return;
    this.#subscriber.disconnect();
    this.#client.disconnect();
    // Not awaited: BullMQ waits for the client's 'end', which ioredis never emits for a client between two
    // attempts to reconnect; the client is closed at once all the same.
    if (!this.#sharedClient) this.#queue.disconnect().catch(() => undefined);
  }

  /**
   * Resolves to true once `work` has settled, or to false once Redis has been unreachable for
   * reconnectTimeout (at once if it has been already).
   */
  async #unlessUnreachable(work: Promise<unknown>): Promise<boolean> {
    const settled = work.then(
      () => true,
      () => true,
    );
    if (this.#gaveUp) return false;
    let giveUp: (() => void) | undefined;
    try {
      return await Promise.race([settled, new Promise<false>((resolve) => this.#onGiveUp.add((giveUp = () => resolve(false))))]);
    } finally {
      this.#onGiveUp.delete(giveUp!);
    }
  }

  /** Futures by state, and the jobs this executor saw finish. */
  stats(): BullMQExecutorStats {
    let running = 0;
    for (const { future } of this.#jobs.values()) if (future.running()) running++;
    return { queued: this.#jobs.size - running, running, ...this.#counts };
  }

  /** `await using executor = new BullMQExecutor(...)` shuts it down with `wait` at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown({ wait: true });
  }

  #assertOpen(): void {
    if (this.#state !== BullMQExecutorState.OPEN) throw new InvalidStateError('cannot schedule new futures after shutdown');
  }

  #moduleTask(fn: unknown): Extract<TaskDescriptor, { kind: 'module' }> {
    const task = describeTask(fn);
    if (task.kind === 'source') {
      throw new TaskNotAllowed(
        `task ${task.name || '(anonymous)'} is a function sent as source, which a BullMQExecutor refuses: worker hosts run only modules they allow. Define it with defineTask in a module the hosts load, or pass { module, name }`,
      );
    }
    return task;
  }

  #track(jobId: string, chunk: boolean, report: Report | undefined, attached = false): Pending {
    const now = performance.now();
    const pending: Pending = {
      future: new JobFuture(
        jobId,
        (future) => this.#withdraw(future),
        () => pending.cancellable,
      ),
      cancellable: !attached,
      chunk,
      report,
      added: Promise.resolve(false),
      error: undefined,
      since: now,
      submitted: now,
      release: undefined,
    };
    this.#jobs.set(jobId, pending);
    this.#scheduleCheck();
    // Submitted while Redis is away and no other future waits on it: none is timing the outage.
    if (this.#downSince !== undefined && this.#unreachable === undefined) this.#timeOutage(this.#options.reconnectTimeout);
    return pending;
  }

  #submitJob(task: Extract<TaskDescriptor, { kind: 'module' }>, args: unknown[], chunk: boolean, report: Report | undefined): Pending {
    this.#assertOpen();
    let encoded: string;
    try {
      encoded = encode(args);
    } catch (error) {
      // As on the pools: the future fails, submit does not throw.
      const pending = this.#track(randomUUID(), chunk, report);
      this.#settle(pending, true, new TypeError(`the task's arguments could not be sent to the worker host: ${messageOf(error)}`, { cause: error }));
      return pending;
    }
    const bytes = decodedBytes(encoded);
    if (bytes > this.#options.maxPayloadBytes) {
      throw new RangeError(`the arguments of task ${task.name} serialize to ${bytes} bytes, over maxPayloadBytes (${this.#options.maxPayloadBytes})`);
    }
    const data: JobPayload = {
      aiox: PAYLOAD_VERSION,
      module: task.module,
      name: task.name,
      args: encoded,
      ...(chunk ? { chunk: true } : {}),
      ...(report === undefined ? {} : { reports: true }),
      to: this.#id,
    };
    const jobId = randomUUID();
    const pending = this.#track(jobId, chunk, report);
    pending.added = this.#add(pending, data);
    return pending;
  }

  async #add(pending: Pending, data: JobPayload): Promise<boolean> {
    const { future } = pending;
    try {
      await this.#ready;
      // Cancelled or aborted before it reached Redis: it never will.
      if (future.done()) return false;
      const keep = { age: this.#options.keepFinishedJobs };
      await this.#addBatched({ name: data.name, data, opts: { jobId: future.jobId, removeOnComplete: keep, removeOnFail: keep } });
      return true;
    } catch (error) {
      this.#settle(pending, true, new BrokenExecutor(`could not add job ${future.jobId} to queue ${this.#queue.name}: ${messageOf(error)}`, { cause: error }));
      return false;
    }
  }

  /**
   * Adds a job with the others submitted in the same turn of the event loop, in one `addBulk` (one round
   * trip to Redis for the lot, as a burst of `submit` calls or map's read-ahead makes them), or alone with
   * `add`.
   */
  #addBatched(job: BulkJob): Promise<unknown> {
    let batch = this.#batch;
    if (batch === undefined || batch.jobs.length >= MAX_BATCH) {
      const jobs: BulkJob[] = [];
      const added = new Promise<void>((resolve) => setImmediate(resolve)).then((): Promise<unknown> => {
        if (this.#batch?.jobs === jobs) this.#batch = undefined;
        // A job alone goes without addBulk's transaction (MULTI ... EXEC): one command, as a one-by-one
        // submitter makes them.
        const [job] = jobs;
        return jobs.length === 1 ? this.#queue.add(job!.name, job!.data, job!.opts) : this.#queue.addBulk(jobs);
      });
      batch = this.#batch = { jobs, added };
    }
    batch.jobs.push(job);
    return batch.added;
  }

  /** Applies a signal and a timeout to a job. */
  #limit(pending: Pending, signal: AbortSignal | undefined, timeout: number | undefined): void {
    if (signal?.aborted === true) return this.#abort(pending, signal.reason);
    const onAbort = (): void => this.#abort(pending, signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer =
      timeout === undefined || timeout === Infinity
        ? undefined
        : after(timeout, () => this.#abort(pending, new TimeoutError(`job ${pending.future.jobId} timed out after ${timeout} ms`)));
    if (signal === undefined && timer === undefined) return;
    pending.release = () => {
      signal?.removeEventListener('abort', onAbort);
      timer?.clear();
    };
  }

  /** A signal or a timeout stopped the job: its future fails now, and the job is stopped wherever it is. */
  #abort(pending: Pending, reason: unknown): void {
    if (pending.future.done()) return;
    this.#counts.cancelled++;
    this.#settle(pending, true, reason);
    this.#stopJob(pending);
  }

  /** `future.cancel()` succeeded. */
  #withdraw(future: JobFuture<unknown>): void {
    const pending = this.#jobs.get(future.jobId);
    if (pending === undefined) return;
    this.#counts.cancelled++;
    this.#forget(pending);
    this.#stopJob(pending);
  }

  /** Removes a job from the queue, or, if a host holds it, asks the hosts to stop it. */
  #stopJob(pending: Pending): void {
    const stopping = this.#stopRemotely(pending).finally(() => this.#stopping.delete(stopping));
    this.#stopping.add(stopping);
  }

  async #stopRemotely(pending: Pending): Promise<void> {
    try {
      if (!(await pending.added)) return;
      const jobId = pending.future.jobId;
      if ((await this.#queue.remove(jobId)) === 1) return;
      await this.#client.publish(this.#channel, jobId);
    } catch (error) {
      // The future is settled already; a job that could not be stopped runs to its end, unseen.
      this.#lastError = error;
    }
  }

  #started(jobId: string): void {
    const pending = this.#jobs.get(jobId);
    if (pending === undefined || pending.future.done() || pending.future.running()) return;
    pending.future.setRunningOrNotifyCancel();
  }

  /** A task's progress or event, from its host. */
  #report(jobId: string, kind: 'p' | 'e', value: string | undefined, item: number | undefined): void {
    const pending = this.#jobs.get(jobId);
    if (pending?.report === undefined || value === undefined) return;
    try {
      pending.report(kind === 'p' ? 'progress' : 'event', decode(value), item ?? 0);
    } catch (error) {
      // A listener that throws, or a value that does not decode, costs that report only: reported as a
      // pool reports a callback's error, without failing the task.
      process.emitWarning(`a report of job ${jobId} was dropped: ${messageOf(error)}`, { type: 'AioxCallbackWarning', code: 'ERR_AIOX_CALLBACK' });
    }
  }

  /**
   * A job failed for good: with the task's error as its host recorded it (in the reply, or in the job's
   * progress), else with BullMQ's failedReason.
   */
  #failedWith(jobId: string, error: string | undefined, failedReason: string | undefined): void {
    const pending = this.#jobs.get(jobId);
    if (pending === undefined) return;
    if (error !== undefined) {
      try {
        pending.error = { value: fromWire(decode(error) as WireError) };
      } catch {
        // Unreadable: the failedReason stands in for it.
      }
    }
    this.#failed(jobId, failedReason ?? 'the job failed');
  }

  #completed(jobId: string, returnvalue: unknown): void {
    const pending = this.#jobs.get(jobId);
    if (pending === undefined) return;
    this.#counts.completed++;
    try {
      if (typeof returnvalue !== 'string') throw new TypeError(`its result is ${describe(returnvalue)}, not an aiox result`);
      const value = decode(returnvalue);
      if (pending.chunk) {
        const { values, error, ms } = value as ChunkResult;
        this.#settle(pending, false, { values, ...(error === undefined ? {} : { error }), ms: (ms * TARGET_CHUNK_MS) / JOB_TARGET_MS } satisfies ChunkResult);
      } else {
        this.#settle(pending, false, value);
      }
    } catch (error) {
      this.#settle(pending, true, new BrokenExecutor(`job ${jobId} completed with a result that cannot be read: ${messageOf(error)}`, { cause: error }));
    }
  }

  #failed(jobId: string, failedReason: string): void {
    const pending = this.#jobs.get(jobId);
    if (pending === undefined) return;
    this.#counts.failed++;
    // A task may throw undefined: the recorded error is what it threw, whatever it is.
    this.#settle(pending, true, pending.error === undefined ? new Error(failedReason) : pending.error.value);
  }

  /**
   * Settles a job's future from the job as Redis holds it: for a job whose replies were missed, and for
   * attach(). A job Redis does not have fails its future. Resolves to whether it settled the future.
   */
  async #check(jobId: string, attaching = false): Promise<boolean> {
    const pending = this.#jobs.get(jobId);
    if (pending === undefined) return false;
    try {
      // The state first, then the job: a job read while it ran, found finished by a later look at its state,
      // would have no result in hand.
      const state = await this.#queue.getJobState(jobId);
      const job = state === 'unknown' || pending.future.done() ? undefined : await Job.fromId(this.#queue, jobId);
      if (pending.future.done()) return false;
      if (job === undefined) {
        const why = attaching ? 'it was never added, or was removed once finished' : 'it was removed, or Redis lost it';
        this.#settle(pending, true, new InvalidStateError(`job ${jobId} is not in queue ${this.#queue.name}: ${why}`));
        return true;
      }
      if (attaching && (job.data as Partial<JobPayload> | undefined)?.chunk === true) pending.chunk = true;
      // Not finished when read: a cancel now removes it, or stops it where it runs, as a submitted job's does.
      pending.cancellable = true;
      if (state === 'completed') this.#completed(jobId, job.returnvalue);
      else if (state === 'failed') {
        const record = progressProblem(job.progress) === undefined ? (job.progress as unknown as ProgressRecord) : undefined;
        this.#failedWith(jobId, record?.k === 'x' ? record.v : undefined, job.failedReason);
      } else if (state === 'active') this.#started(jobId);
      return pending.future.done();
    } catch (error) {
      this.#lastError = error;
      return false;
    }
  }

  /** Checks, every checkInterval (or after `delay` ms), the jobs not heard of for that long. */
  #scheduleCheck(delay = this.#options.checkInterval): void {
    if (this.#checker !== undefined) {
      if (delay > 0) return;
      clearTimeout(this.#checker);
    }
    this.#checker = setTimeout(() => void this.#checkRound(), delay);
    // Pending work keeps the program alive through the connections; the check alone must not.
    this.#checker.unref();
  }

  /**
   * Checks up to CHECK_BATCH of the jobs least lately heard of, if not heard of for checkInterval (or since
   * before replies were lost), and moves them to the end of the line: a round never checks the same jobs as
   * the last while others wait, so a job whose reply was lost settles even behind thousands still queued. A
   * round that settled some goes on at once with the next: lost replies come in numbers.
   */
  async #checkRound(): Promise<void> {
    this.#checker = undefined;
    const before = Math.max(performance.now() - this.#options.checkInterval, this.#due);
    const silent: Pending[] = [];
    for (const pending of this.#jobs.values()) {
      if (pending.since > before || silent.length === CHECK_BATCH) break;
      silent.push(pending);
    }
    const now = performance.now();
    for (const pending of silent) {
      pending.since = now;
      this.#jobs.delete(pending.future.jobId);
      this.#jobs.set(pending.future.jobId, pending);
    }
    const settled = await Promise.all(silent.map(async (pending) => (await pending.added) && (await this.#check(pending.future.jobId))));
    const next = this.#jobs.values().next().value;
    if (next === undefined) return;
    this.#scheduleCheck(settled.includes(true) || next.since <= this.#due ? 0 : undefined);
  }

  /**
   * The connection closed: a pending future fails once it has waited reconnectTimeout on the outage (see
   * the option), until the connection is back.
   */
  #watchOutage(): void {
    if (this.#downSince !== undefined || this.#state === BullMQExecutorState.CLOSED) return;
    this.#downSince = performance.now();
    this.#timeOutage(this.#options.reconnectTimeout);
  }

  #timeOutage(delay: number): void {
    if (delay === Infinity) return;
    this.#unreachable = after(delay, () => this.#outageDeadline());
  }

  /**
   * Fails the futures that have waited reconnectTimeout on the outage, and times the next one to; a future
   * submitted during the outage gets as long as one submitted before it.
   */
  #outageDeadline(): void {
    const { reconnectTimeout } = this.#options;
    this.#unreachable = undefined;
    this.#gaveUp = true;
    const now = performance.now();
    const error = this.#unreachableError();
    let next = Infinity;
    for (const pending of [...this.#jobs.values()]) {
      if (pending.submitted <= now - reconnectTimeout) this.#settle(pending, true, error);
      else next = Math.min(next, pending.submitted);
    }
    for (const giveUp of [...this.#onGiveUp]) giveUp();
    if (next !== Infinity) this.#timeOutage(next + reconnectTimeout - now);
  }

  #unreachableError(): BrokenExecutor {
    const message = `Redis has been unreachable for ${this.#options.reconnectTimeout} ms (reconnectTimeout): ${messageOf(this.#lastError)}`;
    return new BrokenExecutor(message, { cause: this.#lastError });
  }

  #settle(pending: Pending, failed: boolean, value: unknown): void {
    this.#forget(pending);
    const { future } = pending;
    if (future.done()) return;
    if (failed) future.setException(value);
    else future.setResult(value);
  }

  #forget(pending: Pending): void {
    if (this.#jobs.get(pending.future.jobId) !== pending) return;
    this.#jobs.delete(pending.future.jobId);
    pending.release?.();
    this.#unfollow(pending);
    if (this.#jobs.size === 0) this.#idle?.();
  }
}
