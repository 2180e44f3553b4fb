import type { Socket } from 'node:net';
import { ChannelError, ManagerShutDown } from '../futures/errors.js';
import { netModule, v8Module } from '../internal/lazy-builtins.js';
import { FrameReader } from '../internal/socket-port.js';
import { fromWire, type WireError } from '../tasks/wire-error.js';
import { BatchWriter, CANCELLED, FAILED, HELLO, OK } from './wire.js';

interface Pending {
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: (() => void) | undefined;
}

/**
 * One connection from this thread to a manager, shared by every proxy of that manager here: calls are
 * multiplexed by number. It opens on the first call and closes for good when the host closes it (the
 * manager shut down or its process ended): its calls then fail with {@link ManagerShutDown}, and the next
 * call opens a new connection, which fails the same way if the manager is gone.
 *
 * The socket is unreferenced while no call is pending, so a proxy held somewhere never keeps a program (or
 * a worker) alive, and a pending call does.
 */
class Connection {
  readonly #address: string;
  readonly #socket: Socket;
  readonly #writer: BatchWriter;
  readonly #reader = new FrameReader();
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #failure: Error | undefined;

  constructor(address: string, token: string) {
    this.#address = address;
    const socket = netModule().createConnection(address);
    this.#socket = socket;
    socket.unref();
    this.#writer = new BatchWriter(socket, (message, error) => this.#take(message[0] as number)?.reject(error));
    this.#writer.frame(v8Module().serialize([HELLO, token]));
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    let connected = false;
    socket.once('connect', () => (connected = true));
    socket.on('error', (error) => {
      const what = connected ? 'the manager has shut down, or the process that hosts it ended' : 'the manager is unreachable (it has shut down, or the process that hosts it ended)';
      this.#fail(new ManagerShutDown(`${what}: ${error.message}`, { cause: error }));
    });
    socket.on('close', () => this.#fail(new ManagerShutDown('the manager has shut down, or the process that hosts it ended')));
  }

  call(objectId: number, method: string, args: readonly unknown[], signal: AbortSignal | undefined): Promise<unknown> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (signal?.aborted) return Promise.reject(signal.reason);
    const id = this.#nextId++;
    this.#writer.send([id, objectId, method, args]);
    return new Promise((resolve, reject) => {
      // An abort asks the host to cancel; the host's answer settles the call, so that what the host had
      // already handed over (an item, a lock) is never lost between the two sides.
      const onAbort = signal === undefined ? undefined : (): void => this.#writer.send([id]);
      signal?.addEventListener('abort', onAbort!, { once: true });
      if (this.#pending.size === 0) this.#socket.ref();
      this.#pending.set(id, { resolve, reject, signal, onAbort });
    });
  }

  #onData(chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = this.#reader.push(chunk);
    } catch (error) {
      return this.#fail(error as Error, true);
    }
    for (const frame of frames) {
      let message: unknown;
      try {
        message = v8Module().deserialize(frame);
      } catch (error) {
        return this.#fail(new ChannelError(`the manager sent a frame that does not deserialize: ${(error as Error).message}`), true);
      }
      if (!Array.isArray(message) || !message.every((each) => Array.isArray(each) && typeof each[0] === 'number')) {
        return this.#fail(new ChannelError('the manager sent a frame of the wrong shape'), true);
      }
      for (const each of message as unknown[][]) this.#settle(each);
    }
  }

  #settle(message: unknown[]): void {
    const [id, status, payload] = message;
    const pending = this.#take(id as number);
    if (pending === undefined) return;
    if (status === OK) pending.resolve(payload);
    else if (status === FAILED) pending.reject(fromWire(payload as WireError));
    else if (status === CANCELLED) pending.reject(pending.signal?.reason);
    else pending.reject(new ChannelError(`the manager answered with an unknown status ${String(status)}`));
  }

  /** Removes call `id` from the pending ones (undefined if it is not one). */
  #take(id: number): Pending | undefined {
    const pending = this.#pending.get(id);
    if (pending === undefined) return undefined;
    this.#pending.delete(id);
    if (pending.onAbort !== undefined) pending.signal!.removeEventListener('abort', pending.onAbort);
    if (this.#pending.size === 0) this.#socket.unref();
    return pending;
  }

  /** Fails every pending call with `error` and leaves the registry; `destroy` also drops the socket. */
  #fail(error: Error, destroy = false): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    if (connections().get(this.#address) === this) connections().delete(this.#address);
    if (destroy) this.#socket.destroy();
    for (const pending of this.#pending.values()) {
      if (pending.onAbort !== undefined) pending.signal!.removeEventListener('abort', pending.onAbort);
      pending.reject(error);
    }
    this.#pending.clear();
  }
}

// On globalThis, so that the copy of aiox in a worker's entry bundle and the one a task module imports
// share one connection per manager.
const KEY = Symbol.for('aiox.manager.connections/1');

function connections(): Map<string, Connection> {
  const global = globalThis as { [KEY]?: Map<string, Connection> };
  return (global[KEY] ??= new Map());
}

/** Sends one call to the manager at `address`, connecting first if this thread has no connection to it. */
export function callManager(address: string, token: string, objectId: number, method: string, args: readonly unknown[], signal?: AbortSignal): Promise<unknown> {
  let connection = connections().get(address);
  if (connection === undefined) {
    connection = new Connection(address, token);
    connections().set(address, connection);
  }
  return connection.call(objectId, method, args, signal);
}
