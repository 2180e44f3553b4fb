import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server, Socket } from 'node:net';
import { ChannelError } from '../futures/errors.js';
import { cryptoModule, netModule, v8Module } from '../internal/lazy-builtins.js';
import { FrameReader, MAX_FRAME_BYTES } from '../internal/socket-port.js';
import { toWire } from '../tasks/wire-error.js';
import type { CallContext, Hosted, Peer } from './hosted.js';
import { BatchWriter, CANCELLED, FAILED, HELLO, HELLO_LIMIT, OK } from './wire.js';

/** Why a call's signal aborted: its caller asked to cancel it. */
const CANCEL = Symbol('cancelled by the caller');
/** Why a call's signal aborted: its peer's connection closed. */
const GONE = Symbol('the peer is gone');

/**
 * A name only this manager listens on and nothing on disk: an abstract-namespace socket on Linux, a named
 * pipe on Windows. Elsewhere (macOS), a socket file in a fresh private directory, removed at shutdown.
 */
function privateAddress(): { readonly address: string; readonly cleanup: () => void } {
  const name = `aiox-manager-${cryptoModule().randomBytes(16).toString('hex')}`;
  if (process.platform === 'linux') return { address: `\0${name}`, cleanup: () => undefined };
  if (process.platform === 'win32') return { address: `\\\\?\\pipe\\${name}`, cleanup: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'aiox-'));
  return { address: join(dir, 's'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A call in progress. Its AbortController is made only if a method waits (most calls finish at once). */
class HostCall implements CallContext {
  #controller: AbortController | undefined;
  #reason: unknown;
  #aborted = false;

  constructor(readonly peer: Peer) {}

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
  }
}

/** One accepted connection: authenticated by its first frame, then a stream of calls. */
class HostPeer implements Peer {
  gone = false;
  authenticated = false;
  readonly reader = new FrameReader(HELLO_LIMIT);
  readonly writer: BatchWriter;
  /** The calls in progress, by the peer's call number. */
  readonly calls = new Map<number, { readonly call: HostCall; readonly settled: Promise<void> }>();
  /** What to do with an answer that cannot be sent: give back what it handed over (queue items). */
  readonly #takeBack = new WeakMap<unknown[], () => void>();

  constructor(
    readonly socket: Socket,
    frameLimit: number,
  ) {
    // A value that cannot be sent back (too large) fails its one call, not the connection.
    this.writer = new BatchWriter(
      socket,
      (message, error) => {
        this.#takeBack.get(message)?.();
        this.writer.send([message[0], FAILED, toWire(error)]);
      },
      frameLimit,
    );
  }

  reply(message: unknown[]): void {
    if (!this.gone) this.writer.send(message);
  }

  /** Answers call `id` with `value`, which `hosted` takes back if the answer cannot be sent. */
  fulfil(id: number, hosted: Hosted, method: string, value: unknown): void {
    const message = [id, OK, value];
    if (hosted.unsent !== undefined) this.#takeBack.set(message, () => hosted.unsent!(method, value));
    this.reply(message);
  }
}

/**
 * The server side of a {@link Manager}: listens at a private address, lets in only peers that show the
 * token, runs their calls on the hosted objects, and releases what a peer held when its connection closes
 * (its worker died or was stopped). Neither the server nor an idle connection keeps the program alive.
 */
export class Host {
  readonly address: string;
  readonly token = cryptoModule().randomBytes(32).toString('hex');
  readonly #tokenBytes = Buffer.from(this.token);
  readonly #cleanup: () => void;
  readonly #server: Server;
  readonly #objects = new Map<number, Hosted>();
  readonly #peers = new Set<HostPeer>();
  #nextId = 1;
  #closed = false;
  /** For tests: runs after every frame handled and every peer gone. */
  onChange: (() => void) | undefined;

  readonly #frameLimit: number;

  /** @param frameLimit The largest frame the host writes (tests lower it). @default MAX_FRAME_BYTES */
  constructor(frameLimit = MAX_FRAME_BYTES) {
    this.#frameLimit = frameLimit;
    const { address, cleanup } = privateAddress();
    this.address = address;
    this.#cleanup = cleanup;
    this.#server = netModule().createServer((socket) => this.#accept(socket));
    this.#server.on('error', () => undefined);
    // Binding a local socket is synchronous: a peer can connect as soon as this returns.
    this.#server.listen(address);
    this.#server.unref();
  }

  /** How many peers are connected and authenticated now. */
  get peers(): number {
    let n = 0;
    for (const peer of this.#peers) if (peer.authenticated) n++;
    return n;
  }

  /** How many calls are in progress, over all peers. */
  get pendingCalls(): number {
    let n = 0;
    for (const peer of this.#peers) n += peer.calls.size;
    return n;
  }

  add(hosted: Hosted): number {
    const id = this.#nextId++;
    this.#objects.set(id, hosted);
    return id;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#server.close();
    for (const peer of this.#peers) {
      peer.gone = true;
      for (const { call } of peer.calls.values()) call.abort(GONE);
      peer.socket.destroy();
    }
    this.#peers.clear();
    this.#objects.clear();
    this.#cleanup();
  }

  #accept(socket: Socket): void {
    if (this.#closed) return void socket.destroy();
    socket.unref();
    const peer = new HostPeer(socket, this.#frameLimit);
    this.#peers.add(peer);
    socket.on('data', (chunk: Buffer) => this.#onData(peer, chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => this.#leave(peer));
  }

  #onData(peer: HostPeer, chunk: Buffer): void {
    let frames: Buffer[];
    try {
      frames = peer.reader.push(chunk);
    } catch {
      return void peer.socket.destroy();
    }
    for (const frame of frames) {
      let message: unknown;
      try {
        message = v8Module().deserialize(frame);
      } catch {
        // Nothing in it can be trusted, not even a call number to fail: the connection goes.
        return void peer.socket.destroy();
      }
      if (!peer.authenticated) {
        if (!this.#hello(message)) return void peer.socket.destroy();
        peer.authenticated = true;
        continue;
      }
      if (!Array.isArray(message)) return void peer.socket.destroy();
      for (const each of message) {
        this.#message(peer, each);
        if (peer.socket.destroyed) return;
      }
    }
    this.onChange?.();
  }

  #hello(message: unknown): boolean {
    if (!Array.isArray(message) || message.length !== 2 || message[0] !== HELLO || typeof message[1] !== 'string') return false;
    const token = Buffer.from(message[1]);
    return token.length === this.#tokenBytes.length && cryptoModule().timingSafeEqual(token, this.#tokenBytes);
  }

  #message(peer: HostPeer, message: unknown): void {
    if (!Array.isArray(message) || !Number.isSafeInteger(message[0]) || (message[0] as number) <= 0) {
      return void peer.socket.destroy();
    }
    const id = message[0] as number;
    if (message.length === 1) return void peer.calls.get(id)?.call.abort(CANCEL);
    const [, objectId, method, args] = message;
    const hosted = typeof objectId === 'number' ? this.#objects.get(objectId) : undefined;
    const fn = hosted !== undefined && typeof method === 'string' ? hosted.methods[method] : undefined;
    // A method was found only if `hosted` is an object and `method` a string.
    if (fn === undefined || !Array.isArray(args) || message.length !== 4 || peer.calls.has(id)) {
      const problem = hosted === undefined ? `no object ${String(objectId)}` : `no method ${String(method)} or malformed arguments`;
      return peer.reply([id, FAILED, toWire(new ChannelError(`the manager received a bad call: ${problem}`))]);
    }
    const object = hosted!;
    const name = method as string;
    const call = new HostCall(peer);
    let outcome: unknown;
    try {
      outcome = fn(call, args);
    } catch (error) {
      return peer.reply([id, FAILED, toWire(error)]);
    }
    if (!(outcome instanceof Promise)) return peer.fulfil(id, object, name, outcome);
    const settled = outcome.then(
      (value: unknown) => peer.fulfil(id, object, name, value),
      (error: unknown) => {
        if (error === CANCEL) peer.reply([id, CANCELLED]);
        else if (error !== GONE) peer.reply([id, FAILED, toWire(error)]);
      },
    );
    peer.calls.set(id, { call, settled });
    void settled.then(() => peer.calls.delete(id));
  }

  /** The peer's connection closed: its waits stop, and once they have settled, its holdings are released. */
  #leave(peer: HostPeer): void {
    if (!this.#peers.delete(peer)) return;
    peer.gone = true;
    const settled: Promise<void>[] = [];
    for (const { call, settled: done } of peer.calls.values()) {
      call.abort(GONE);
      settled.push(done);
    }
    void Promise.all(settled).then(() => {
      for (const hosted of this.#objects.values()) hosted.left?.(peer);
      this.onChange?.();
    });
  }
}
