import type { DefaultDeserializer } from 'node:v8';
import { v8Module } from '../internal/lazy-builtins.js';

/**
 * A thread worker's stash of finished results: what lets a batch of abortable tasks travel as one message
 * each way, like any other batch.
 *
 * A worker answers a batch with one message at its end. If a task of the batch must be stopped while it runs
 * (its timeout fires, or its signal aborts, even in `while (true) {}`), the worker is terminated, and the
 * results it finished before that task but had not sent yet would be lost. Sending them before every task
 * that may be stopped would cost a message per task. Instead, before such a task begins, the worker copies
 * the results it holds into this shared memory, serialized; the engine reads them once the worker has
 * exited, whatever ended it (the engine stopped it, or a task ended it). When a result does not fit or
 * cannot be serialized here, the worker sends what it holds instead. Each message of results sent empties
 * the stash (after the send, so a stop in between leaves results the engine has had already, which it skips,
 * never a gap).
 *
 * Layout: an Int32 with the bytes committed, then entries: a header (seq, status, how the value is held,
 * its length) and the value, a number or a few primitives as they are, anything else serialized. The worker
 * writes an entry, then commits it; the engine reads only what was committed. A process worker keeps the
 * same entries in a file instead (see stash-file.ts).
 */

/** Bytes of one worker's stash. */
export const STASH_BYTES = 64 * 1024;
const HEADER = 8;
/** An entry: seq (f64), status (u8), kind (u8), 2 spare bytes, payload length (u32), then the payload. */
const ENTRY = 16;
const SERIALIZED = 0;
const NUMBER = 1;
const OTHER_PRIMITIVE = 2;
/** The primitives an entry of kind OTHER_PRIMITIVE holds, by index. */
const PRIMITIVES: readonly unknown[] = [undefined, null, true, false];

/**
 * Writes the entry of task `seq`'s result at `at` in `bytes` (viewed by `view`), using no byte at or past
 * `end`: returns the bytes it took, or -1 if it does not fit or the value cannot be serialized. The byte-level
 * core shared by this stash and a process's stash file (see stash-file.ts).
 */
export function encodeEntry(bytes: Uint8Array, view: DataView, at: number, end: number, seq: number, status: number, value: unknown): number {
  if (at + ENTRY + 8 > end) return -1;
  // Tiny tasks mostly return numbers, booleans or nothing: those skip the serializer, whose cost per call
  // would make the worker the bottleneck of a burst.
  let length = 0;
  if (typeof value === 'number') {
    view.setUint8(at + 9, NUMBER);
    view.setFloat64(at + ENTRY, value);
    length = 8;
  } else if (PRIMITIVES.includes(value)) {
    view.setUint8(at + 9, OTHER_PRIMITIVE);
    view.setUint8(at + ENTRY, PRIMITIVES.indexOf(value));
    length = 1;
  } else {
    let entry: Buffer;
    try {
      entry = v8Module().serialize(value);
    } catch {
      return -1;
    }
    if (at + ENTRY + entry.length > end) return -1;
    view.setUint8(at + 9, SERIALIZED);
    bytes.set(entry, at + ENTRY);
    length = entry.length;
  }
  view.setFloat64(at, seq);
  view.setUint8(at + 8, status);
  view.setUint32(at + 12, length);
  return ENTRY + length;
}

/** The bytes the entry at `at` takes, header included (see {@link encodeEntry}). */
export function entrySize(view: DataView, at: number): number {
  return ENTRY + view.getUint32(at + 12);
}

/**
 * Reads the entry at `at` as `[seq, status, value]`; the caller knows it is whole (see {@link entrySize}).
 * Throws only if a serialized value is corrupt.
 */
export function decodeEntry(bytes: Uint8Array, view: DataView, at: number): [number, number, unknown] {
  const kind = view.getUint8(at + 9);
  let value: unknown;
  if (kind === NUMBER) value = view.getFloat64(at + ENTRY);
  else if (kind === OTHER_PRIMITIVE) value = PRIMITIVES[view.getUint8(at + ENTRY)];
  // Copied out first: deserialize reads a plain buffer, and shared memory is not one.
  else value = deserialize(bytes.slice(at + ENTRY, at + ENTRY + view.getUint32(at + 12)));
  return [view.getFloat64(at), view.getUint8(at + 8), value];
}

/** The worker's side. */
export class StashWriter {
  readonly #committed: Int32Array;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  #used = 0;

  constructor(buffer: SharedArrayBuffer) {
    this.#committed = new Int32Array(buffer, 0, 1);
    this.#bytes = new Uint8Array(buffer);
    this.#view = new DataView(buffer);
  }

  /** Stashes the result of task `seq`; false if it does not fit or cannot be serialized (send it instead). */
  add(seq: number, status: number, value: unknown): boolean {
    const size = encodeEntry(this.#bytes, this.#view, HEADER + this.#used, this.#bytes.length, seq, status, value);
    if (size < 0) return false;
    this.#used += size;
    Atomics.store(this.#committed, 0, this.#used);
    return true;
  }

  /** Empties the stash: its results were sent. */
  clear(): void {
    if (this.#used === 0) return;
    this.#used = 0;
    Atomics.store(this.#committed, 0, 0);
  }
}

type DeserializerClass = new (bytes: Uint8Array) => DefaultDeserializer;
let stashDeserializerClass: DeserializerClass | undefined;

/**
 * What reads what `serialize` wrote as a thread's message would arrive: postMessage turns a Buffer into a
 * plain Uint8Array, where node:v8 would give back a Buffer. Made on first use, so that node:v8 is loaded
 * only by a stash that holds an object (see lazy-builtins.ts).
 */
function stashDeserializer(): DeserializerClass {
  if (stashDeserializerClass !== undefined) return stashDeserializerClass;
  const { DefaultDeserializer } = v8Module();
  const readView = (DefaultDeserializer.prototype as unknown as { _readHostObject(this: DefaultDeserializer): unknown })._readHostObject;
  return (stashDeserializerClass = class StashDeserializer extends DefaultDeserializer {
    // The hook of node:v8 that reads typed arrays, which its type declarations leave out.
    _readHostObject(): unknown {
      const view = readView.call(this);
      return Buffer.isBuffer(view) ? new Uint8Array(view.buffer, view.byteOffset, view.byteLength) : view;
    }
  });
}

function deserialize(bytes: Uint8Array): unknown {
  const deserializer = new (stashDeserializer())(bytes);
  deserializer.readHeader();
  return deserializer.readValue();
}

/** The engine's side, once the worker is gone: the results stashed, in order, as `[seq, status, value]`. */
export function readStash(buffer: SharedArrayBuffer): [number, number, unknown][] {
  const end = HEADER + Atomics.load(new Int32Array(buffer, 0, 1), 0);
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  const entries: [number, number, unknown][] = [];
  for (let at = HEADER; at < end; at += entrySize(view, at)) entries.push(decodeEntry(bytes, view, at));
  return entries;
}
