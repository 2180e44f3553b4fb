import { holdOpen } from '../internal/timers.js';
import { PROCESS_POOL, THREAD_POOL } from './executor-pool.js';
import { validateOptions } from '../internal/validate.js';

/**
 * Options of {@link run}.
 * @example
 * ```ts
 * import { run, sleep } from 'aiox';
 * // The list replaces the default one: SIGHUP (terminal closed) added to SIGINT and SIGTERM.
 * await run(async (signal) => {
 *   while (!signal.aborted) await sleep(1000, { signal }).catch(() => {});
 * }, { signals: ['SIGINT', 'SIGTERM', 'SIGHUP'] });
 * ```
 */
export interface RunOptions {
  /** Signals that abort `main`'s signal; a second one exits at once. @default ['SIGINT', 'SIGTERM'] */
  readonly signals?: readonly NodeJS.Signals[];
}

/**
 * The program's entry point. `main` receives an `AbortSignal` that aborts on the first SIGINT or SIGTERM
 * (a second one exits at once with code 130). The program stays alive until `main` settles; then the
 * default pools are shut down, so the program can end. A failure is printed to stderr and sets `process.exitCode = 1`; `run` then resolves to
 * `undefined`. Otherwise it resolves to `main`'s result.
 *
 * @example
 * ```ts
 * import { run } from 'aiox';
 * await run(async (signal) => {
 *   // pass `signal` to every wait, loop and task so Ctrl-C stops them all
 * });
 * ```
 */
export async function run<T>(main: (signal: AbortSignal) => T | Promise<T>, options: RunOptions = {}): Promise<T | undefined> {
  if (typeof main !== 'function') throw new TypeError(`main must be a function, received ${typeof main}`);
  validateOptions(options);
  const { signals = ['SIGINT', 'SIGTERM'] } = options;
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(new DOMException(`interrupted by ${signal}`, 'AbortError'));
  };
  for (const signal of signals) process.on(signal, onSignal);
  // The program lives until main settles, even when main only waits for its signal.
  const release = holdOpen();
  try {
    return await main(controller.signal);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
    return undefined;
  } finally {
    release();
    for (const signal of signals) process.off(signal, onSignal);
    await Promise.all([THREAD_POOL.shutdown({ cancelFutures: true }), PROCESS_POOL.shutdown({ cancelFutures: true })]);
  }
}
