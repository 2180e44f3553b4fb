import { describe } from '../internal/validate.js';

/**
 * What a shared primitive becomes when it is structured-cloned (passed to a thread task, posted to a
 * worker): a plain object keeping only its own public fields, the kind tag and the shared memory. The
 * prototype is lost on the way, so the receiving side calls the class's static `from()` to get a working
 * object over the same memory.
 * @example
 * ```ts
 * // file: worker.ts
 * import { workerData } from 'node:worker_threads';
 * import { SharedLock, type SharedHandle } from 'aiox';
 * const lock = SharedLock.from(workerData as SharedHandle<'SharedLock'>);
 * using _held = lock.acquireSync();
 * ```
 * ```ts
 * import { Worker } from 'node:worker_threads';
 * import { SharedLock } from 'aiox';
 * const lock = new SharedLock();
 * new Worker(new URL('./worker.js', import.meta.url), { workerData: lock }); // arrives as a SharedHandle
 * ```
 */
export interface SharedHandle<K extends string> {
  /** Which primitive this is, so `from()` can refuse the wrong one. */
  readonly aioxShared: K;
  /** The shared memory the primitive lives in. */
  readonly buffer: SharedArrayBuffer;
}

/** Checks that `value` is a `kind` or its clone, and returns its memory. */
export function bufferOf(value: unknown, kind: string, bytes: number): SharedArrayBuffer {
  const handle = value as Partial<SharedHandle<string>> | null;
  const ok =
    handle !== null &&
    typeof handle === 'object' &&
    handle.aioxShared === kind &&
    handle.buffer instanceof SharedArrayBuffer &&
    handle.buffer.byteLength >= bytes;
  if (!ok) throw new TypeError(`value must be a ${kind} or its structured clone, received ${describe(value)}`);
  return handle.buffer!;
}
