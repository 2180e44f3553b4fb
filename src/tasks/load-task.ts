import { importTaskModule } from './import-guard.js';
import { taskRegistry, type TaskDescriptor, type TaskFunction } from './task.js';

type AnyTask = TaskFunction<unknown[], unknown>;

/**
 * Finds a task's function in this thread: imports its module (which registers its `defineTask`
 * functions), or compiles a function sent as source. Used by the worker runtime.
 */
export async function loadTask(descriptor: TaskDescriptor): Promise<AnyTask> {
  if (descriptor.kind === 'source') return compileSource(descriptor.source, descriptor.name);
  const { module, name } = descriptor;
  const namespace = await importTaskModule(module);
  const registered = taskRegistry().get(`${module}#${name}`);
  if (registered !== undefined) return registered as AnyTask;
  const exported = namespace[name];
  if (typeof exported === 'function') return exported as AnyTask;
  throw new TypeError(
    `no task named "${name}" in ${module}: mark it with defineTask(import.meta.url, function ${name}() {}) at the module's top level, or export it under that name`,
  );
}

function compileSource(source: string, name: string): AnyTask {
  // Indirect eval compiles in the global scope, so the function sees globals and nothing else.
  const evaluate = eval;
  let fn: unknown;
  try {
    fn = evaluate(`(${source})`);
  } catch {
    // A method written in shorthand (`run(x) { ... }`) is not an expression on its own.
    fn = Object.values(evaluate(`({${source}})`) as Record<string, unknown>)[0];
  }
  if (typeof fn !== 'function') throw new TypeError(`the source of task "${name}" does not evaluate to a function`);
  return fn as AnyTask;
}

/**
 * Rewrites the ReferenceError a function sent as source raises when it uses a variable from outside its
 * body, so the message names the variable and the fix.
 */
export function explainSourceError(error: unknown, name: string): unknown {
  if (!(error instanceof ReferenceError)) return error;
  const match = /^(\S+) is not defined$/.exec(error.message);
  if (match === null) return error;
  const wrapped = new ReferenceError(
    `task ${name ? `"${name}" ` : ''}was sent to the worker as source and uses "${match[1]}", which is not defined there: ` +
      'a function sent as source must be self-contained. To use imports or module state, put it in a module ' +
      'and mark it with defineTask(import.meta.url, fn).',
    { cause: error },
  );
  wrapped.stack = `${wrapped.name}: ${wrapped.message}\n${error.stack?.split('\n').slice(1).join('\n') ?? ''}`;
  return wrapped;
}
