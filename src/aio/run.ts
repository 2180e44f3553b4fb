import { setMaxListeners } from 'node:events';
import { constants } from 'node:os';
import { followRun } from '../executors/pool-executor.js';
import { CancelledError } from '../futures/errors.js';
import { enterRun } from '../internal/run-scope.js';
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
  /** Signals that abort `main`'s signal; a second one exits at once (code 128 + its number). @default ['SIGINT', 'SIGTERM'] */
  readonly signals?: readonly NodeJS.Signals[];
}

/**
 * The program's entry point. `main` receives an `AbortSignal` that aborts on the first SIGINT or SIGTERM
 * (a second one exits at once, with code 130 for SIGINT, 143 for SIGTERM). The program stays alive until `main` settles; then the
 * default pools are shut down, so the program can end.
 *
 * The first signal also stops the work of the pools: the default pools ({@link THREAD_POOL},
 * {@link PROCESS_POOL}, so `inThread`, `inProcess` and the generators) and every pool started inside `run`
 * follow `main`'s signal unless their `signal` option says otherwise: queued tasks are cancelled, running
 * ones fail with the signal's reason (an `AbortError`) and their workers are terminated.
 *
 * A failure is printed to stderr and sets `process.exitCode = 1`; `run` then resolves to `undefined`.
 * Otherwise it resolves to `main`'s result. After an interrupt, the exit code is the one a shell expects
 * (130 for SIGINT, 143 for SIGTERM: 128 + the signal's number), and a failure that is only the interrupt
 * showing through (an `AbortError`, a `CancelledError`) is not printed.
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
  // Every task and wait of the program may listen to it.
  setMaxListeners(0, controller.signal);
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(exitCodeOf(signal));
    interrupted = signal;
    controller.abort(new DOMException(`interrupted by ${signal}`, 'AbortError'));
  };
  for (const signal of signals) process.on(signal, onSignal);
  // The program lives until main settles, even when main only waits for its signal.
  const release = holdOpen();
  const leave = enterRun(controller.signal);
  // The default pools started before run follow its signal too; those started inside do by themselves.
  for (const slot of [THREAD_POOL, PROCESS_POOL]) if (slot.initialized) followRun(slot.pool, controller.signal);
  try {
    const result = await main(controller.signal);
    if (interrupted !== undefined && !process.exitCode) process.exitCode = exitCodeOf(interrupted);
    return result;
  } catch (error) {
    if (interrupted !== undefined && isCancellation(error)) {
      if (!process.exitCode) process.exitCode = exitCodeOf(interrupted);
    } else {
      console.error(error);
      process.exitCode = 1;
    }
    return undefined;
  } finally {
    leave();
    release();
    for (const signal of signals) process.off(signal, onSignal);
    await Promise.all([THREAD_POOL.shutdown({ cancelFutures: true }), PROCESS_POOL.shutdown({ cancelFutures: true })]);
  }
}

/** What a shell reports for a program ended by `signal`: 128 + its number. */
function exitCodeOf(signal: NodeJS.Signals): number {
  return 128 + (constants.signals[signal] ?? 2);
}

/** An error that only says the work was stopped: the abort reason itself, an AbortError, a CancelledError. */
function isCancellation(error: unknown): boolean {
  return error instanceof CancelledError || (error instanceof Error && error.name === 'AbortError');
}
