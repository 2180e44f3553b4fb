import { whenDone } from '../futures/future.js';
import { stackOf } from '../internal/message-of.js';
import type { ReportMessage } from '../wire/protocol.js';
import type { TaskRecord } from './task-record.js';
import type { WorkerSlot } from './worker-slot.js';

/** Who hears a task's reports (progress values and events) on the caller's side; built by the executors. */
export interface TaskListener {
  /** A report of the task; `item` numbers the item of a map chunk that made it, else -1. */
  report(kind: 'progress' | 'event', value: unknown, item: number): void;
  /** The task's future has settled: no report follows. */
  end(): void;
}

/**
 * The engine's side table of listeners, by task record, holding only tasks whose caller listens: a task
 * nobody listens to adds nothing to its record or future. An entry leaves once its future settles; reports
 * that arrive after that (a task aborted while it ran goes on until its worker stops) are dropped.
 */
export class ReportListeners {
  readonly #byRecord = new Map<TaskRecord, TaskListener>();

  /** `record`'s reports go to `listener` until its future settles. */
  add(record: TaskRecord, listener: TaskListener): void {
    this.#byRecord.set(record, listener);
    const drop = (): void => {
      this.#byRecord.delete(record);
      listener.end();
    };
    // Not addDoneCallback or then, which count as observing the future: a failure nobody awaits must still warn.
    whenDone(record, drop);
  }

  /**
   * A report from `worker` for its task `seq`. Each task's reports travel before its result on the same
   * channel, so the task is still the worker's (in flight, or running on in the background) when they arrive.
   */
  deliver(worker: WorkerSlot, message: ReportMessage): void {
    if (this.#byRecord.size === 0) return;
    const { seq } = message;
    const running = worker.runningOn.get(seq);
    if (running !== undefined) return this.#deliverTo(running, message);
    const inflight = worker.inflight;
    for (let i = 0; i < inflight.length; i++) {
      const record = inflight.at(i)!;
      if (record.seq < seq) continue;
      if (record.seq === seq) this.#deliverTo(record, message);
      return;
    }
  }

  #deliverTo(record: TaskRecord, message: ReportMessage): void {
    if (record.done()) return;
    const listener = this.#byRecord.get(record);
    if (listener === undefined) return;
    try {
      listener.report(message.kind, message.value, message.item ?? -1);
    } catch (error) {
      // As a Future's done callback: the caller's code failed, not the pool.
      process.emitWarning(
        `a report listener (onProgress, onEvent) threw: ${stackOf(error)}`,
        { type: 'AioxCallbackWarning', code: 'ERR_AIOX_CALLBACK' },
      );
    }
  }
}
