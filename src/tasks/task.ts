import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe } from '../internal/validate.js';
import type { EventOf, ProgressOf, Reports } from './current-task.js';

/**
 * A function that can run in a worker: sync or async, taking cloneable arguments.
 * @example
 * ```ts
 * import { ThreadPoolExecutor, type TaskFunction } from 'aiox';
 * // Sent as source, so self-contained: no imports, no outer variables.
 * const operations = new Map<string, TaskFunction<[number, number], number>>([
 *   ['add', (a, b) => a + b],
 *   ['mul', (a, b) => a * b],
 * ]);
 * await using pool = new ThreadPoolExecutor();
 * console.log(await pool.submit(operations.get('mul')!, 6, 7)); // 42
 * ```
 */
export type TaskFunction<A extends unknown[] = never[], R = unknown> = (...args: A) => R;

/**
 * A reference to a task function by module and name, for code that cannot import the function itself.
 * The type parameters only guide the compiler; build one with {@link taskRef} to set them.
 * @example
 * ```ts
 * import { ThreadPoolExecutor, type TaskRef } from 'aiox';
 * // From configuration: the exported function `resize(path: string): string` of plugins/images.js.
 * const resize: TaskRef<[string], string> = { module: new URL('./plugins/images.js', import.meta.url), name: 'resize' };
 * await using pool = new ThreadPoolExecutor();
 * const thumbnail = await pool.submit(resize, 'photo.jpg'); // typed string
 * ```
 */
export interface TaskRef<A extends unknown[] = unknown[], R = unknown> {
  /**
   * The module's absolute URL (`import.meta.url`, `new URL('./tasks.js', import.meta.url)`) or absolute file
   * path. A relative path or bare name is refused: the worker would resolve it against aiox's own files.
   */
  readonly module: string | URL;
  /** The name of a function in it marked with `defineTask`, or of an exported function. */
  readonly name: string;
  /** Type-level only; never set. */
  readonly __signature?: (...args: A) => R;
}

/**
 * Anything an executor accepts as a task.
 * @example
 * ```ts
 * import { ThreadPoolExecutor, type Task } from 'aiox';
 * // Takes whatever submit takes: a plain function, a defineTask function or a TaskRef.
 * async function timed<A extends unknown[], R>(pool: ThreadPoolExecutor, task: Task<A, R>, ...args: A): Promise<Awaited<R>> {
 *   const start = performance.now();
 *   try { return await pool.submit(task, ...args); } finally { console.log(`${performance.now() - start} ms`); }
 * }
 * ```
 */
export type Task<A extends unknown[] = never[], R = unknown> = TaskFunction<A, R> | TaskRef<A, R>;

/** Arguments and result of a task, for typing `submit` and friends. */
export type TaskArgs<F> = F extends TaskRef<infer A, unknown> ? A : F extends (...args: infer A) => unknown ? A : never;
export type TaskResult<F> = F extends TaskRef<unknown[], infer R>
  ? Awaited<R>
  : F extends (...args: never[]) => infer R
    ? Awaited<R>
    : never;

/** How a task is found in a worker; sent once per worker and then named by a number. */
export type TaskDescriptor =
  | { readonly kind: 'module'; readonly module: string; readonly name: string }
  | { readonly kind: 'source'; readonly source: string; readonly name: string };

const MARK = Symbol.for('aiox.task');
const REGISTRY = Symbol.for('aiox.taskRegistry');

type Registry = Map<string, TaskFunction<never[], unknown>>;

/** One registry per thread, shared by every copy of aiox loaded in it. */
export function taskRegistry(): Registry {
  const g = globalThis as { [REGISTRY]?: Registry };
  return (g[REGISTRY] ??= new Map());
}

const FIX = 'pass import.meta.url, new URL(\'./tasks.js\', import.meta.url) or import.meta.resolve(\'package\')';

/**
 * The absolute URL a task's module is known by. A relative path or a bare name would be resolved by the
 * worker against aiox's own files, not the caller's, so both are refused here, at once. An absolute file
 * path is accepted and converted to its `file:` URL; a directory (`import.meta.dirname`) is refused.
 */
function moduleId(module: string | URL): string {
  if (module instanceof URL) return checkFile(module, module.href);
  if (typeof module !== 'string' || module === '') {
    throw new TypeError(`module must be a URL or a non-empty string (${FIX}), received ${describe(module)}`);
  }
  if (isAbsolute(module)) return checkFile(pathToFileURL(module), module);
  if (!URL.canParse(module)) {
    throw new TypeError(
      `module must be an absolute URL or file path (${FIX}), received ${describe(module)}: a relative path or bare name would be resolved against aiox's files, not yours`,
    );
  }
  return checkFile(new URL(module), module);
}

/** Refuses a `file:` URL that names a directory rather than a module. */
function checkFile(url: URL, given: string): string {
  if (url.protocol !== 'file:') return url.href;
  // A module file has an extension; only a path without one (import.meta.dirname, say) is looked up on disk,
  // so naming a task costs no system call in the usual case.
  const isDirectory =
    url.pathname.endsWith('/') || (!/\.[^/]*$/.test(url.pathname) && statSync(url, { throwIfNoEntry: false })?.isDirectory() === true);
  if (isDirectory) {
    throw new TypeError(`module must name a module file (${FIX}), received ${describe(given)}, which is a directory (import.meta.dirname is not the module)`);
  }
  return url.href;
}

