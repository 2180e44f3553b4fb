/**
 * What `Lock.acquire()` and `Semaphore.acquire()` / `acquireMany()` resolve to: the right to release what
 * was taken, exactly once. Usable with `using` and `await using`, so the release cannot be forgotten.
 * @example
 * ```ts
 * import { Lock, type Releasable } from 'aiox';
 * const lock = new Lock();
 * const held: Releasable = await lock.acquire(); // held past this block, so released by hand
 * const lease = setTimeout(() => held.release(), 5000); // at the latest after 5 s
 * // ... work ...
 * held.release(); // the lease's release() then does nothing
 * clearTimeout(lease);
 * console.log(held.released, lock.locked()); // true false
 * ```
 */
export interface Releasable extends Disposable, AsyncDisposable {
  /** True once `release()` (or a dispose) has run. */
  readonly released: boolean;
  /** Gives back what was acquired. Later calls do nothing, so nothing is ever released twice. */
  release(): void;
}

/** Wraps `release` so that it runs at most once. */
export function releasable(release: () => void): Releasable {
  let released = false;
  const once = (): void => {
    if (released) return;
    released = true;
    release();
  };
  return {
    get released() {
      return released;
    },
    release: once,
    [Symbol.dispose]: once,
    [Symbol.asyncDispose]: async () => once(),
  };
}
