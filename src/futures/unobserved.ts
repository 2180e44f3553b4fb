/**
 * Internal: the report of failed futures whose exception nobody retrieved, aiox's form of asyncio's
 * "Future exception was never retrieved".
 *
 * Only a future that fails while unobserved is tracked, so the path of every other future costs nothing
 * here. A tracked future is reported once, through `process.emitWarning`, when it is garbage collected
 * (a long-running program) or when the event loop runs out of work (`beforeExit`: a short script, which
 * may end before any collection). Observing it later withdraws it. Never an unhandled rejection: a future
 * may be observed long after it failed.
 *
 * @module
 */

import { inspect } from 'node:util';

/** The warning's `type` (its `name` on the `'warning'` event). */
export const UNOBSERVED_WARNING_TYPE = 'AioxUnobservedFailureWarning';
/** The warning's stable `code`. */
export const UNOBSERVED_WARNING_CODE = 'ERR_AIOX_UNOBSERVED_FAILURE';

/** One tracked failure. It must not reference its future, or the future could never be collected. */
interface Tracked {
  readonly error: unknown;
  readonly future: WeakRef<object>;
}

const live = new Set<Tracked>();
const byFuture = new WeakMap<object, Tracked>();
let registry: FinalizationRegistry<Tracked> | undefined;

/** Starts tracking `future`, which has just failed with `error` and has not been observed. */
export function trackUnobserved(future: object, error: unknown): void {
  if (registry === undefined) {
    registry = new FinalizationRegistry(report);
    // beforeExit does not keep the program alive; it fires each time the loop runs dry, so sweep then.
    process.on('beforeExit', sweep);
  }
  const tracked: Tracked = { error, future: new WeakRef(future) };
  live.add(tracked);
  byFuture.set(future, tracked);
  registry.register(future, tracked, future);
}

/** `future` (failed, tracked) was observed after all: it will not be reported. */
export function untrackUnobserved(future: object): void {
  const tracked = byFuture.get(future);
  if (tracked === undefined) return;
  byFuture.delete(future);
  live.delete(tracked);
  registry!.unregister(future);
}

function report(tracked: Tracked): void {
  // Already reported by a sweep, or observed (a collected future cannot be observed, but be safe).
  if (!live.delete(tracked)) return;
  process.emitWarning(unobservedWarning(tracked.error), { type: UNOBSERVED_WARNING_TYPE, code: UNOBSERVED_WARNING_CODE });
}

/** The loop has run dry: nothing can observe the tracked futures any more, so report them now. */
function sweep(): void {
  // report() removes each from `live` as it goes (emitWarning delivers later, so nothing re-enters here).
  for (const tracked of [...live]) {
    const future = tracked.future.deref();
    if (future !== undefined) {
      byFuture.delete(future);
      registry!.unregister(future);
    }
    report(tracked);
  }
}

function unobservedWarning(error: unknown): string {
  const shown = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : inspect(error);
  return (
    'a Future failed and its exception was never retrieved (await it, or call result(), exception() or ' +
    `markObserved() on it): ${shown}`
  );
}
