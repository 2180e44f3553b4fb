// aiox/bullmq: the Executor on BullMQ and Redis, and the worker hosts that run its jobs. Built as an entry of
// its own (dist/bullmq/index.js), which imports the core through dist/index.js and leaves bullmq and ioredis
// to the user's install: importing 'aiox' never loads them.
export { BullMQExecutor, BullMQExecutorState, type BullMQExecutorOptions, type BullMQExecutorStats } from './bullmq-executor.js';
export { JobFuture } from './job-future.js';
export { runWorkerHost, type ModuleRemap, type WorkerHost, type WorkerHostOptions, type WorkerHostStats } from './worker-host.js';
export { connectionFromUrl } from './connection.js';
