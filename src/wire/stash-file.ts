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
 *
 * Kept in memory ({@link StashShare}): a write is a system call, which on a small machine costs as much as
 * a tiny task's whole trip, so a child that runs one task at a time keeps the generation's records in
 * shared memory and writes them only when they may be needed (once it has a watchdog thread: at its start
 * without a reaper in the parent, else after WRITES_BEFORE_WATCHDOG writes). Its watchdog (orphan-watchdog.ts)
 * writes them once the child has been on one task for {@link STUCK_MS} (a task that may have to be
 * stopped while it runs, or one that hangs) and from then on, until the file starts over, the child writes
 * each record itself, as without a share. The engine kills a child for a stopped task only once the file
 * marks that task as begun, and at the end of the task's grace only if the file still does (the child may
 * have ended it and gone on, in memory again: see ProcessStops.goneOn), so the file is exact whenever the
 * engine kills it. A generation kept in memory begins with a record saying so, written at once: if the
 * child dies before the watchdog wrote the rest (a kill from outside, out of memory, in its first
 * milliseconds on a task), the file says that it cannot tell what began (see
 * {@link StashFileContents.imprecise}), and every task the child held fails rather than risk running twice.
 * A child that exits (`process.exit()`, a fatal uncaught error) writes what it holds first.
 */

/** Most bytes of one generation; past that, the child sends what it holds instead (and starts over). */
export const STASH_FILE_BYTES = 1 << 20;
/** The `status` of a mark: the task of its seq is about to begin. */
const BEGINS = 255;
/** The `status` of a mark: the task of its seq, begun, has read its signal (so it may stop when asked). */
const WATCHED = 254;
/** The `status` of a generation's first record when its records are kept in memory (see StashShare). */
const IN_MEMORY = 253;
const GENERATION = 4;

/**
 * How long, in milliseconds, the child stays on one task before its watchdog writes the records kept in
 * memory (see the file comment): about what the engine takes to notice a task it stops (see WATCH_MS).
 */
export const STUCK_MS = 2;

/**
 * The shared memory of a child's stash file kept in memory: Int32 cells (see the STASH_* indexes), then the
 * generation's image, byte for byte what the file holds once written. The child's main thread appends records
 * to the image and publishes them (STASH_PUBLISHED); whoever writes, the main thread or its watchdog, writes
 * the image from STASH_WRITTEN to STASH_PUBLISHED under STASH_LOCK. STASH_EXACT set: every record is
 * written as it is published (the main thread writes them).
 */
export interface StashShare {
  readonly buffer: SharedArrayBuffer;
  readonly fd: number;
}
export const STASH_PUBLISHED = 0;
export const STASH_WRITTEN = 1;
export const STASH_EXACT = 2;
export const STASH_LOCK = 3;
/** Set while a watchdog writes the share: without one, the share stays exact (the main thread writes). */
export const STASH_WATCHED = 4;
/** Bytes before the image. */
export const STASH_CELLS_BYTES = 32;

/** Takes the share's lock (held only for a write, by one of two threads). */
export function lockShare(cells: Int32Array): void {
  while (Atomics.compareExchange(cells, STASH_LOCK, 0, 1) !== 0) Atomics.wait(cells, STASH_LOCK, 1, 1);
}

export function unlockShare(cells: Int32Array): void {
  Atomics.store(cells, STASH_LOCK, 0);
  Atomics.notify(cells, STASH_LOCK, 1);
}

/** Writes what was published and not written yet; the caller holds the lock. Throws what the write throws. */
export function writePublished(cells: Int32Array, image: Uint8Array, fd: number): void {
  const written = Atomics.load(cells, STASH_WRITTEN);
  const published = Atomics.load(cells, STASH_PUBLISHED);
  if (published > written) writeSync(fd, image, written, published - written, written);
  Atomics.store(cells, STASH_WRITTEN, published);
}

