import { InvalidStateError } from '../futures/errors.js';

// What this thread is doing, as far as starting a pool is concerned. In the main program every pool may
// start. In a pool worker (a thread or child process aiox started to run tasks) a pool may start only while
// a task (or the initializer) runs: a pool started while a task module is imported, or by something its
// import left behind (an async `main()` not awaited), would start in every worker, whose own workers would
// import the module again and start theirs, without end. That is the mistake of a script that defines a
// task in the file that also starts the pool at its top level; Python's spawn start method refuses it too.
//
// The state lives on globalThis under a registered symbol, one per thread, shared by every copy of aiox
// loaded in it: the package is one bundle per entry, so a worker entry and the `aiox` that a task module
// imports are two copies, and the same holds for two versions of aiox in one dependency tree.
interface GuardState {
  poolWorker: boolean;
  importing: string | undefined;
  running: number;
  // The refusal met while the current import ran: the import fails with it even if the module caught it.
  refused: Error | undefined;
  readonly imported: Set<string>;
}

const KEY = Symbol.for('aiox.import-guard');
const state: GuardState = ((globalThis as unknown as Record<symbol, GuardState | undefined>)[KEY] ??= {
  poolWorker: false,
  importing: undefined,
  running: 0,
  refused: undefined,
  imported: new Set(),
});

/** Called once by each worker entry point: from here on this thread is a pool worker. */
export function markPoolWorker(): void {
  state.poolWorker = true;
}

/**
 * Whether this code runs in a worker that aiox started to run tasks (a thread or child process of a pool,
 * the thread behind `runSync`), rather than in the main program. A script that also defines tasks can use
 * it to keep its top-level work out of the workers that import it.
 *
 * @example
 * ```ts
 * import { defineTask, isPoolWorker, ThreadPoolExecutor } from 'aiox';
 * export const square = defineTask(import.meta.url, function square(n: number) { return n * n; });
 * // Workers import this file to find `square`; only the main program starts the pool.
 * if (!isPoolWorker()) {
 *   await using pool = new ThreadPoolExecutor();
 *   console.log(await pool.submit(square, 7)); // 49
 * }
 * ```
 */
export function isPoolWorker(): boolean {
  return state.poolWorker;
}

/** Marks a task (or initializer) as running in this worker; pools it starts are allowed. */
export function taskStarted(): void {
  state.running++;
}

/** The task marked by {@link taskStarted} has settled. */
export function taskEnded(): void {
  state.running--;
}

/**
 * Imports a task module in a worker; returns what reads its exports. A pool started during the import fails
 * at once, and so does the import, with the same error, even if the module caught it. A `.cjs` file is
 * required rather than imported (see {@link requireAsImported}).
 */
export async function importTaskModule(module: string): Promise<(name: string) => unknown> {
  const outer = state.importing;
  const outerRefused = state.refused;
  state.importing = module;
  state.refused = undefined;
  try {
    let exportOf: (name: string) => unknown;
    if (isCommonJsFile(module)) exportOf = requireAsImported(module);
    else {
      const namespace = (await import(module)) as Record<string, unknown>;
      exportOf = (name) => namespace[name];
    }
    if (state.refused !== undefined) throw state.refused;
    return exportOf;
  } catch (error) {
    throw state.refused ?? error;
  } finally {
    state.imported.add(module);
    state.importing = outer;
    state.refused = outerRefused;
  }
}

/** Whether `module` is a file URL of a `.cjs` file: CommonJS whatever package it is in. */
function isCommonJsFile(module: string): boolean {
  return module.startsWith('file:') && new URL(module).pathname.endsWith('.cjs');
}

/**
 * A CommonJS module, required: what reads its exports as `import()` would give them. The first `import()` in
 * a worker starts Node's ESM loader there, about 4 ms of a thread's start and 10 ms of a child process's
 * (whose entry is CommonJS too): a worker whose task module is a `.cjs` file does without it. What
 * `import()` would give is kept: the same module instance (Node's ESM loader takes a CommonJS module from the
 * same cache), `default` as `module.exports` (never its `default` property: Node ignores `__esModule`), and
 * the other exports as `module.exports` has them as own properties (of which `import()` lists the ones it
 * finds by reading the source; here a function set under a computed name is found too).
 */
function requireAsImported(module: string): (name: string) => unknown {
  const { createRequire } = process.getBuiltinModule('node:module');
  const { fileURLToPath } = process.getBuiltinModule('node:url');
  const path = fileURLToPath(module);
  const exports = createRequire(path)(path) as unknown;
  const holdsExports = exports !== null && (typeof exports === 'object' || typeof exports === 'function');
  // Own properties only: `import()` gives no `toString` or `constructor` of Object.prototype either.
  return (name) => (name === 'default' ? exports : holdsExports && Object.hasOwn(exports, name) ? (exports as Record<string, unknown>)[name] : undefined);
}

/**
 * Throws if this thread must not start a pool now: in a pool worker, while a task module is imported or
 * while no task runs. `what` names what was started (`a ThreadPoolExecutor`).
 * @throws {InvalidStateError}
 */
export function assertMayStartPool(what: string): void {
  const { poolWorker, importing, running, imported } = state;
  if (!poolWorker || (importing === undefined && running > 0)) return;
  const fix =
    'so every worker would start its own pool and the workers would multiply. Move the tasks to a module of ' +
    'their own that starts nothing when imported, or start the pool only in the main program: ' +
    'if (!isPoolWorker()) { ... }';
  const error =
    importing !== undefined
      ? new InvalidStateError(`${what} was started while a worker imported the task module ${importing}, ${fix}`)
      : new InvalidStateError(
          `${what} was started in a pool worker while no task ran there: something a task module started when ` +
            `imported (${[...imported].join(', ') || 'no module yet'}), such as an async main() not awaited, ` +
            `starts a pool, ${fix}`,
        );
  if (importing !== undefined) state.refused ??= error;
  throw error;
}
