// The public API of aiox. Every export is named here on purpose; internal modules are not re-exported.
export {
  BrokenExecutor,
  BrokenProcessPool,
  BrokenThreadPool,
  CancelledError,
  InvalidStateError,
  TaskNotAllowed,
  TimeoutError,
} from './futures/errors.js';
export { Future, FutureState } from './futures/future.js';
export { ReturnWhen, wait, type DoneAndNotDone, type WaitOptions } from './futures/wait.js';
export { asCompleted, type AsCompletedOptions, type Completed } from './futures/as-completed.js';
export { defineTask, taskRef, type DefinedTask, type Task, type TaskFunction, type TaskRef } from './tasks/task.js';
export {
  currentTask,
  PROGRESS_INTERVAL_MS,
  type EventOf,
  type ProgressOf,
  type Reports,
  type TaskContext,
} from './tasks/current-task.js';
export { TaskReports, type ReportOptions, type TaskReport } from './executors/task-reports.js';
export { isPoolWorker } from './tasks/import-guard.js';
export type { Executor, MapOptions, ShutdownOptions, SubmitOptions } from './executors/executor.js';
export type { PoolExecutorOptions, RoomOptions } from './executors/pool-executor.js';
export type { AllowedTasks } from './executors/allowed-tasks.js';
export type { PoolEvents } from './executors/pool-events.js';
export type { WorkerDeathInfo } from './pool/pool-watch.js';
export type {
  TaskFinishMessage,
  TaskOutcome,
  TaskQueuedMessage,
  TaskStartMessage,
  WorkerExitMessage,
  WorkerExitReason,
  WorkerMessage,
  WorkerReadyMessage,
} from './pool/diagnostics.js';
export { PoolState, type PoolStats, type TimeDistribution, type WorkerErrorInfo } from './pool/types.js';
export { ThreadPoolExecutor, type ThreadPoolExecutorOptions } from './executors/thread-pool-executor.js';
export { ProcessPoolExecutor, type ProcessPoolExecutorOptions } from './executors/process-pool-executor.js';

// aio: running work elsewhere, the default pools, the program entry point.
export { CPU_CORES, ExecutorPool, PROCESS_POOL, THREAD_POOL } from './aio/executor-pool.js';
export { inProcess, inThread, type RunElsewhere } from './aio/in-thread.js';
export { run, type RunOptions } from './aio/run.js';
export { runSync, type RunSyncOptions } from './aio/run-sync.js';
export { generateInProcess, generateInThread, type GenerateOptions } from './aio/generate.js';
export { ChannelError } from './futures/errors.js';

// aio: bounded concurrency and scheduling (pure async, no worker pools).
export type { WorkContext, WorkInput, WorkItem } from './aio/work-input.js';
export { collect, type CollectOptions } from './aio/collect.js';
export { resolve, type ResolveIterator, type ResolveOptions } from './aio/resolve.js';
export { rateLimited, type RateLimitedFunction, type RateLimitOptions } from './aio/rate-limited.js';
export { schedule, type Scheduled, type ScheduleOptions } from './aio/schedule.js';
export { forceLoopCycle } from './aio/force-loop-cycle.js';

// sync and time: asyncio-style primitives, queues, structured concurrency, periodic work.
export { BrokenBarrierError, QueueEmpty, QueueFull, QueueShutDown } from './futures/errors.js';
export type { Releasable } from './sync/releasable.js';
export { Event, type EventWaitOptions } from './sync/event.js';
export { Lock, type AcquireOptions } from './sync/lock.js';
export { Condition, type ConditionWaitOptions } from './sync/condition.js';
export { Semaphore } from './sync/semaphore.js';
export { BoundedSemaphore } from './sync/bounded-semaphore.js';
export { Barrier, BarrierState, type BarrierWaitOptions } from './sync/barrier.js';
export { Queue, QueueState, type QueueOptions, type QueueShutdownOptions, type QueueWaitOptions } from './sync/queue.js';
export { LifoQueue } from './sync/lifo-queue.js';
export { PriorityQueue, comparePriority, type PriorityQueueOptions } from './sync/priority-queue.js';
export { TaskGroup, TaskGroupState, type TaskGroupOptions } from './sync/task-group.js';
export { sleep, type SleepOptions } from './time/sleep.js';
export { timeout, type TimeoutOptions } from './time/timeout.js';
export { every, PeriodicState, type EveryOptions, type Periodic } from './time/every.js';

// shared: primitives over SharedArrayBuffer for the main thread and worker threads (not processes).
export type { SharedHandle } from './shared/handle.js';
export type { SharedSyncWaitOptions, SharedWaitOptions } from './shared/wait.js';
export { SharedLock } from './shared/shared-lock.js';
export { SharedSemaphore } from './shared/shared-semaphore.js';
export { SharedEvent } from './shared/shared-event.js';
export { SharedCondition, type SharedConditionHandle } from './shared/shared-condition.js';
export { SharedQueue, type SharedQueueOptions } from './shared/shared-queue.js';

// manager: objects hosted in this process, reached through proxies from the caller, threads and processes.
export { ManagerShutDown } from './futures/errors.js';
export { Manager, ManagerState, type ManagedPipeOptions, type ManagedQueueOptions, type ManagedSemaphoreOptions } from './manager/manager.js';
export { ManagedPipeEnd } from './manager/managed-pipe.js';
export type { ManagedKind } from './manager/wire.js';
export type { ManagedWaitOptions } from './manager/proxy.js';
export type { QueueOrder } from './manager/hosted-queue.js';
export { ManagedQueue, type ManagedGetManyOptions } from './manager/managed-queue.js';
export { ManagedBarrier, ManagedCondition, ManagedEvent, ManagedLock, ManagedSemaphore, type ManagedHold } from './manager/managed-sync.js';
export { ManagedMap, ManagedValue } from './manager/managed-value.js';
