import { describeTask, type TaskDescriptor } from '../tasks/task.js';

/**
 * Numbers the task functions a pool has seen (each one's `fnId`), so a batch names each task by a small
 * integer (see TaskCode in wire/protocol.ts) and a worker receives a function's descriptor only once. A
 * function or `{ module, name }` object is looked up by identity first; otherwise equal descriptors (the same
 * source, or the same module and name) share one fnId, so a lambda written inside a loop is not sent again on
 * every call.
 */
export class TaskTable {
  readonly #byIdentity = new WeakMap<object, number>();
  readonly #byKey = new Map<string, number>();
  readonly #descriptors: TaskDescriptor[] = [];

  /** The fnId of `task`. @throws {TypeError} for something that is not a task. */
  fnIdOf(task: unknown): number {
    const isObject = typeof task === 'function' || (typeof task === 'object' && task !== null);
    const cached = isObject ? this.#byIdentity.get(task) : undefined;
    if (cached !== undefined) return cached;
    const descriptor = describeTask(task);
    const key = descriptor.kind === 'module' ? `m:${descriptor.module}#${descriptor.name}` : `s:${descriptor.source}`;
    let fnId = this.#byKey.get(key);
    if (fnId === undefined) {
      fnId = this.#descriptors.length;
      this.#descriptors.push(descriptor);
      this.#byKey.set(key, fnId);
    }
    if (isObject) this.#byIdentity.set(task, fnId);
    return fnId;
  }

  descriptor(fnId: number): TaskDescriptor {
    return this.#descriptors[fnId]!;
  }
}
