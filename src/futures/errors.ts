/**
 * The error classes callers catch. Each has `name` equal to its class name and a stable `code`, and
 * `instanceof` recognises instances made by another copy of aiox (two versions in one dependency tree),
 * because membership is decided by the `code` carried on the prototype chain, not by object identity.
 *
 * @module
 */

const CODE = Symbol.for('aiox.error.code');

type ErrorClass<T extends Error> = new (message?: string, options?: ErrorOptions) => T;

/**
 * Builds one error class. Every class goes through here so that `name`, `code` and the cross-copy
 * `instanceof` are set up the same way for all of them.
 */
function defineError<T extends Error>(name: string, code: string, Base: ErrorClass<T>, defaultMessage: string) {
  const cls = {
    [name]: class extends (Base as ErrorClass<Error>) {
      /** Stable machine-readable code, the same across versions of aiox. */
      readonly code: string = code;
      constructor(message: string = defaultMessage, options?: ErrorOptions) {
        super(message, options);
      }
      static override [Symbol.hasInstance](value: unknown): boolean {
        // A user's subclass carries no code of its own, so the ordinary prototype check answers for it.
        if (!Object.prototype.hasOwnProperty.call(this.prototype, CODE)) {
          return Function.prototype[Symbol.hasInstance].call(this, value);
        }
        for (let p = value; p !== null && typeof p === 'object'; p = Object.getPrototypeOf(p)) {
          if (Object.prototype.hasOwnProperty.call(p, CODE) && (p as Record<symbol, unknown>)[CODE] === code) return true;
        }
        return false;
      }
    },
  }[name]!;
  Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true });
  Object.defineProperty(cls.prototype, CODE, { value: code });
  Object.defineProperty(cls, 'code', { value: code });
  return cls;
}

/**
 * The future was cancelled before it ran (by `Future.cancel()` or `shutdown({ cancelFutures: true })`).
 * @example
 * ```ts
 * import { CancelledError, ThreadPoolExecutor } from 'aiox';
 * await using pool = new ThreadPoolExecutor();
 * const f = pool.submit(() => 'work');
 * f.cancel(); // true: no worker has it yet
 * await f.catch((e) => e instanceof CancelledError); // true
 * ```
 */
export const CancelledError = defineError('CancelledError', 'ERR_AIOX_CANCELLED', Error, 'the future was cancelled');
/** @inheritdoc */
export type CancelledError = InstanceType<typeof CancelledError>;

/**
 * A time limit passed: a task's `timeout`, `map`'s `timeout`, or `asCompleted`'s `timeout`.
 * @example
 * ```ts
 * import { ThreadPoolExecutor, TimeoutError } from 'aiox';
 * await using pool = new ThreadPoolExecutor();
 * const spin = () => { for (;;); };
 * await pool.submitWith(spin, [], { timeout: 100 }).catch((e) => e instanceof TimeoutError); // true
 * ```
 */
export const TimeoutError = defineError('TimeoutError', 'ERR_AIOX_TIMEOUT', Error, 'the operation timed out');
/** @inheritdoc */
export type TimeoutError = InstanceType<typeof TimeoutError>;

/**
 * An operation is not allowed in the object's current state, such as `result()` on a pending future.
 * @example
 * ```ts
 * import { Future, InvalidStateError } from 'aiox';
 * try { new Future().result(); } catch (e) { console.log(e instanceof InvalidStateError); } // true
 * ```
 */
export const InvalidStateError = defineError('InvalidStateError', 'ERR_AIOX_INVALID_STATE', Error, 'invalid state');
/** @inheritdoc */
export type InvalidStateError = InstanceType<typeof InvalidStateError>;

/**
 * An executor cannot run a task: its initializer failed (the whole pool is then broken), or the worker
 * that held the task died (only that task fails; the pool replaces the worker).
 * @example
 * ```ts
 * import { BrokenExecutor, ProcessPoolExecutor } from 'aiox';
 * await using pool = new ProcessPoolExecutor();
 * await pool.submit(() => process.exit(1)).catch((e) => e instanceof BrokenExecutor); // true for either pool
 * ```
 */
