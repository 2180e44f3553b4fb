import { once } from 'node:events';
import { MessageChannel } from 'node:worker_threads';
import type { Future } from '../futures/future.js';
import type { SubmitOptions } from '../executors/executor.js';
import { submitBackground } from '../executors/pool-executor.js';
import { ChannelError } from '../futures/errors.js';
import { socketPair, socketPort } from '../internal/socket-port.js';
import { MAX_DELAY } from '../internal/timers.js';
import { Deque } from '../internal/deque.js';
import { validateFunction, validateInteger, validateOptions, validateSignal, validateTimeout } from '../internal/validate.js';
import type { ReportOptions } from '../executors/task-reports.js';
import { describeTask, type TaskDescriptor, type TaskRef } from '../tasks/task.js';
import { fromWire, toWire } from '../tasks/wire-error.js';
import { PROCESS_POOL, THREAD_POOL } from './executor-pool.js';
import { driveGenerator, replyProblem, type GeneratorReply, type GeneratorRequest } from './generator-task.js';

/**
 * Options of {@link generateInThread.with}.
 * @example
 * ```ts
 * // file: tasks.ts
 * import { defineTask } from 'aiox';
 * export const naturals = defineTask(import.meta.url, function* naturals() {
 *   for (let n = 0; ; n++) yield n;
 * });
 * ```
 * ```ts
 * import { generateInThread } from 'aiox';
 * import { naturals } from './tasks.js';
 * // The worker runs up to 100 values ahead; after 5 s it is stopped wherever it is.
 * for await (const n of generateInThread.with({ readAhead: 100, timeout: 5000 })(naturals)) if (n >= 1000) break;
 * ```
 */
export interface GenerateOptions<P = unknown, E = unknown> extends Pick<ReportOptions<P, E>, 'onProgress' | 'onEvent'> {
  /**
   * Items the worker may produce ahead of the consumer, for throughput. With a read-ahead, values passed to
   * `next(value)` cannot reach the generator, so passing one is a TypeError. @default 0
   */
  readonly readAhead?: number;
  /** Stops the generator, even mid-step, by terminating its worker; pending steps reject with the reason. */
  readonly signal?: AbortSignal;
  /** Milliseconds from the call after which the generator is stopped as by `signal`. @default Infinity */
  readonly timeout?: number;
}

type GeneratorTask<A extends unknown[], Y, R, N> =
  | ((...args: A) => Generator<Y, R, N> | AsyncGenerator<Y, R, N>)
  | TaskRef<A, Generator<Y, R, N> | AsyncGenerator<Y, R, N>>;

interface Waiter {
  resolve(result: IteratorResult<unknown, unknown>): void;
  reject(reason: unknown): void;
}

/** The consumer's end of the channel to the worker's generator. */
interface Channel {
  /** Throws if the request cannot be sent (cannot be cloned, or is over a socket's frame limit). */
  postMessage(request: GeneratorRequest): void;
  /** Replies as received: unchecked. */
  onMessage(listener: (reply: unknown) => void): void;
  /** The channel failed: a frame that does not deserialize, or is over the limit. */
  onError(listener: (error: Error) => void): void;
  close(): void;
  unref(): void;
}

/**
 * The consumer's side: one request per step, answered in order over the channel. Neither the channel nor
 * the worker's task keeps the program alive; a step the consumer has asked for does, until it settles. So
 * a generator left open, even with steps read ahead, does not keep a finished program running.
 */
class RemoteGenerator<Y, R, N> implements AsyncGenerator<Y, R, N> {
  #channel: Channel | undefined;
  // Requests made before the channel is open; sent as soon as it is.
  readonly #outbox: GeneratorRequest[] = [];
  readonly #waiters = new Deque<Waiter>();
  readonly #ahead = new Deque<Promise<IteratorResult<unknown, unknown>>>();
  readonly #readAhead: number;
  #finished = false;
  /** Why the channel was given up (see #fail): steps asked for afterwards fail with it too. */
  #failure: { readonly reason: unknown } | undefined;
  // Steps the consumer has asked for and that have not settled (steps read ahead do not count until asked
  // for): while there are any, a timer holds the program.
  #asked = 0;
  // One idle interval for the generator's life, referenced only while `#asked > 0`, and from the
  // generator's end until its pool task's end arrives (see #letGo).
  #hold: NodeJS.Timeout | undefined;
  /** The pool task has ended (or never started): nothing of this generator is on its way any more. */
  #taskEnded = false;
  /** Stops the pool task (terminating its worker), once the channel is open. */
  #stop: ((reason: unknown) => void) | undefined;
  readonly #answered = (): void => {
    if (--this.#asked === 0) this.#letGo();
  };

