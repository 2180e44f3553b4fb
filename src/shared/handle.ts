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

// Each kind writes its own mark into one word of its memory when it is made, so that `from()` refuses
// memory made for anything else (or random bytes) before trusting any of its counters.
const MARKS: Readonly<Record<string, number>> = {
  SharedLock: 0x61780101,
  SharedEvent: 0x61780202,
  SharedCondition: 0x61780303,
  SharedSemaphore: 0x61780404,
  SharedQueue: 0x61780505,
};

/** New shared memory of `bytes` for a `kind`, with the kind's mark at word `at` (see {@link bufferOf}). */
export function newMemory(kind: string, bytes: number, at: number): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(bytes);
  new Int32Array(buffer, 4 * at, 1)[0] = MARKS[kind]!;
  return buffer;
}

/**
 * Checks that `value` is a `kind` or its clone and that its memory holds one: at least `bytes` long, the
 * kind's mark at word `at`, and whatever `check` says of the header (it returns the broken invariant, or
 * undefined). Returns the memory.
 */
export function bufferOf(
  value: unknown,
  kind: string,
  bytes: number,
  at: number,
  check?: (cells: Int32Array, buffer: SharedArrayBuffer) => string | undefined,
): SharedArrayBuffer {
  const handle = value as Partial<SharedHandle<string>> | null;
  const ok =
    handle !== null &&
    typeof handle === 'object' &&
    handle.aioxShared === kind &&
    handle.buffer instanceof SharedArrayBuffer &&
    handle.buffer.byteLength >= bytes;
  if (!ok) throw new TypeError(`value must be a ${kind} or its structured clone, received ${describe(value)}`);
  const buffer = handle.buffer!;
  const cells = new Int32Array(buffer, 0, Math.floor(buffer.byteLength / 4));
  const problem = Atomics.load(cells, at) !== MARKS[kind] ? `it does not carry the mark of a ${kind}` : check?.(cells, buffer);
  if (problem !== undefined) {
    throw new TypeError(`value must be a ${kind} or its structured clone, received memory that is not a valid ${kind}: ${problem}`);
  }
  return buffer;
}