/** The child's side. */
export class StashFileWriter {
  readonly #fd: number;
  #bytes: Uint8Array;
  #view: DataView;
  /** Bytes of records prepared in #bytes and not written (published, with a share) yet. */
  #pending = 0;
  /** Where in the file the next write goes; with a share, where in the image the next record goes. */
  #position = 0;
  #generation = 0;
  /** With a share: its cells, and #bytes is its image (see StashShare). */
  readonly #cells: Int32Array | undefined;
  /** With a share: the next publish wakes the watchdog (the first since the file started over). */
  #wake = false;
  /** With a share and no watchdog yet: writes the main thread may still make itself before it asks for one. */
  #writesLeft = 0;
  #wantWatchdog: (() => void) | undefined = undefined;

  /** `share`: keep the records in that memory (see the file comment), made by {@link newStashShare}. */
  constructor(fd: number, share?: SharedArrayBuffer) {
    this.#fd = fd;
    if (share === undefined) {
      this.#bytes = new Uint8Array(1024);
      this.#cells = undefined;
    } else {
      this.#bytes = new Uint8Array(share, STASH_CELLS_BYTES);
      this.#cells = new Int32Array(share, 0, STASH_CELLS_BYTES / 4);
      // Exact until the file first starts over.
      Atomics.store(this.#cells, STASH_EXACT, 1);
    }
    this.#view = new DataView(this.#bytes.buffer, this.#bytes.byteOffset, this.#bytes.byteLength);
  }

  /** Starts the file over: nothing in it is needed any more (its results were sent). */
  restart(): void {
    this.#generation = (this.#generation + 1) >>> 0;
    this.#position = 0;
    this.#pending = 0;
    const cells = this.#cells;
    if (cells === undefined) return;
    lockShare(cells);
    try {
      Atomics.store(cells, STASH_PUBLISHED, 0);
      Atomics.store(cells, STASH_WRITTEN, 0);
      // The generation's first record says that the rest is kept in memory; written at once (see the file comment).
      if (!this.add(0, IN_MEMORY, undefined)) throw new RangeError('no room for the first record');
      this.#position = this.#pending;
      this.#pending = 0;
      Atomics.store(cells, STASH_PUBLISHED, this.#position);
      writePublished(cells, this.#bytes, this.#fd);
      // Kept in memory only while a watchdog can write it (see orphan-watchdog.ts).
      if (Atomics.load(cells, STASH_WATCHED) === 1) {
        Atomics.store(cells, STASH_EXACT, 0);
        this.#wake = true;
      }
    } catch {
      // The next write tries again, and throws (the disk is full, say): the child then sends instead.
      Atomics.store(cells, STASH_EXACT, 1);
    } finally {
      unlockShare(cells);
    }
  }

  /** Prepares the result of task `seq`; false if it cannot be serialized or the file is full (send it instead). */
  add(seq: number, status: number, value: unknown): boolean {
    for (;;) {
      const at = this.#cells === undefined ? this.#pending : this.#position + this.#pending;
      const end = (this.#cells === undefined ? Math.min(this.#bytes.length, STASH_FILE_BYTES - this.#position) : STASH_FILE_BYTES) - GENERATION;
      const size = encodeEntry(this.#bytes, this.#view, at + GENERATION, end, seq, status, value);
      if (size >= 0) {
        this.#view.setUint32(at, this.#generation);
        this.#view.setUint32(at + GENERATION + size, this.#generation);
        this.#pending += size + 2 * GENERATION;
        return true;
      }
      if (this.#cells !== undefined || this.#bytes.length >= STASH_FILE_BYTES - this.#position) return false;
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

  /**
   * Writes what was prepared, in one write; with a share, publishes it, and writes it only while the share
   * is exact. Throws what the write throws (the disk is full, say).
   */
  write(): void {
    if (this.#pending === 0) return;
    const cells = this.#cells;
    if (cells === undefined) {
      writeSync(this.#fd, this.#bytes, 0, this.#pending, this.#position);
      this.#position += this.#pending;
      this.#pending = 0;
      return;
    }
    this.#position += this.#pending;
    this.#pending = 0;
    // Published, then EXACT read; the watchdog sets EXACT, then reads what was published: one of the two
    // writes what was published now.
    Atomics.store(cells, STASH_PUBLISHED, this.#position);
    if (Atomics.load(cells, STASH_EXACT) === 1) {
      this.flush();
      if (this.#wantWatchdog !== undefined && --this.#writesLeft <= 0) {
        const start = this.#wantWatchdog;
        this.#wantWatchdog = undefined;
        start();
      }
    } else if (this.#wake) {
      this.#wake = false;
      Atomics.notify(cells, STASH_PUBLISHED);
    }
  }

  /**
   * With a share that no watchdog writes yet: `start` is called once the main thread has written
   * {@link WRITES_BEFORE_WATCHDOG} records itself, to start the watchdog that keeps them in memory.
   */
  whenBusy(start: () => void): void {
    if (this.#cells === undefined) return;
    this.#writesLeft = WRITES_BEFORE_WATCHDOG;
    this.#wantWatchdog = start;
  }

  /** With a share: no watchdog writes it any more; from now on the child writes every record itself. */
  unwatched(): void {
    const cells = this.#cells;
    if (cells === undefined) return;
    Atomics.store(cells, STASH_WATCHED, 0);
    this.flush();
  }

  /** With a share: writes every record published, and each from now on as it is published (the child exits, say). */
  flush(): void {
    const cells = this.#cells;
    if (cells === undefined) return;
    Atomics.store(cells, STASH_EXACT, 1);
    lockShare(cells);
    try {
      writePublished(cells, this.#bytes, this.#fd);
    } finally {
      unlockShare(cells);
    }
  }
}

/**
 * How many records a child whose parent's reaper watches it (see WorkerInit.reaped) writes itself before it
 * starts the watchdog thread that keeps them in memory. A thread's start costs about 60 ms of CPU, on another
 * core; a write costs about 10 µs here, on the child's main thread, between its tasks. A child that runs few
 * guarded tasks (one replaced after an abort runs a few dozen in scenario restart) never pays for the
 * thread; one in a burst of guarded tasks loses about 2.5 ms to writes before the thread takes them over
 * (without a reaper, it starts with the child, and writes stay exact until it runs, some 30-60 ms anyway).
 */
export const WRITES_BEFORE_WATCHDOG = 256;

/** The shared memory of a stash file kept in memory (see StashShare). */
export function newStashShare(): SharedArrayBuffer {
  return new SharedArrayBuffer(STASH_CELLS_BYTES + STASH_FILE_BYTES);
}

/**
 * What a stash file holds: the results in it, in order, the last task marked as begun, and the last one
 * marked as having read its signal.
 */
export interface StashFileContents {
  readonly results: [seq: number, status: number, value: unknown][];
  readonly begun: number | undefined;
  readonly watched: number | undefined;
  /**
   * The generation is kept in memory and no task is marked as begun in it: what the child ran since it
   * started the file over was not written (it died before its watchdog wrote it), so any task it held may
   * have begun.
   */
  readonly imprecise: boolean;
}

/**
 * The engine's side: reads the stash file `fd`, while the child runs (to learn which task it has begun; the
 * values are then not decoded: `values` false) or once it is gone.
 */
export function readStashFile(fd: number, values: boolean): StashFileContents {
  const results: [number, number, unknown][] = [];
  let begun: number | undefined;
  let watched: number | undefined;
  let inMemory = false;
  let size: number;
  try {
    size = Math.min(fstatSync(fd).size, STASH_FILE_BYTES);
  } catch {
    return { results, begun, watched, imprecise: false };
  }
  const bytes = new Uint8Array(size);
  const end = size === 0 ? 0 : readSync(fd, bytes, 0, size, 0);
  const view = new DataView(bytes.buffer);
  if (end < GENERATION) return { results, begun, watched, imprecise: false };
  const generation = view.getUint32(0);
  for (let at = 0; at + 2 * GENERATION + 16 <= end && view.getUint32(at) === generation; ) {
    const entry = at + GENERATION;
    const next = entry + entrySize(view, entry) + GENERATION;
    if (next > end || view.getUint32(next - GENERATION) !== generation) break;
    const status = view.getUint8(entry + 8);
    if (status === BEGINS) begun = view.getFloat64(entry);
    else if (status === WATCHED) watched = view.getFloat64(entry);
    else if (status === IN_MEMORY) inMemory = true;
    else if (values) {
      try {
        results.push(decodeEntry(bytes, view, entry));
      } catch {
        break;
      }
    }
    at = next;
  }
  return { results, begun, watched, imprecise: inMemory && begun === undefined };
}
