import type { Socket } from 'node:net';
import { v8Module } from '../internal/lazy-builtins.js';
import { ChannelError } from '../futures/errors.js';
import { MAX_FRAME_BYTES } from '../internal/socket-port.js';

/**
 * The manager's channel: frames of a 4-byte length and a V8-serialized message, as src/internal/socket-port.ts
 * frames them. The client's first frame is the hello, `[HELLO, token]`; then
 * every frame is an array of messages (those sent in one turn, see {@link BatchWriter}):
 * - client to host: `[id, objectId, method, args]` calls, `[id]` asks to cancel call `id`;
 * - host to client: `[id, OK, value]`, `[id, FAILED, wireError]`, `[id, CANCELLED]`.
 */
export const HELLO = 'aiox-manager/1';
/** The hello is small: a peer that has not shown the token may not make the host buffer more. */
export const HELLO_LIMIT = 256;
export const OK = 0;
export const FAILED = 1;
export const CANCELLED = 2;

/**
 * The kinds of objects a manager hosts: what a proxy's `aioxManaged` says.
 * @example
 * ```ts
 * import { Manager, type ManagedKind } from 'aiox';
 * await using manager = new Manager();
 * const kind: ManagedKind = manager.lock().aioxManaged; // 'lock'
 * ```
 */
export type ManagedKind = 'queue' | 'event' | 'lock' | 'semaphore' | 'condition' | 'barrier' | 'value' | 'map' | 'pipe';

/**
 * What a proxy is made of, and all that survives structured clone or V8 serialization: the kind, where the
 * manager listens, the token that lets a peer in, and the object's number there.
 */
export interface ProxyData {
  readonly aioxManaged: ManagedKind;
  readonly address: string;
  readonly token: string;
  readonly id: number;
}

const KINDS: ReadonlySet<string> = new Set<ManagedKind>(['queue', 'event', 'lock', 'semaphore', 'condition', 'barrier', 'value', 'map', 'pipe']);

/** Whether `value` is a proxy's data (a proxy, or its clone that crossed to a worker). Reads own properties only. */
export function isProxyData(value: unknown): value is ProxyData {
  if (value === null || typeof value !== 'object') return false;
  const data = value as Record<string, unknown>;
  return (
    Object.hasOwn(data, 'aioxManaged') &&
    typeof data['aioxManaged'] === 'string' &&
    KINDS.has(data['aioxManaged']) &&
    typeof data['address'] === 'string' &&
    typeof data['token'] === 'string' &&
    Number.isSafeInteger(data['id'])
  );
}

/**
 * Writes messages to a socket in batches: the messages sent in one turn of the event loop are serialized
 * together as one frame (an array of messages) and leave in one write, so a burst of small calls or replies
 * costs one serialization and one system call rather than one each.
 */
export class BatchWriter {
  readonly #socket: Socket;
  /** Told about a message that cannot be sent (it does not serialize, or is over the limit), which is dropped. */
  readonly #onUnsendable: (message: unknown[], error: Error) => void;
  readonly #limit: number;
  #batch: unknown[][] = [];

  /** @param limit The largest frame written (tests lower it). @default MAX_FRAME_BYTES */
  constructor(socket: Socket, onUnsendable: (message: unknown[], error: Error) => void, limit = MAX_FRAME_BYTES) {
    this.#socket = socket;
    this.#onUnsendable = onUnsendable;
    this.#limit = limit;
  }

  /** Queues `message` for this turn's frame. */
  send(message: unknown[]): void {
    if (this.#batch.push(message) === 1) process.nextTick(() => this.#flush());
  }

  /** Writes one frame of `body`, at once. */
  frame(body: Buffer): void {
    const socket = this.#socket;
    if (socket.destroyed || socket.writableEnded) return;
    const header = Buffer.allocUnsafe(4);
    header.writeUInt32BE(body.length, 0);
    socket.cork();
    socket.write(header);
    socket.write(body);
    socket.uncork();
  }

  #flush(): void {
    const batch = this.#batch;
    this.#batch = [];
    let body: Buffer | undefined;
    try {
      body = v8Module().serialize(batch);
    } catch {
      body = undefined;
    }
    if (body !== undefined && body.length <= this.#limit) return this.frame(body);
    // Some message does not serialize or the whole is too large: each goes alone, and only a bad one fails.
    for (const message of batch) {
      let single: Buffer;
      try {
        single = v8Module().serialize([message]);
      } catch (error) {
        this.#onUnsendable(message, error as Error);
        continue;
      }
      if (single.length <= this.#limit) this.frame(single);
      else this.#onUnsendable(message, new ChannelError(`a message of ${single.length} bytes is over the manager channel's limit of ${this.#limit}`));
    }
  }
}
