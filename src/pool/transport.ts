import type { FromWorker, RunMessage, WorkerInit } from '../wire/protocol.js';

/** What the engine hears from one worker. */
export interface WorkerEvents {
  message(message: FromWorker): void;
  /** The worker is gone; exactly once. `code` and `signal` as Node reports them. */
  exit(code: number | null, signal: NodeJS.Signals | null, error: Error | undefined): void;
}

/**
 * The engine's view of one worker, implemented once for threads and once for processes. Everything the
 * engine does (queueing, dispatch, abort, crash handling) is written against this and nothing else.
 */
export interface WorkerHandle {
  /**
   * Sends a batch, moving what `transfer` lists (transferables to a thread, handles to a process). Throws
   * synchronously if something in it cannot be cloned or moved.
   */
  post(message: RunMessage, transfer: readonly unknown[] | undefined): void;
  /**
   * Stops the worker, whatever it runs; `exit` follows. A process gets `signal`: SIGKILL cannot be refused,
   * SIGTERM can be handled by the child. A thread is terminated at once either way.
   */
  terminate(signal?: 'SIGTERM' | 'SIGKILL'): void;
  /** Whether this worker keeps the program alive. Idle workers must not. */
  ref(): void;
  unref(): void;
}

/** Starts one worker. */
export type SpawnWorker = (init: WorkerInit, events: WorkerEvents) => WorkerHandle;
