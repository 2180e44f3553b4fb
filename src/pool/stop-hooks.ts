import { TimeoutError } from '../futures/errors.js';
import { after, MAX_DELAY, type Delay } from '../internal/timers.js';
import type { StopHook, TaskRecord } from './task-record.js';

/**
 * The timeouts and signals that stop tasks. A burst where every task has a safety timeout or shares one
 * signal must cost little more than one without, so: a timeout is one plain timer with a shared callback (no
 * closure per task), and a signal gets one listener however many tasks it stops, the tasks waiting in a set
 * (listeners of one AbortSignal are a list that every add and remove walks: one each would cost O(n^2)).
 */
export class StopHooks {
  readonly #stop: (record: TaskRecord, reason: unknown) => void;
  /** The tasks each signal stops, while it has any. */
  readonly #bySignal = new Map<AbortSignal, Set<TaskRecord>>();

  /** `stop` is called once for a task whose timeout fires or whose signal aborts, already disarmed. */
  constructor(stop: (record: TaskRecord, reason: unknown) => void) {
    this.#stop = stop;
  }

  /** Starts `record`'s timeout and listens to its signal (not aborted yet). */
  arm(record: TaskRecord, signal: AbortSignal | undefined, timeout: number | undefined, background: boolean): StopHook {
    const hook: StopHook = { signal, timer: undefined, timeout: timeout ?? Infinity, background };
    if (signal !== undefined) {
      const records = this.#bySignal.get(signal);
      if (records !== undefined) records.add(record);
      else {
        this.#bySignal.set(signal, new Set([record]));
        signal.addEventListener('abort', this.#onAbort);
      }
    }
    if (timeout !== undefined && timeout !== Infinity) {
      // A delay setTimeout cannot wait goes in steps (see after()); the global is looked up now, so that fake
      // clocks in tests control it.
      hook.timer = timeout > MAX_DELAY ? after(timeout, () => this.#timedOut(record)) : setTimeout(this.#timedOut, timeout, record);
      if (background) hook.timer.unref();
    }
    return hook;
  }

  /** Removes `record`'s timer and its place under its signal; the hook is gone from the record after. */
  disarm(record: TaskRecord): void {
    const hook = record.stop;
    if (hook === undefined) return;
    record.stop = undefined;
    const { signal, timer } = hook;
    if (timer !== undefined) {
      if (isDelay(timer)) timer.clear();
      else clearTimeout(timer);
    }
    if (signal === undefined) return;
    const records = this.#bySignal.get(signal);
    if (records === undefined || !records.delete(record) || records.size > 0) return;
    this.#bySignal.delete(signal);
    signal.removeEventListener('abort', this.#onAbort);
  }

  readonly #timedOut = (record: TaskRecord): void => {
    const timeout = record.stop?.timeout;
    this.disarm(record);
    this.#stop(record, new TimeoutError(`the task timed out after ${timeout} ms`));
  };

  readonly #onAbort = (event: Event): void => {
    const signal = event.target as AbortSignal;
    signal.removeEventListener('abort', this.#onAbort);
    const records = this.#bySignal.get(signal);
    this.#bySignal.delete(signal);
    if (records === undefined) return;
    for (const record of records) {
      // Its place under the signal went with the set: disarm only clears its timer.
      this.disarm(record);
      this.#stop(record, signal.reason);
    }
  };
}

function isDelay(timer: Delay | ReturnType<typeof setTimeout>): timer is Delay {
  return typeof (timer as Partial<Delay>).clear === 'function';
}
