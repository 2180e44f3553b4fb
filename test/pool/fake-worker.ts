import type { StopHook } from '../../src/pool/stop-hooks.js';
import { StoppableRecord, TaskRecord } from '../../src/pool/task-record.js';
import { TaskTable } from '../../src/pool/task-table.js';
import type { WorkerHandle } from '../../src/pool/transport.js';
import { WorkerSlot } from '../../src/pool/worker-slot.js';
import { taskCode, type AbortTaskMessage, type RunMessage } from '../../src/wire/protocol.js';

// What the unit tests of the engine's parts share: a worker handle that records what the engine did to its
// worker (no worker starts), slots on it, and records of tasks of one function.

/** The task table the records below are sent with. */
export const table = new TaskTable();
/** The fnId of the one function of the records below. */
export const FN = table.fnIdOf((n: number) => n);

/** A worker that starts nothing and records what was done to it. */
export class FakeHandle implements WorkerHandle {
  /** The batches posted, in order. */
  readonly posted: RunMessage[] = [];
  /** What else was done to it, in order: `ref`, `unref`, `tell abort <seq>`, `terminate[ <signal>]`. */
  readonly calls: string[] = [];
  /** Whether it keeps the program alive. */
  referenced = true;
  /** Set: `post` throws, as for arguments that cannot be cloned. */
  refuse = false;

  post(message: RunMessage): void {
    if (this.refuse) throw new Error('cannot be cloned');
    this.posted.push(message);
  }

  tell(message: AbortTaskMessage): void {
    this.calls.push(`tell abort ${message.seq}`);
  }

  terminate(signal?: 'SIGTERM' | 'SIGKILL'): void {
    this.calls.push(signal === undefined ? 'terminate' : `terminate ${signal}`);
  }

  /** Whether it was told to stop. */
  get terminated(): boolean {
    return this.calls.some((call) => call.startsWith('terminate'));
  }

  ref(): void {
    this.referenced = true;
    this.calls.push('ref');
  }

  unref(): void {
    this.referenced = false;
    this.calls.push('unref');
  }
}

/** A slot started on a {@link FakeHandle}, not ready yet: a thread worker (with claims), or a process. */
export function fakeSlot({ id = 1, budget = 100, process = false, concurrency = 1 } = {}): { worker: WorkerSlot; handle: FakeHandle } {
  const handle = new FakeHandle();
  const worker = new WorkerSlot(id, budget, !process, concurrency);
  worker.start(() => handle, true);
  return { worker, handle };
}

/**
 * `count` records of calls of {@link FN} (task `i` with arguments `[i]`), about to be sent, each expected to
 * take `expected` ms (NaN: the function has not been timed); with `hook`, records of tasks with a signal, a
 * timeout or BACKGROUND, armed on it (as StopHooks would).
 */
export function records(count: number, expected = Number.NaN, hook?: StopHook): TaskRecord[] {
  return Array.from({ length: count }, (_, i) => {
    let record: TaskRecord;
    if (hook === undefined) record = new TaskRecord(taskCode(FN, false), [i], undefined);
    else {
      const stoppable = new StoppableRecord(taskCode(FN, false), [i], undefined);
      stoppable.stop = hook;
      record = stoppable;
    }
    record.sending(expected);
    return record;
  });
}
