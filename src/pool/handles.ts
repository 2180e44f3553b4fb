import type { Socket as DatagramSocket } from 'node:dgram';
import type { Server, Socket } from 'node:net';
import { dgramModule, netModule } from '../internal/lazy-builtins.js';
import { RUN_HEADER, type RunMessage, type RunWithHandlesMessage } from '../wire/protocol.js';

/** What a process task's `transfer` list may hold: what Node can pass to a child through IPC. */
export type ProcessTransferable = Socket | Server | DatagramSocket;

export function isProcessTransferable(value: unknown): value is ProcessTransferable {
  if (value === null || typeof value !== 'object') return false;
  const net = netModule();
  return value instanceof net.Socket || value instanceof net.Server || value instanceof dgramModule().Socket;
}

type Path = (string | number)[];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object') return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Every place `target` sits in `root`, through arrays and plain objects (what a task's arguments are made
 * of), added to `found` as paths after `at`.
 */
function find(root: unknown, target: object, at: Path, found: Path[], seen: Set<object>): void {
  if (root === target) {
    found.push(at);
    return;
  }
  if (root === null || typeof root !== 'object' || seen.has(root)) return;
  seen.add(root);
  if (Array.isArray(root)) {
    for (let i = 0; i < root.length; i++) find(root[i], target, [...at, i], found, seen);
  } else if (isPlainObject(root)) {
    for (const key of Object.keys(root)) find(root[key], target, [...at, key], found, seen);
  }
}

/** A copy of `root` with null at `path`; only the containers on the path are copied, the caller's stay. */
function without(root: unknown, path: Path): unknown {
  if (path.length === 0) return null;
  const [key, ...rest] = path as [string | number, ...Path];
  const copy: Record<string | number, unknown> = Array.isArray(root)
    ? (root.slice() as unknown as Record<number, unknown>)
    : (Object.assign(Object.create(Object.getPrototypeOf(root) as object | null) as object, root) as Record<string, unknown>);
  copy[key] = without(copy[key], rest);
  return copy;
}

function describeHandle(handle: ProcessTransferable): string {
  const net = netModule();
  return handle instanceof net.Socket ? 'a net.Socket' : handle instanceof net.Server ? 'a net.Server' : 'a dgram.Socket';
}

/**
 * Takes the handles listed in `transfer` out of a batch: returns the batch to send, with null where each
 * handle was, and the place of each. Throws a TypeError, before anything is sent, for a handle that is
 * closed or is not among the batch's arguments (IPC would send it without its handle, or leave it
 * orphaned in the worker).
 */
export function extractHandles(
  message: RunMessage,
  transfer: readonly unknown[],
  nextId: () => number,
): { readonly run: RunWithHandlesMessage; readonly handles: readonly (readonly [number, ProcessTransferable])[] } {
  const net = netModule();
  const run = message.slice() as [...RunMessage];
  const places: [number, Path][] = [];
  const handles: [number, ProcessTransferable][] = [];
  for (const handle of transfer) {
    // Validated when the task was submitted; checked again here because this is what IPC relies on.
    if (!isProcessTransferable(handle)) throw new TypeError('a process task can only transfer a net.Socket, a net.Server or a dgram.Socket');
    if (handles.some(([, h]) => h === handle)) continue;
    if ((handle instanceof net.Socket && handle.destroyed) || (handle instanceof net.Server && !handle.listening)) {
      throw new TypeError(`transfer lists ${describeHandle(handle)} that is closed`);
    }
    // Every place, in every task of the batch: IPC sends the handle once, the worker puts it in each.
    const paths: Path[] = [];
    for (let i = RUN_HEADER + 1; i < run.length; i += 2) find(run[i], handle, [i], paths, new Set());
    if (paths.length === 0) throw new TypeError(`transfer lists ${describeHandle(handle)} that is not among the task's arguments`);
    const id = nextId();
    for (const path of paths) {
      const [index, ...inner] = path as [number, ...Path];
      run[index] = without(run[index], inner);
      places.push([id, path]);
    }
    handles.push([id, handle]);
  }
  return { run: { type: 'run', run, handles: places }, handles };
}
