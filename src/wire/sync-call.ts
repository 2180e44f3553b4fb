import type { MessagePort } from 'node:worker_threads';
import type { TaskDescriptor } from '../tasks/task.js';
import type { WireError } from '../tasks/wire-error.js';

/**
 * The messages between `runSync` (aio/run-sync.ts) and the one thread that serves it (worker/sync-entry.ts).
 * runSync does not go through the pool engine: it blocks its thread in `Atomics.wait` until the call's
 * `flag` is set, then takes the reply off `port` with `receiveMessageOnPort`.
 */

/** One call of `runSync`: the reply goes to `port`, then `flag` wakes the thread blocked in Atomics.wait. */
export interface SyncCall {
  readonly task: TaskDescriptor;
  readonly args: unknown[];
  readonly port: MessagePort;
  readonly flag: Int32Array;
}

/** What the thread posts on a {@link SyncCall}'s port: the task's value, or its error. */
export type SyncReply = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly error: WireError };
