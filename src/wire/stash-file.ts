import { fstatSync, readSync, writeSync } from 'node:fs';
import { decodeEntry, encodeEntry, entrySize } from './result-stash.js';

/**
 * A process worker's stash: the file the engine opened for it (already unlinked, so nothing is left on disk
 * whatever happens to either side) and handed it as an extra file descriptor. It is what lets a batch of
 * abortable tasks travel to a process as one message each way, like any other batch.
 *
 * A child shares no memory with its parent, but a file both hold open outlives the child. Before each task
 * of a guarded batch (see GUARDED) the child appends, in one write, the results it holds that are not in the
 * file yet and a mark saying which task it is about to begin. The engine reads the file to learn whether a
 * task it must stop is running (then it kills the child), and once the child is gone, to answer the tasks it
 * finished and had not sent, and to tell which task it had begun: the tasks after that one had not begun and
 * run elsewhere. This holds however the child died, killed by the engine or from outside.
 *
 * Layout: records one after another from the start, each an entry of result-stash.ts between two copies of a
 * 32-bit generation number. The child starts the file over (a new generation, from the start) once every
 * result in it has been sent, so it stays small. A record counts only if both copies of its generation are
 * the first record's: what a write cut short left, or what an older generation left behind, does not.
 */

/** Most bytes of one generation; past that, the child sends what it holds instead (and starts over). */
export const STASH_FILE_BYTES = 1 << 20;
/** The `status` of a mark: the task of its seq is about to begin. */
const BEGINS = 255;
/** The `status` of a mark: the task of its seq, begun, has read its signal (so it may stop when asked). */
const WATCHED = 254;
const GENERATION = 4;

/** The child's side. */
export class StashFileWriter {
  readonly #fd: number;
  #bytes = new Uint8Array(1024);
  #view = new DataView(this.#bytes.buffer);
  /** Bytes of records prepared in #bytes and not written yet. */
  #pending = 0;
  /** Where in the file the next write goes. */
  #position = 0;
  #generation = 0;

  constructor(fd: number) {
    this.#fd = fd;
  }


  /** Starts the file over: nothing in it is needed any more (its results were sent). */
  restart(): void {
    this.#generation = (this.#generation + 1) >>> 0;
    this.#position = 0;
    this.#pending = 0;
  }

  /** Prepares the result of task `seq`; false if it cannot be serialized or the file is full (send it instead). */
  add(seq: number, status: number, value: unknown): boolean {
    for (;;) {
      const at = this.#pending;
      const end = Math.min(this.#bytes.length, STASH_FILE_BYTES - this.#position) - GENERATION;
      const size = encodeEntry(this.#bytes, this.#view, at + GENERATION, end, seq, status, value);
      if (size >= 0) {
        this.#view.setUint32(at, this.#generation);
        this.#view.setUint32(at + GENERATION + size, this.#generation);
        this.#pending += size + 2 * GENERATION;
        return true;
      }
      if (this.#bytes.length >= STASH_FILE_BYTES - this.#position) return false;
      const grown = new Uint8Array(Math.min(this.#bytes.length * 4, STASH_FILE_BYTES));
      grown.set(this.#bytes.subarray(0, this.#pending));
      this.#bytes = grown;
      this.#view = new DataView(grown.buffer);
    }
  }

  /** Prepares the mark that task `seq` is about to begin. */
  begins(seq: number): boolean {
    return this.add(seq, BEGINS, undefined);
  }

  /**
   * Writes at once the mark that task `seq`, which runs, has read its signal: the engine gives only such a
   * task its grace before it kills the child. A mark that cannot be written is left out.
   */
  watched(seq: number): void {
    if (!this.add(seq, WATCHED, undefined)) return;
    try {
      this.write();
    } catch {
      this.discard();
    }
  }

  /** Drops what was prepared and not written. */
  discard(): void {
    this.#pending = 0;
  }

  /** Writes what was prepared, in one write. Throws what the write throws (the disk is full, say). */
  write(): void {
    if (this.#pending === 0) return;
    writeSync(this.#fd, this.#bytes, 0, this.#pending, this.#position);
    this.#position += this.#pending;
    this.#pending = 0;
  }
}

/**
 * What a stash file holds: the results in it, in order, the last task marked as begun, and the last one
 * marked as having read its signal.
 */
export interface StashFileContents {
  readonly results: [seq: number, status: number, value: unknown][];
  readonly begun: number | undefined;
  readonly watched: number | undefined;
}

/**
 * The engine's side: reads the stash file `fd`, while the child runs (to learn which task it has begun; the
 * values are then not decoded: `values` false) or once it is gone.
 */
export function readStashFile(fd: number, values: boolean): StashFileContents {
  const results: [number, number, unknown][] = [];
  let begun: number | undefined;
  let watched: number | undefined;
  let size: number;
  try {
    size = Math.min(fstatSync(fd).size, STASH_FILE_BYTES);
  } catch {
    return { results, begun, watched };
  }
  const bytes = new Uint8Array(size);
  const end = size === 0 ? 0 : readSync(fd, bytes, 0, size, 0);
  const view = new DataView(bytes.buffer);
  if (end < GENERATION) return { results, begun, watched };
  const generation = view.getUint32(0);
  for (let at = 0; at + 2 * GENERATION + 16 <= end && view.getUint32(at) === generation; ) {
    const entry = at + GENERATION;
    const next = entry + entrySize(view, entry) + GENERATION;
    if (next > end || view.getUint32(next - GENERATION) !== generation) break;
    const status = view.getUint8(entry + 8);
    if (status === BEGINS) begun = view.getFloat64(entry);
    else if (status === WATCHED) watched = view.getFloat64(entry);
    else if (values) {
      try {
        results.push(decodeEntry(bytes, view, entry));
      } catch {
        break;
      }
    }
    at = next;
  }
  return { results, begun, watched };
}