export const BrokenExecutor = defineError('BrokenExecutor', 'ERR_AIOX_BROKEN_EXECUTOR', Error, 'the executor is broken');
/** @inheritdoc */
export type BrokenExecutor = InstanceType<typeof BrokenExecutor>;

/**
 * A {@link BrokenExecutor} raised by a `ThreadPoolExecutor`.
 * @example
 * ```ts
 * import { BrokenThreadPool, ThreadPoolExecutor } from 'aiox';
 * await using threads = new ThreadPoolExecutor();
 * const error = await threads.submit(() => process.exit(3)).catch((e: unknown) => e);
 * console.log(error instanceof BrokenThreadPool, (error as Error).message);
 * // true a thread worker exited with code 3 while running the task
 * ```
 */
export const BrokenThreadPool = defineError('BrokenThreadPool', 'ERR_AIOX_BROKEN_THREAD_POOL', BrokenExecutor, 'the thread pool is broken');
/** @inheritdoc */
export type BrokenThreadPool = InstanceType<typeof BrokenThreadPool>;

/**
 * A {@link BrokenExecutor} raised by a `ProcessPoolExecutor`.
 * @example
 * ```ts
 * import { BrokenProcessPool, ProcessPoolExecutor } from 'aiox';
 * await using processes = new ProcessPoolExecutor();
 * await processes.submit(() => process.exit(3)).catch((e) => e instanceof BrokenProcessPool); // true
 * ```
 */
export const BrokenProcessPool = defineError('BrokenProcessPool', 'ERR_AIOX_BROKEN_PROCESS_POOL', BrokenExecutor, 'the process pool is broken');
/** @inheritdoc */
export type BrokenProcessPool = InstanceType<typeof BrokenProcessPool>;

/**
 * A {@link Barrier} was broken by `reset()` or `abort()` while parties were waiting at it, or `wait()` was
 * called on a barrier left broken by `abort()`.
 * @example
 * ```ts
 * import { Barrier, BrokenBarrierError } from 'aiox';
 * const barrier = new Barrier(2);
 * barrier.abort();
 * await barrier.wait().catch((e) => e instanceof BrokenBarrierError); // true
 * ```
 */
export const BrokenBarrierError = defineError('BrokenBarrierError', 'ERR_AIOX_BROKEN_BARRIER', Error, 'the barrier is broken');
/** @inheritdoc */
export type BrokenBarrierError = InstanceType<typeof BrokenBarrierError>;

/**
 * A bounded queue refused an item without waiting: `putNowait()` found a {@link Queue} full (it holds
 * `maxsize` items), or a pool's `submit` found its queue full (it holds `maxQueue` tasks; wait with
 * `await pool.room()`). One class for both: the condition and the remedy (wait for room) are the same.
 * @example
 * ```ts
 * import { Queue, QueueFull } from 'aiox';
 * const q = new Queue<number>({ maxsize: 1 });
 * q.putNowait(1);
 * try { q.putNowait(2); } catch (e) { console.log(e instanceof QueueFull); } // true
 * ```
 */
export const QueueFull = defineError('QueueFull', 'ERR_AIOX_QUEUE_FULL', Error, 'the queue is full');
/** @inheritdoc */
export type QueueFull = InstanceType<typeof QueueFull>;

/**
 * `getNowait()` found the queue empty.
 * @example
 * ```ts
 * import { Queue, QueueEmpty } from 'aiox';
 * try { new Queue<number>().getNowait(); } catch (e) { console.log(e instanceof QueueEmpty); } // true
 * ```
 */
export const QueueEmpty = defineError('QueueEmpty', 'ERR_AIOX_QUEUE_EMPTY', Error, 'the queue is empty');
/** @inheritdoc */
export type QueueEmpty = InstanceType<typeof QueueEmpty>;

