/**
 * A process-wide hook that tells whoever listens which worker thread has just died. The pool's thread
 * transport reports every exit of a worker it started; the shared primitives (`src/shared/`) listen, on
 * the main thread, to take back what a dead thread held. The layering keeps `pool/` from importing
 * `shared/`; both import this instead.
 *
 * The listeners live on `globalThis` under a registered symbol, so two copies of aiox in one program
 * (two versions in a dependency tree) hear each other's workers.
 */

type Listener = (threadId: number) => void;

const KEY = Symbol.for('aiox.worker-exits');
const store = globalThis as unknown as Record<symbol, Set<Listener> | undefined>;
const listeners: Set<Listener> = (store[KEY] ??= new Set());

/** Calls `listener` with the `threadId` of every pool thread that exits from now on. Returns an unsubscribe. */
export function onWorkerExit(listener: Listener): () => void {
  listeners.add(listener);
  return () => void listeners.delete(listener);
}

/** Reports that the worker thread `threadId` has exited; its memory writes are over. */
export function workerExited(threadId: number): void {
  for (const listener of listeners) {
    try {
      listener(threadId);
    } catch (error) {
      // A listener's failure must not keep the pool from handling the exit; surface it like a timer error.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
