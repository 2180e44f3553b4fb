import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { TimeoutError } from '../futures/errors.js';
import { validateOptions, validateTimeout } from '../internal/validate.js';
import { assertMayStartPool } from '../tasks/import-guard.js';
import { describeTask, type Task } from '../tasks/task.js';
import { fromWire } from '../tasks/wire-error.js';
import type { SyncCall, SyncReply } from '../wire/sync-call.js';
import { workerEntry } from '../internal/worker-entry.js';

/**
 * Options of {@link runSync.with}.
 * @example
 * ```ts
 * import { runSync } from 'aiox';
 * // In a callback that must return synchronously: block this thread for 2 s at most, then throw
 * // TimeoutError (the worker is terminated).
 * const status = runSync.with({ timeout: 2000 })(async (url: string) => (await fetch(url)).status, 'http://127.0.0.1:8080/health');
 * ```
 */
export interface RunSyncOptions {
  /** Milliseconds to block at most; then the worker is terminated and `TimeoutError` thrown. @default Infinity */
  readonly timeout?: number;
}

// One thread serves every runSync call of this thread; it never keeps the program alive.
let worker: Worker | undefined;

function syncWorker(): Worker {
  if (worker === undefined) {
    assertMayStartPool('runSync()');
    worker = new Worker(workerEntry('sync-entry'), { name: 'aiox-run-sync' });
    worker.unref();
    const self = worker;
    self.on('exit', () => {
      if (worker === self) worker = undefined;
    });
    // A crash wakes the blocked caller from inside the worker (see sync-entry.ts); nothing to do here.
    self.on('error', () => undefined);
  }
  return worker;
}

function call<A extends unknown[], R>(options: RunSyncOptions, fn: Task<A, R>, args: A): Awaited<R> {
  const { timeout = Infinity } = options;
  validateTimeout(timeout);
  const task = describeTask(fn);
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const target = syncWorker();
  const message: SyncCall = { task, args, port: port2, flag };
  try {
    target.postMessage(message, [port2]);
  } catch (error) {
    port1.close();
    throw new TypeError(`the arguments could not be sent to the worker: ${(error as Error).message}`, { cause: error });
  }
  const outcome = Atomics.wait(flag, 0, 0, timeout);
  if (outcome === 'timed-out') {
    port1.close();
    worker = undefined;
    void target.terminate();
    throw new TimeoutError(`runSync() timed out after ${timeout} ms`);
  }
  const received = receiveMessageOnPort(port1);
  port1.close();
  if (received === undefined) {
    worker = undefined;
    throw new Error('runSync(): the worker ended before the task settled (process.exit or an uncaught error in it)');
  }
  const reply = received.message as SyncReply;
  if (reply.ok) return reply.value as Awaited<R>;
  throw fromWire(reply.error);
}

/**
 * Runs a task (sync or async) on a worker thread and blocks the calling thread until it settles, then
 * returns its result or throws its error: for boundaries that must stay synchronous, such as a callback a
 * library calls synchronously. Blocking stops this thread's event loop; prefer `await inThread(...)`
 * everywhere else. `runSync.with({ timeout })` gives up after that many milliseconds, terminating the task.
 *
 * @throws the task's error; {TimeoutError} when the timeout passes.
 * @example
 * ```ts
 * import { runSync } from 'aiox';
 * const size = runSync(async (url: string) => (await fetch(url)).headers.get('content-length'), 'http://127.0.0.1:8080/');
 * ```
 */
export function runSync<A extends unknown[], R>(fn: Task<A, R>, ...args: A): Awaited<R> {
  return call({}, fn, args);
}

/** `runSync` with options. */
runSync.with = function withOptions(options: RunSyncOptions) {
  validateOptions(options);
  validateTimeout(options.timeout ?? Infinity);
  return <A extends unknown[], R>(fn: Task<A, R>, ...args: A): Awaited<R> => call(options, fn, args);
};
