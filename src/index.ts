// The public API of aiox. Every export is named here on purpose; internal modules are not re-exported.
export {
  BrokenExecutor,
  BrokenProcessPool,
  BrokenThreadPool,
  CancelledError,
  InvalidStateError,
  TimeoutError,
} from './futures/errors.js';
export { Future, FutureState } from './futures/future.js';
export { ReturnWhen, wait, type DoneAndNotDone, type WaitOptions } from './futures/wait.js';
export { asCompleted, type AsCompletedOptions, type Completed } from './futures/as-completed.js';
export { defineTask, taskRef, type Task, type TaskFunction, type TaskRef } from './tasks/task.js';
export type { Executor, MapOptions, ShutdownOptions, SubmitOptions } from './executors/executor.js';
export type { PoolExecutorOptions } from './executors/pool-executor.js';
export type { PoolStats, PoolState } from './pool/engine.js';
export { ThreadPoolExecutor, type ThreadPoolExecutorOptions } from './executors/thread-pool-executor.js';
export { ProcessPoolExecutor, type ProcessPoolExecutorOptions } from './executors/process-pool-executor.js';

// aio: running work elsewhere, the default pools, the program entry point.
export { CPU_CORES, ExecutorPool, PROCESS_POOL, THREAD_POOL } from './aio/executor-pool.js';
export { inProcess, inThread, type RunElsewhere } from './aio/in-thread.js';
export { run, type RunOptions } from './aio/run.js';
export { runSync, type RunSyncOptions } from './aio/run-sync.js';
export { generateInThread, type GenerateOptions } from './aio/generate.js';