  constructor(opened: Promise<Opened>, readAhead: number) {
    this.#readAhead = readAhead;
    opened.then(
      ({ channel, ended, closed, stop }) => {
        this.#stop = stop;
        const taskEnded = (): void => {
          this.#taskEnded = true;
          if (this.#asked === 0) this.#letGo();
        };
        ended.then(taskEnded, taskEnded);
        // The task's end and the generator's replies travel on different channels. When the task ends well,
        // wait for the channel to close, so no reply still on its way is lost. When it fails (signal,
        // timeout, a dead worker), every pending step fails at once.
        ended.then(
          () => closed.then(() => this.#end(undefined)),
          (reason: unknown) => this.#end(reason, true),
        );
        if (this.#finished) return channel.close();
        this.#channel = channel;
        channel.onMessage((reply) => this.#onReply(reply));
        channel.onError((error) => this.#fail(error));
        channel.unref();
        try {
          for (const request of this.#outbox.splice(0)) channel.postMessage(request);
        } catch (error) {
          this.#fail(error);
        }
      },
      (reason: unknown) => {
        this.#taskEnded = true;
        this.#end(reason, true);
      },
    );
  }

  next(...[value]: [] | [N]): Promise<IteratorResult<Y, R>> {
    if (this.#readAhead > 0 && value !== undefined) {
      return Promise.reject(new TypeError('next(value) cannot pass a value to a generator read ahead; set readAhead to 0'));
    }
    const step = this.#ahead.shift() ?? this.#request({ op: 'next', value });
    while (this.#ahead.length < this.#readAhead && !this.#finished) {
      const ahead = this.#request({ op: 'next', value: undefined });
      // A step read ahead that fails when nobody asks for it any more must not be an unhandled rejection;
      // whoever does ask still gets the rejection.
      ahead.catch(() => undefined);
      this.#ahead.push(ahead);
    }
    return this.#asking(step) as Promise<IteratorResult<Y, R>>;
  }

  return(value?: R | PromiseLike<R>): Promise<IteratorResult<Y, R>> {
    this.#ahead.drain(); // each already has a catch (see next())
    return this.#asking(this.#request({ op: 'return', value })) as Promise<IteratorResult<Y, R>>;
  }

  throw(error: unknown): Promise<IteratorResult<Y, R>> {
    this.#ahead.drain();
    return this.#asking(this.#request({ op: 'throw', value: toWire(error) })) as Promise<IteratorResult<Y, R>>;
  }

  /** Holds the program until `step`, asked for by the consumer, settles. */
  #asking<T>(step: Promise<T>): Promise<T> {
    if (this.#asked++ === 0) {
      this.#hold ??= setInterval(() => undefined, MAX_DELAY);
      this.#hold.ref();
    }
    step.then(this.#answered, this.#answered);
    return step;
  }

  /**
   * No step is asked for: an open generator lets the program end. A finished one holds it until its pool
   * task's end has arrived (it follows the last reply at once): a background task, its worker holds nothing,
   * and a `shutdown()` awaited meanwhile would wait for that end with nothing keeping the program alive.
   */
  #letGo(): void {
    if (!this.#finished) return void this.#hold?.unref();
    if (!this.#taskEnded) return void this.#hold?.ref();
    clearInterval(this.#hold);
    this.#hold = undefined;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return(undefined as R);
  }

  #request(request: GeneratorRequest): Promise<IteratorResult<unknown, unknown>> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure.reason);
    if (this.#finished) return Promise.resolve({ done: true, value: undefined });
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      if (this.#channel === undefined) return void this.#outbox.push(request);
      try {
        this.#channel.postMessage(request);
      } catch (error) {
        // Nothing was sent, so no reply will come for it: only this step fails.
        this.#waiters.pop();
        reject(error);
      }
    });
  }

  /**
   * The channel delivered something it must not (a bad frame, a malformed or unasked-for reply): every
   * pending step fails with `error`, and the generator's worker is stopped, since it can no longer be
   * talked to.
   */
  #fail(error: unknown): void {
    if (this.#finished) return;
    this.#failure = { reason: error };
    this.#end(error, true);
    this.#stop?.(error);
  }

  #onReply(message: unknown): void {
    if (this.#finished) return;
    const problem = replyProblem(message);
    if (problem !== undefined) return this.#fail(new ChannelError(`received a malformed generator reply: ${problem}`));
    const waiter = this.#waiters.shift();
    if (waiter === undefined) return this.#fail(new ChannelError('received a generator reply that no step asked for'));
    const reply = message as GeneratorReply;
    if ('error' in reply) {
      waiter.reject(fromWire(reply.error));
      this.#end(undefined);
    } else {
      waiter.resolve({ done: reply.done, value: reply.value });
      if (reply.done) this.#end(undefined);
    }
  }

  #end(reason: unknown, failed = false): void {
    if (this.#finished && this.#waiters.length === 0) return;
    this.#finished = true;
    this.#channel?.close();
    // With a step still asked for, the hold goes when it settles.
    if (this.#asked === 0) this.#letGo();
    for (let w = this.#waiters.shift(); w !== undefined; w = this.#waiters.shift()) {
      if (failed) w.reject(reason);
      else w.resolve({ done: true, value: undefined });
    }
  }
}

type Where = 'thread' | 'process';

interface Opened {
  readonly channel: Channel;
  /** The pool task: it ends when the generator does. */
  readonly ended: Future<void>;
  /** Settles when the channel has closed, after every reply sent before. */
  readonly closed: Promise<unknown>;
  /** Stops the pool task: its worker is terminated. */
  readonly stop: (reason: unknown) => void;
}

async function open(where: Where, options: GenerateOptions<never, never>, task: TaskDescriptor, args: unknown[]): Promise<Opened> {
  // The generator is stopped by the caller's signal or by a channel that fails (see RemoteGenerator.#fail).
  // The caller's signal is forwarded by hand, and its listener removed once the task ends, so a long-lived
  // signal does not collect listeners (a signal from AbortSignal.any stays on its sources until collected).
  const stopper = new AbortController();
  const stop = (reason: unknown): void => stopper.abort(reason);
  const outer = options.signal;
  const forward = (): void => stop(outer!.reason);
  if (outer?.aborted === true) forward();
  else outer?.addEventListener('abort', forward, { once: true });
  const release = (): void => outer?.removeEventListener('abort', forward);
  // A background task runs alone on its worker: no other task waits behind the generator.
  const { onProgress, onEvent } = options;
  const common: SubmitOptions = {
    signal: stopper.signal,
    ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
    // The generator's reports travel with its pool task, apart from its values (see docs/progress-and-events.md).
    ...(onProgress === undefined ? {} : { onProgress: onProgress as (value: unknown) => void }),
    ...(onEvent === undefined ? {} : { onEvent: onEvent as (event: unknown) => void }),
  };
  if (where === 'thread') {
    const { port1, port2 } = new MessageChannel();
    const closed = once(port1, 'close');
    let ended: Future<void>;
    try {
      ended = submitBackground(THREAD_POOL.ensure(), driveGenerator, [port2, task, args], { ...common, transfer: [port2] });
    } catch (error) {
      release();
      throw error;
    }
    void ended.then(release, release);
    const channel: Channel = {
      postMessage: (request) => port1.postMessage(request),
      onMessage: (listener) => port1.on('message', listener),
      onError: (listener) => port1.on('messageerror', listener),
      close: () => port1.close(),
      unref: () => port1.unref(),
    };
    return { channel, ended, closed, stop };
  }
  // The child gets its end through IPC handle passing: there is no address anyone else could connect to.
  let pair: Awaited<ReturnType<typeof socketPair>>;
  try {
    pair = await socketPair();
  } catch (error) {
    release();
    throw error;
  }
  const { mine, theirs } = pair;
  let ended: Future<void>;
  try {
    ended = submitBackground(PROCESS_POOL.ensure(), driveGenerator, [theirs, task, args], { ...common, transfer: [theirs] });
  } catch (error) {
    release();
    mine.destroy();
    theirs.destroy();
    throw error;
  }
  void ended.then(release, release);
  // If the task fails before its end was sent (aborted while queued), that end is still here.
  ended.catch(() => theirs.destroy());
  const port = socketPort(mine);
  const channel: Channel = {
    postMessage: (request) => port.postMessage(request),
    onMessage: (listener) => port.on('message', listener),
    onError: (listener) => port.on('error', listener),
    close: () => port.close(),
    unref: () => port.unref(),
  };
  return { channel, ended, closed: port.closed, stop };
}

function start<A extends unknown[], Y, R, N>(
  where: Where,
  options: GenerateOptions<never, never>,
  fn: GeneratorTask<A, Y, R, N>,
  args: A,
): AsyncGenerator<Y, R, N> {
  const task = describeTask(fn);
  return new RemoteGenerator<Y, R, N>(open(where, options, task, args as unknown[]), options.readAhead ?? 0);
}

function validateGenerateOptions(options: GenerateOptions<never, never>): void {
  validateOptions(options);
  validateInteger(options.readAhead ?? 0, 'readAhead', 0);
  validateSignal(options.signal);
  if (options.timeout !== undefined) validateTimeout(options.timeout);
  if (options.onProgress !== undefined) validateFunction(options.onProgress, 'onProgress');
  if (options.onEvent !== undefined) validateFunction(options.onEvent, 'onEvent');
}

/**
 * Drives a generator task (sync or async) that lives in a worker thread of `THREAD_POOL`, as an async
 * generator here: values passed to `next(value)` reach the worker's generator, `return()` or `break`
 * closes it there (its `finally` runs), and its errors surface at the step that raised them.
 * `generateInThread.with({ readAhead, signal, timeout })` adds options.
 *
 * The generator holds one worker for as long as it is open: close it (`break`, `return()`, `await using`).
 * It keeps the program alive only while a step asked for has not settled, so one left open does not stop
 * a finished program from exiting (its worker then ends without running the generator's `finally`).
 *
 * @example
 * ```ts
 * // file: tasks.ts
 * import { defineTask } from 'aiox';
 * export const countdown = defineTask(import.meta.url, function* countdown(n: number) {
 *   while (n > 0) yield n--;
 * });
 * ```
 * ```ts
 * import { generateInThread } from 'aiox';
 * import { countdown } from './tasks.js';
 * for await (const n of generateInThread(countdown, 3)) console.log(n); // 3 2 1
 * ```
 */
export function generateInThread<A extends unknown[], Y, R = unknown, N = unknown>(
  fn: GeneratorTask<A, Y, R, N>,
  ...args: A
): AsyncGenerator<Y, R, N> {
  return start('thread', {}, fn, args);
}

/** `generateInThread` with options. */
generateInThread.with = function withOptions<P = unknown, E = unknown>(options: GenerateOptions<P, E>) {
  validateGenerateOptions(options);
  return <A extends unknown[], Y, R = unknown, N = unknown>(fn: GeneratorTask<A, Y, R, N>, ...args: A): AsyncGenerator<Y, R, N> =>
    start('thread', options, fn, args);
};

/**
 * Like {@link generateInThread}, with the generator living in a child process of `PROCESS_POOL`; steps
 * travel over a private local socket, made here as a connected pair and handed to the child through IPC
 * (no address is published, nothing is written to disk). A frame over 256 MiB, one that does not
 * deserialize, or a reply of the wrong shape fails the generator with `ChannelError` and stops its worker.
 * `generateInProcess.with(options)` adds options.
 *
 * @example
 * ```ts
 * // file: tasks.ts
 * import { defineTask } from 'aiox';
 * export const countdown = defineTask(import.meta.url, function* countdown(n: number) {
 *   while (n > 0) yield n--;
 * });
 * ```
 * ```ts
 * import { generateInProcess } from 'aiox';
 * import { countdown } from './tasks.js';
 * for await (const n of generateInProcess(countdown, 3)) console.log(n); // 3 2 1
 * ```
 */
export function generateInProcess<A extends unknown[], Y, R = unknown, N = unknown>(
  fn: GeneratorTask<A, Y, R, N>,
  ...args: A
): AsyncGenerator<Y, R, N> {
  return start('process', {}, fn, args);
}

/** `generateInProcess` with options. */
generateInProcess.with = function withOptions<P = unknown, E = unknown>(options: GenerateOptions<P, E>) {
  validateGenerateOptions(options);
  return <A extends unknown[], Y, R = unknown, N = unknown>(fn: GeneratorTask<A, Y, R, N>, ...args: A): AsyncGenerator<Y, R, N> =>
    start('process', options, fn, args);
};
