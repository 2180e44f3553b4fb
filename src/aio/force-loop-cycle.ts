/**
 * Yields to the event loop for one turn: resolves from a `setImmediate` callback, so pending microtasks,
 * I/O callbacks and immediates queued before the call all run first. Python's `await asyncio.sleep(0)`.
 * Useful to let other work make progress inside a long synchronous-looking loop.
 *
 * @example
 * ```ts
 * import { forceLoopCycle } from 'aiox';
 * for (let i = 0; i < 1_000_000; i++) {
 *   if (i % 10_000 === 0) await forceLoopCycle(); // let timers and I/O run
 * }
 * ```
 */
export function forceLoopCycle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