/**
 * Marks `fn` as a task that workers load by importing its module, so it can use imports and module
 * state. Returns `fn` itself, still callable locally. Call it at the top level of a module, with that
 * module's `import.meta.url`, and give the function a name unique in the module.
 *
 * Works with compiled JavaScript and with TypeScript run under a loader (`node --import tsx`): workers
 * inherit the loader.
 *
 * @throws {TypeError} if `fn` is not a named function, or the name is taken in that module; if `module` is
 *   not an absolute URL or file path (a relative path, `import.meta.dirname`).
 * @example
 * ```ts
 * // file: tasks.ts
 * import { defineTask } from 'aiox';
 * export const fib = defineTask(import.meta.url, function fib(n: number): number {
 *   return n < 2 ? n : fib(n - 1) + fib(n - 2);
 * });
 * ```
 */
export function defineTask<F extends TaskFunction<never[], unknown>>(module: string | URL, fn: F): DefinedTask<F> {
  const id = moduleId(module);
  if (typeof fn !== 'function') throw new TypeError(`fn must be a function, received ${describe(fn)}`);
  if (fn.name === '') {
    throw new TypeError('fn must be a named function (function name() {}), received an anonymous function');
  }
  const key = `${id}#${fn.name}`;
  const registry = taskRegistry();
  const existing = registry.get(key);
  if (existing !== undefined && existing !== fn) {
    throw new TypeError(`a task named "${fn.name}" is already defined in ${id}; task names must be unique in a module`);
  }
  registry.set(key, fn);
  Object.defineProperty(fn, MARK, { value: { kind: 'module', module: id, name: fn.name } satisfies TaskDescriptor });
  Object.defineProperty(fn, 'reports', { value: returnThis, configurable: true });
  return fn as DefinedTask<F>;
}

function returnThis<T>(this: T): T {
  return this;
}

/**
 * What {@link defineTask} returns: the function itself, with `reports<P, E>()` to declare the types of the
 * progress values and events it reports (see {@link currentTask}).
 * @example
 * ```ts
 * import { defineTask, type DefinedTask } from 'aiox';
 * function hash(text: string): number {
 *   let h = 0;
 *   for (const c of text) h = (h * 31 + c.charCodeAt(0)) | 0;
 *   return h;
 * }
 * const task: DefinedTask<typeof hash> = defineTask(import.meta.url, hash);
 * console.log(task('abc') === hash('abc')); // true: still the function itself
 * ```
 */
export type DefinedTask<F> = F & {
  /**
   * Declares that the task reports progress values of type `P` and events of type `E`; returns the task
   * itself (at run time, nothing changes). `submitWith`, `map`, `inThread.with` and the rest then type
   * their `onProgress` and `onEvent` after it, and `currentTask(task)` inside it gives a typed context.
   * @example
   * ```ts
   * import { currentTask, defineTask } from 'aiox';
   * type Stage = { stage: 'parse' | 'render' };
   * export const build = defineTask(import.meta.url, function build(pages: number): number {
   *   const task = currentTask(build);
   *   task.emit({ stage: 'parse' });
   *   for (let i = 0; i < pages; i++) task.progress(i + 1);
   *   return pages;
   * }).reports<number, Stage>();
   * ```
   */
  reports<P, E = never>(): F & Reports<P, E>;
};

/**
 * Builds a typed {@link TaskRef}: `taskRef<typeof fib>(url, 'fib')`.
 * @example
 * ```ts
 * // file: tasks.ts
 * import { defineTask } from 'aiox';
 * export const fib = defineTask(import.meta.url, function fib(n: number): number {
 *   return n < 2 ? n : fib(n - 1) + fib(n - 2);
 * });
 * ```
 * ```ts
 * import { ThreadPoolExecutor, taskRef } from 'aiox';
 * import type { fib } from './tasks.js'; // types only: tasks.js is never loaded here
 * const fibRef = taskRef<typeof fib>(new URL('./tasks.js', import.meta.url), 'fib');
 * await using pool = new ThreadPoolExecutor();
 * console.log(await pool.submit(fibRef, 20)); // 6765
 * ```
 */
export function taskRef<F extends TaskFunction<never[], unknown>>(
  module: string | URL,
  name: string,
): TaskRef<Parameters<F>, ReturnType<F>> & Reports<ProgressOf<F>, EventOf<F>> {
  return { module: moduleId(module), name };
}

/**
 * Says how a worker finds `task`. Plain functions travel as source; a `TaskRef` or a function marked by
 * `defineTask` travels as module and name.
 * @throws {TypeError} for a value that is none of these, or a native or bound function.
 */
export function describeTask(task: unknown): TaskDescriptor {
  if (typeof task === 'function') {
    const marked = (task as { [MARK]?: TaskDescriptor })[MARK];
    if (marked !== undefined) return marked;
    const source = Function.prototype.toString.call(task);
    if (source.endsWith('{ [native code] }')) {
      throw new TypeError(
        `task ${describe(task)} is native or bound and cannot be sent to a worker; pass a plain function or one marked with defineTask`,
      );
    }
    if (source.startsWith('class')) throw new TypeError(`task must be a function, received a class`);
    return { kind: 'source', source, name: task.name };
  }
  if (task !== null && typeof task === 'object' && 'module' in task && 'name' in task) {
    const { module, name } = task as TaskRef;
    if (typeof name !== 'string' || name === '') throw new TypeError(`task name must be a non-empty string, received ${describe(name)}`);
    return { kind: 'module', module: moduleId(module), name };
  }
  throw new TypeError(`task must be a function or a { module, name } reference, received ${describe(task)}`);
}
