/**
 * Whether `error` is just work obeying `signal`'s abort, which is no failure of its own: the signal's reason
 * itself, or an `AbortError` (what `fetch`, `timers/promises` and `events.once` throw for an aborted signal,
 * with the reason as `cause`). False while the signal has not aborted.
 */
export function obeyedAbort(error: unknown, signal: AbortSignal): boolean {
  if (!signal.aborted) return false;
  return error === signal.reason || (error instanceof Error && (error.name === 'AbortError' || error.cause === signal.reason));
}
