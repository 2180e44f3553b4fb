import type { AbortTaskMessage, FromWorker, RunMessage, WorkerInit } from '../wire/protocol.js';

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
  /** Asks the running task `message.seq` to stop, through its signal (see TaskContext.signal). Never throws. */
  tell(message: AbortTaskMessage): void;
  /**
   * Stops the worker, whatever it runs; `exit` follows. A process gets `signal`: SIGKILL cannot be refused,
   * SIGTERM can be handled by the child. A thread is terminated at once either way.
   */
  terminate(signal?: 'SIGTERM' | 'SIGKILL'): void;
  /** Process workers only: the descriptor of its stash file (see wire/stash-file.ts), open until its exit is reported. */
  readonly stashFd?: number | undefined;
  /** Whether this worker keeps the program alive. Idle workers must not. */
  ref(): void;
  unref(): void;
}

/** Starts one worker. */
export type SpawnWorker = (init: WorkerInit, events: WorkerEvents) => WorkerHandle;

/**
 * One kind of worker as the engine sees it: how to start one, what its failures are called, and what it
 * allows, decided once here rather than asked of each worker.
 */
export interface Transport {
  readonly kind: 'thread' | 'process';
  /** The error of a task lost with its worker, and of a broken pool: `BrokenThreadPool`, `BrokenProcessPool`. */
  readonly Broken: new (message: string, options?: ErrorOptions) => Error;
  readonly spawn: SpawnWorker;
  /**
   * Whether the engine can take back a task it sent to a worker until the worker starts it (a ring of claims
   * in shared memory; see wire/claims.ts). Threads can; a child process shares no memory, so a task sent to
   * it counts as started.
   */
  readonly canWithdraw: boolean;
}
