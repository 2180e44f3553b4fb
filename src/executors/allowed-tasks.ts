import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { TaskNotAllowed } from '../futures/errors.js';
import { describe, validateOptions } from '../internal/validate.js';
import type { TaskDescriptor } from '../tasks/task.js';

/**
 * The pool option `allowedTasks`: where the tasks a pool runs may come from. A task reference is code:
 * whoever chooses the module and name of a task chooses what runs (`data:` URLs and `node:` built-ins
 * included). Set this list whenever a task reference can come from data you do not control.
 * @example
 * ```ts
 * import { ThreadPoolExecutor } from 'aiox';
 * await using pool = new ThreadPoolExecutor({
 *   allowedTasks: {
 *     modules: [
 *       new URL('./tasks/', import.meta.url), // every module in this folder and below
 *       new URL('./resize.js', import.meta.url), // exactly this module
 *     ],
 *   },
 * });
 * ```
 */
export interface AllowedTasks {
  /**
   * Module URLs (or absolute file paths). An entry ending in `/` allows every module under it; any other
   * entry allows exactly that module. Compared after URL normalization, so `..` cannot climb out.
   */
  readonly modules: readonly (string | URL)[];
  /**
   * Whether plain functions sent as source may run. Their code comes from the caller's own process, but a
   * pool that is given a list is meant to run only listed modules, so this must be said. @default false
   */
  readonly sourceFunctions?: boolean;
}

/** Checks a task's descriptor against the list; throws {@link TaskNotAllowed}. */
export type TaskCheck = (task: TaskDescriptor) => void;

/** Validates the option and returns the check it makes, or `undefined` when there is no list. */
export function allowedTasksCheck(option: unknown): TaskCheck | undefined {
  if (option === undefined) return undefined;
  validateOptions(option, 'allowedTasks');
  const { modules, sourceFunctions = false } = option as Partial<AllowedTasks>;
  if (!Array.isArray(modules)) throw new TypeError(`allowedTasks.modules must be an array of URLs or absolute paths, received ${describe(modules)}`);
  if (typeof sourceFunctions !== 'boolean') throw new TypeError(`allowedTasks.sourceFunctions must be a boolean, received ${describe(sourceFunctions)}`);
  const exact = new Set<string>();
  const prefixes: string[] = [];
  modules.forEach((entry: unknown, i) => {
    const href = entryHref(entry, i);
    if (href.endsWith('/')) prefixes.push(href);
    else exact.add(href);
  });
  return (task) => {
    if (task.kind === 'source') {
      if (sourceFunctions) return;
      throw new TaskNotAllowed(
        `task ${task.name || '(anonymous)'} is a function sent as source, which this pool's allowedTasks does not allow; define it with defineTask in an allowed module, or set allowedTasks.sourceFunctions`,
      );
    }
    if (exact.has(task.module) || prefixes.some((prefix) => task.module.startsWith(prefix))) return;
    throw new TaskNotAllowed(`task ${task.name} comes from ${task.module}, which is not in this pool's allowedTasks.modules`);
  };
}

function entryHref(entry: unknown, i: number): string {
  if (entry instanceof URL) return entry.href;
  if (typeof entry === 'string' && entry !== '') {
    if (isAbsolute(entry)) {
      const url = pathToFileURL(entry).href;
      // pathToFileURL drops a trailing separator; keep the caller's "everything under this folder".
      return /[\\/]$/.test(entry) && !url.endsWith('/') ? `${url}/` : url;
    }
    if (URL.canParse(entry)) return new URL(entry).href;
  }
  throw new TypeError(`allowedTasks.modules[${i}] must be a URL or an absolute path or URL string, received ${describe(entry)}`);
}
