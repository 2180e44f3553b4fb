import { once } from 'node:events';
import type { AddressInfo, Server, Socket } from 'node:net';
import { netModule, v8Module } from './lazy-builtins.js';
import { ChannelError } from '../futures/errors.js';

/**
 * The largest frame a {@link SocketPort} sends or accepts: 256 MiB of serialized message. A frame over it
 * is refused before any of it is buffered (receiving) or written (sending).
 */
export const MAX_FRAME_BYTES = 256 * 1024 * 1024;

const HEADER_BYTES = 4;

/**
 * A message port over a connected local socket, for what a MessagePort does between threads but cannot do
 * between processes: a private channel between the main program and one task in a child. Messages are
 * V8-serialized (the same cloning as IPC) and framed by a 4-byte length.
 *
 * Whatever arrives is untrusted: a frame over {@link MAX_FRAME_BYTES} or one that does not deserialize is
 * reported once through `error` (a {@link ChannelError}) and the socket is destroyed; nothing is thrown
 * into the event loop.
 */
export interface SocketPort {
  /** Throws a ChannelError if the message serializes to more than {@link MAX_FRAME_BYTES}. */
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  close(): void;
  /** Settles once the connection is closed, after every message that came before it was delivered. */
  readonly closed: Promise<void>;
  /** Lets the program end while the connection is open, as `MessagePort.unref()`. */
  unref(): void;
}

/** Splits a byte stream into frames, never holding more than one frame's worth of bytes. */
export class FrameReader {
  readonly #chunks: Buffer[] = [];
  #buffered = 0;
  /** Length of the frame being read, once its header is in. */
  #size = -1;
  /** The largest frame accepted; a larger header fails at once, before its body is buffered. */
  #limit: number;

  /** @param firstLimit The limit of the first frame only (a handshake), after which it is {@link MAX_FRAME_BYTES}. */
  constructor(firstLimit = MAX_FRAME_BYTES) {
    this.#limit = firstLimit;
  }

