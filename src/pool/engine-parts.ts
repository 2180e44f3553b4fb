// The engine's parts as they see one another: one interface, each field said once. A part takes the fields
// it uses (a Pick of it); the engine builds one object for all (see PoolEngine's constructor).
import type { Publisher } from './diagnostics.js';
import type { Estimates } from './dispatch.js';
import type { PoolWatch } from './pool-watch.js';
import type { Replies } from './replies.js';
import type { ReportListeners } from './reports.js';
import type { PoolCounters } from './stats.js';
import type { TaskAborts } from './task-aborts.js';
import type { TaskOutcomes } from './task-outcomes.js';
import type { TaskQueue } from './task-queue.js';
import type { TaskTable } from './task-table.js';
import type { Transport } from './transport.js';
import type { WorkerErrorInfo } from './types.js';
import type { WorkerSet } from './worker-set.js';

export interface EngineParts {
  readonly transport: Transport;
  readonly queue: TaskQueue;
  readonly workers: WorkerSet;
  readonly outcomes: TaskOutcomes;
  readonly aborts: TaskAborts;
  readonly replies: Replies;
  readonly counts: PoolCounters;
  readonly estimates: Estimates;
  readonly listeners: ReportListeners;
  /** Who the diagnostics channels name as the publisher (see diagnostics.ts). */
  readonly publisher: Publisher;
  readonly tasks: TaskTable;
  readonly maxWorkers: number;
  /** See EngineOptions.abortGrace. */
  readonly abortGrace: number;
  readonly onWorkerError: ((error: unknown, info: WorkerErrorInfo) => void) | undefined;
  /** Whether the pool still takes work (OPEN). */
  readonly open: () => boolean;
  /** Whether the pool is broken: answers that arrive then answer tasks failed already. */
  readonly broken: () => boolean;
  /** Set while the executor listens for the pool's events (see pool-watch.ts). */
  readonly watch: () => PoolWatch | undefined;
  /** Sends queued work to workers now (a worker is ready). */
  readonly pump: () => void;
  /** Sends queued work to workers once this turn's submits are in: a task or a worker became free. */
  readonly schedulePump: () => void;
  /** Breaks the pool for good (an initializer failed, a worker could not start); returns how many futures it failed. */
  readonly break: (message: string, cause: unknown) => number;
  /** Once shut down (or broken) and out of work, stops the workers; closes when the last has exited. */
  readonly maybeClose: () => void;
}
