import { currentTask } from './current-task.js';
import { importTaskModule } from './import-guard.js';
import { taskRegistry, type TaskDescriptor, type TaskFunction } from './task.js';
import { helpersFor, looksLikeTranspilerHelper } from './transpiler-helpers.js';

type AnyTask = TaskFunction<unknown[], unknown>;

/**
 * Finds a task's function in this thread: imports its module (which registers its `defineTask`
 * functions), or compiles a function sent as source. Used by the worker runtime.
 */
export async function loadTask(descriptor: TaskDescriptor): Promise<AnyTask> {
  if (descriptor.kind === 'source') return compileSource(descriptor.source, descriptor.name);
  const { module, name } = descriptor;
  const exportOf = await importTaskModule(module).catch((error: unknown) => {
    throw explainImportError(error, module);
  });
  const registered = taskRegistry().get(`${module}#${name}`);
  if (registered !== undefined) return registered as AnyTask;
  const exported = exportOf(name);
  if (typeof exported === 'function') return exported as AnyTask;
  throw new TypeError(
    `no task named "${name}" in ${module}: mark it with defineTask(import.meta.url, function ${name}() {}) at the module's top level, or export it under that name`,
  );
}

function compileSource(source: string, name: string): AnyTask {
  // Indirect eval compiles in the global scope, so the function sees globals and nothing else, except
  // `currentTask` (so that it needs no import there) and the helpers a compiler may have written into its
  // body (esbuild's `__name`...), passed in as parameters.
  const evaluate = eval;
  const [helpers, values] = helpersFor(source);
  const names = ['currentTask', ...helpers].join(', ');
  const compile = (expression: string): unknown =>
    (evaluate(`(function (${names}) { return (${expression}); })`) as (...args: unknown[]) => unknown)(currentTask, ...values);
  let fn: unknown;
  try {
    fn = compile(source);
  } catch {
    // A method written in shorthand (`run(x) { ... }`) is not an expression on its own.
    fn = Object.values(compile(`{${source}}`) as Record<string, unknown>)[0];
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
  const missing = match[1]!;
  const helper = looksLikeTranspilerHelper(missing)
    ? ` If your compiler added "${missing}" (TypeScript, esbuild, SWC and Babel name their helpers like this), ` +
      'compile for ES2022 or later (Node 20 runs it), or put the task in a module.'
    : '';
  const wrapped = new ReferenceError(
    `task ${name ? `"${name}" ` : ''}was sent to the worker as source and uses "${missing}", which is not defined there: ` +
      'a function sent as source must be self-contained. To use imports or module state, put it in a module ' +
      `and mark it with defineTask(import.meta.url, fn).${helper}`,
    { cause: error },
  );
  wrapped.stack = `${wrapped.name}: ${wrapped.message}\n${error.stack?.split('\n').slice(1).join('\n') ?? ''}`;
  return wrapped;
}

/**
 * Node's error for a TypeScript module that no loader handles says only "Unknown file extension". In a
 * worker it means the program's TypeScript loader did not reach the worker, or there is none: say how to
 * get one.
 */
function explainImportError(error: unknown, module: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !/\.(c|m)?tsx?$/.test(new URL(module, 'file:///').pathname)) return error;
  return new TypeError(
    `task module ${module} is TypeScript, and no TypeScript loader runs in this worker: start the program ` +
      'under tsx (`npm install --save-dev tsx`, then `npx tsx main.ts` or `node --import tsx main.ts`; aiox ' +
      'registers tsx in thread workers itself), or compile the task module to JavaScript and pass the .js module.',
    { cause: error },
  );
}