  /** Takes a chunk; returns the complete frame bodies it finished. Throws a ChannelError on a bad header. */
  push(chunk: Buffer): Buffer[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const frames: Buffer[] = [];
    for (;;) {
      if (this.#size < 0) {
        if (this.#buffered < HEADER_BYTES) break;
        this.#size = this.#take(HEADER_BYTES).readUInt32BE(0);
        if (this.#size > this.#limit) {
          throw new ChannelError(`received a frame of ${this.#size} bytes, over the limit of ${this.#limit}`);
        }
      }
      if (this.#buffered < this.#size) break;
      frames.push(this.#take(this.#size));
      this.#size = -1;
      this.#limit = MAX_FRAME_BYTES;
    }
    return frames;
  }

  /** Removes the first `n` buffered bytes, concatenating only when a frame spans chunks. */
  #take(n: number): Buffer {
    const first = this.#chunks[0];
    let out: Buffer;
    if (first !== undefined && first.length >= n) {
      out = first.subarray(0, n);
      if (first.length === n) this.#chunks.shift();
      else this.#chunks[0] = first.subarray(n);
    } else {
      const all = Buffer.concat(this.#chunks);
      out = all.subarray(0, n);
      this.#chunks.length = 0;
      if (all.length > n) this.#chunks.push(all.subarray(n));
    }
    this.#buffered -= n;
    return out;
  }
}

/** Wraps a connected socket as a {@link SocketPort}. */
export function socketPort(socket: Socket): SocketPort {
  const listeners: ((message: unknown) => void)[] = [];
  const errorListeners: ((error: Error) => void)[] = [];
  // Like a MessagePort, messages that arrive before anyone listens wait for the first listener.
  const early: unknown[] = [];
  let failure: Error | undefined;
  const reader = new FrameReader();
  const fail = (error: Error): void => {
    failure = error;
    socket.destroy();
    for (const listener of errorListeners) listener(error);
  };
  socket.on('data', (chunk: Buffer) => {
    if (failure !== undefined) return;
    let bodies: Buffer[];
    try {
      bodies = reader.push(chunk);
    } catch (error) {
      return fail(error as Error);
    }
    for (const body of bodies) {
      let message: unknown;
      try {
        message = v8Module().deserialize(body);
      } catch (error) {
        return fail(new ChannelError(`received a frame that does not deserialize: ${(error as Error).message}`, { cause: error }));
      }
      if (listeners.length === 0) early.push(message);
      for (const listener of listeners) listener(message);
      // A listener may have closed the port or failed it.
      if (failure !== undefined) return;
    }
  });
  // The peer going away is reported by whoever owns the task (the pool), not here.
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  // Like a MessagePort, a message posted after close() is dropped. Writing to an ended socket would be an
  // error, and the error destroys the socket with the messages still waiting to be written.
  let ending = false;
  function on(event: 'message', listener: (message: unknown) => void): void;
  function on(event: 'error', listener: (error: Error) => void): void;
  function on(event: 'message' | 'error', listener: (value: never) => void): void {
    if (event === 'error') {
      errorListeners.push(listener as (error: Error) => void);
      if (failure !== undefined) listener(failure as never);
      return;
    }
    listeners.push(listener as (message: unknown) => void);
    for (const message of early.splice(0)) listener(message as never);
  }
  return {
    closed,
    postMessage(message) {
      if (ending || socket.destroyed) return;
      const body = v8Module().serialize(message);
      if (body.length > MAX_FRAME_BYTES) {
        throw new ChannelError(`a message of ${body.length} bytes is over the channel's limit of ${MAX_FRAME_BYTES}`);
      }
      const header = Buffer.alloc(HEADER_BYTES);
      header.writeUInt32BE(body.length, 0);
      // One write of both (writev), without copying the body into a new buffer.
      socket.cork();
      socket.write(header);
      socket.write(body);
      socket.uncork();
    },
    on,
    close() {
      ending = true;
      socket.end();
    },
    unref() {
      socket.unref();
    },
  };
}

/**
 * Makes a connected pair of local sockets with no address another process could use to get in. A loopback
 * listener on a random port lives only until this process's own client is accepted; a connection is taken
 * as that client only if its far end is the client's own address and port, which the kernel gives to no
 * one else while the client holds it. Anyone else who connects meanwhile is dropped. Nothing touches the
 * filesystem. `theirs` is accepted paused, so none of its bytes are read here: it is meant to be handed to
 * a child process (IPC handle passing) before anything is read from it.
 */
export async function socketPair(): Promise<{ readonly mine: Socket; readonly theirs: Socket }> {
  const { createConnection, createServer } = netModule();
  const server = createServer({ pauseOnConnect: true });
  server.unref();
  const listening = once(server, 'listening');
  server.listen({ port: 0, host: '127.0.0.1', exclusive: true });
  await listening;
  const { port, address } = server.address() as AddressInfo;
  const client = createConnection({ port, host: address });
  client.unref();
  try {
    return { mine: client, theirs: await acceptOwn(server, client) };
  } catch (error) {
    client.destroy();
    throw error;
  } finally {
    server.close();
  }
}

function acceptOwn(server: Server, client: Socket): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // Connections accepted before the client knows its own port wait here for the verdict.
    const waiting: Socket[] = [];
    let connected = false;
    const isOwn = (socket: Socket): boolean =>
      socket.remotePort === client.localPort && socket.remoteAddress === client.localAddress && socket.remotePort !== undefined;
    const settle = (own: Socket | undefined, error?: Error): void => {
      server.off('connection', onConnection);
      client.off('connect', onConnect);
      client.off('error', onError);
      for (const socket of waiting) if (socket !== own) socket.destroy();
      if (own === undefined) reject(error);
      else resolve(own);
    };
    const onConnection = (socket: Socket): void => {
      socket.unref();
      if (!connected) return void waiting.push(socket);
      if (isOwn(socket)) settle(socket);
      else socket.destroy();
    };
    const onConnect = (): void => {
      connected = true;
      const own = waiting.find(isOwn);
      if (own !== undefined) settle(own);
    };
    const onError = (error: Error): void => settle(undefined, new ChannelError(`could not open a private channel: ${error.message}`, { cause: error }));
    server.on('connection', onConnection);
    client.on('connect', onConnect);
    client.on('error', onError);
  });
}
