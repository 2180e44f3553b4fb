import { isMainThread } from 'node:worker_threads';
import { onWorkerExit } from '../internal/worker-exits.js';

/** Frees whatever the thread with owner token `token` held, and wakes whoever waits for it. */
export type Recover = (token: number) => void;

/**
 * Dead-owner recovery. Every shared primitive created or revived on the main thread registers a recovery
 * function here; when the pool reports that one of its worker threads has exited
 * (src/internal/worker-exits.ts), each function frees what that thread held, found by its owner token in
 * shared memory. The functions capture only the memory, never the primitive, and leave when the
 * primitive is collected, so registering keeps nothing alive. Several objects over the same memory
 * (`from()` called twice) register several functions; recovery is idempotent, so that only repeats a check.
 */
const live = new Set<Recover>();
const gone = new FinalizationRegistry<Recover>((recover) => live.delete(recover));
let subscribed = false;

/** Registers `recover` for as long as `owner` lives, on the main thread only (workers hear of no deaths). */
export function recoverOnExit(owner: object, recover: Recover): void {
  if (!isMainThread) return;
  live.add(recover);
  gone.register(owner, recover);
  if (!subscribed) {
    subscribed = true;
    onWorkerExit((threadId) => {
      for (const each of live) each(threadId + 1);
    });
  }
}