/**
 * The queue was shut down: every `put` fails, and every `get` fails once no item is left (at once after
 * `shutdown({ immediate: true })`, which also drops the items).
 * @example
 * ```ts
 * import { Queue, QueueShutDown } from 'aiox';
 * const queue = new Queue<string>();
 * queue.shutdown();
 * await queue.get().catch((e) => e instanceof QueueShutDown); // true: nothing was left in it
 * ```
 */
export const QueueShutDown = defineError('QueueShutDown', 'ERR_AIOX_QUEUE_SHUT_DOWN', Error, 'the queue is shut down');
/** @inheritdoc */
export type QueueShutDown = InstanceType<typeof QueueShutDown>;

/**
 * A pool refused a task because its module is not on the pool's `allowedTasks` list, or because it is a
 * function sent as source and the list does not allow those. Thrown by `submit` (and `map`) at once; the
 * task never reaches a worker.
 * @example
 * ```ts
 * import { TaskNotAllowed, ThreadPoolExecutor, taskRef } from 'aiox';
 * await using pool = new ThreadPoolExecutor({ allowedTasks: { modules: [new URL('./tasks/', import.meta.url)] } });
 * try {
 *   pool.submit(taskRef<(command: string) => string>('node:child_process', 'execSync'), 'echo hi');
 * } catch (e) {
 *   console.log(e instanceof TaskNotAllowed); // true
 * }
 * ```
 */
export const TaskNotAllowed = defineError('TaskNotAllowed', 'ERR_AIOX_TASK_NOT_ALLOWED', Error, 'the task is not allowed in this pool');
/** @inheritdoc */
export type TaskNotAllowed = InstanceType<typeof TaskNotAllowed>;

/**
 * A private channel between aiox and a worker (the socket of a `generateInProcess` generator) received
 * something it cannot accept: a frame that is malformed, larger than the limit, or of the wrong shape.
 * Only the call that used the channel fails; the channel is closed.
 * @example
 * ```ts
 * import { ChannelError } from 'aiox';
 * const error = new ChannelError('a frame of 300000000 bytes is over the limit of 268435456');
 * console.log(error.code); // ERR_AIOX_CHANNEL
 * ```
 */
export const ChannelError = defineError('ChannelError', 'ERR_AIOX_CHANNEL', Error, 'a channel to a worker received bad data');
/** @inheritdoc */
export type ChannelError = InstanceType<typeof ChannelError>;

/**
 * A {@link Manager}'s object was used after the manager shut down, or after the process that hosts it
 * ended: every call of its proxies fails with this, at once or as soon as the connection closes.
 * @example
 * ```ts
 * import { Manager, ManagerShutDown } from 'aiox';
 * const manager = new Manager();
 * const jobs = manager.queue<string>();
 * await manager.shutdown();
 * await jobs.put('late').catch((e) => e instanceof ManagerShutDown); // true
 * ```
 */
export const ManagerShutDown = defineError('ManagerShutDown', 'ERR_AIOX_MANAGER_SHUT_DOWN', Error, 'the manager has shut down');
/** @inheritdoc */
export type ManagerShutDown = InstanceType<typeof ManagerShutDown>;

/** Looks up an aiox error class by its `code`, used to rebuild errors that crossed a worker boundary. */
export const errorClassesByCode: ReadonlyMap<string, ErrorClass<Error>> = new Map(
  [
    CancelledError,
    TimeoutError,
    InvalidStateError,
    BrokenExecutor,
    BrokenThreadPool,
    BrokenProcessPool,
    BrokenBarrierError,
    QueueFull,
    QueueEmpty,
    QueueShutDown,
    TaskNotAllowed,
    ChannelError,
    ManagerShutDown,
  ].map(
    (cls) => [(cls as unknown as { code: string }).code, cls as ErrorClass<Error>],
  ),
);
