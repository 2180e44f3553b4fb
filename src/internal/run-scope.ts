// The signal of the `run()` in progress in this thread, if any: pools started while it runs follow it, so
// the first Ctrl-C stops their work too. A plain variable, not an AsyncLocalStorage: `run` is a program's
// entry point, so "while it runs" is the whole program, and async context tracking would tax every promise.
const scopes: AbortSignal[] = [];

/** The innermost `run()`'s signal, or undefined outside `run`. */
export function runSignal(): AbortSignal | undefined {
  return scopes.at(-1);
}

/** Makes `signal` the current run signal until the returned function is called. */
export function enterRun(signal: AbortSignal): () => void {
  scopes.push(signal);
  return () => {
    const at = scopes.lastIndexOf(signal);
    if (at >= 0) scopes.splice(at, 1);
  };
}
