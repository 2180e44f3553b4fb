import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';

/**
 * A message port over a local socket, for what a MessagePort does between threads but cannot do between
 * processes: a private channel between the main program and one task in a child. Messages are V8-serialized
 * (the same cloning as IPC) and framed by a 4-byte length.
 */
export interface SocketPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): void;
  close(): void;
  /** Settles once the connection is closed, after every message that came before it was delivered. */
  readonly closed: Promise<void>;
  /** Lets the program end while the connection is open, as `MessagePort.unref()`. */
  unref(): void;
}

function wrap(socket: Socket): SocketPort {
  const listeners: ((message: unknown) => void)[] = [];
  // Like a MessagePort, messages that arrive before anyone listens wait for the first listener.
  const early: unknown[] = [];
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const size = pending.readUInt32BE(0);
      if (pending.length < 4 + size) break;
      const message = deserialize(pending.subarray(4, 4 + size));
      pending = pending.subarray(4 + size);
      if (listeners.length === 0) early.push(message);
      for (const listener of listeners) listener(message);
    }
  });
  // The peer going away is reported by whoever owns the task (the pool), not here.
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  // Like a MessagePort, a message posted after close() is dropped. Writing to an ended socket would be an
  // error, and the error destroys the socket with the messages still waiting to be written.
  let ending = false;
  return {
    closed,
    postMessage(message) {
      if (ending || socket.destroyed) return;
      const body = serialize(message);
      const header = Buffer.alloc(4);
      header.writeUInt32BE(body.length, 0);
      socket.write(Buffer.concat([header, body]));
    },
    on(_event, listener) {
      listeners.push(listener);
      for (const message of early.splice(0)) listener(message);
    },
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
 * Opens a socket for one peer; `port` resolves when it connects. The socket file goes once connected. The
 * listening socket does not keep the program alive: whoever waits for the peer decides that.
 */
export async function listenSocketPort(): Promise<{ readonly address: string; readonly port: Promise<SocketPort>; close(): void }> {
  const dir = mkdtempSync(join(tmpdir(), 'aiox-'));
  const address = process.platform === 'win32' ? `\\\\.\\pipe\\aiox-${process.pid}-${Date.now()}` : join(dir, 'port.sock');
  const server = createServer();
  server.listen(address);
  await once(server, 'listening');
  server.unref();
  const close = (): void => {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  };
  const port = once(server, 'connection').then(([socket]: Socket[]) => {
    close();
    return wrap(socket!);
  });
  return { address, port, close };
}

/** Connects to a socket opened by {@link listenSocketPort}. */
export async function connectSocketPort(address: string): Promise<SocketPort> {
  const socket = createConnection(address);
  await once(socket, 'connect');
  return wrap(socket);
}
