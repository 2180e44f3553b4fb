/**
 * How `map` cuts its input into chunks and how many it keeps submitted ahead of the consumer: a fixed size
 * (the caller's `chunksize`), or one that adapts to what the items cost (no `chunksize` given).
 */
export interface Chunking {
  /** Items to put in the next chunk. */
  readonly size: number;
  /** Whether a window already holding `chunks` chunks of `items` items in all may take one more. */
  hasRoom(chunks: number, items: number): boolean;
  /** A chunk came back: `items` items ran in `ms` milliseconds of its worker's time. */
  record(items: number, ms: number): void;
}

/** The default of `readAhead` for a chunk size: see MapOptions.readAhead. */
export function defaultReadAhead(maxWorkers: number, chunksize: number): number {
  return Math.max(1024, 4 * maxWorkers * chunksize);
}

/** The caller's `chunksize`: `readAhead` counts whole chunks, rounded down, one at least. */
export class FixedChunking implements Chunking {
  readonly size: number;
  readonly #maxChunks: number;

  constructor(chunksize: number, readAhead: number) {
    this.size = chunksize;
    this.#maxChunks = Math.max(1, Math.floor(readAhead / chunksize));
  }

  hasRoom(chunks: number): boolean {
    return chunks < this.#maxChunks;
  }

  record(): void {
    // A fixed size learns nothing.
  }
}

/**
 * Work a chunk should hold, in milliseconds of its worker's time: enough to amortize the cost of a message
 * (tens of microseconds) many times over, and well under the engine's pipelining bound (2 ms), so a worker
 * is given the next chunk while it runs this one.
 */
export const TARGET_CHUNK_MS = 0.5;
/**
 * The most items in an adaptive chunk. Past about a thousand tiny items a chunk only costs memory and
 * latency: its arrays are copied whole, and the main thread and the workers overlap less.
 */
export const MAX_ADAPTIVE_CHUNK = 1024;
/** How much larger a chunk may be than the largest one measured so far. */
const GROWTH = 4;
/** Weight of the newest chunk in the smoothed cost of an item. */
const SMOOTHING = 0.3;

/**
 * The size when the caller gives none. The first chunks hold one item each, so the first results come at
 * once and slow items are spread over the workers. Each chunk that comes back tells what an item costs
 * (the worker times it); the size then goes toward {@link TARGET_CHUNK_MS} of work, at most
 * {@link MAX_ADAPTIVE_CHUNK} items, growing at most {@link GROWTH}-fold past the largest chunk measured, and
 * shrinks as soon as items get slower: items of a millisecond or more go one per chunk. While the size
 * still grows, at most two chunks per worker are in flight, so the window is not filled with small chunks
 * before the size settles. `readAhead`, when not given, follows the size (see {@link defaultReadAhead}).
 */
export class AdaptiveChunking implements Chunking {
  #size = 1;
  #itemMs = Number.NaN;
  #largest = 0;
  #growing = true;

  readonly #maxWorkers: number;
  readonly #readAhead: number | undefined;
  readonly #maxSize: number;

  constructor(maxWorkers: number, readAhead: number | undefined) {
    this.#maxWorkers = maxWorkers;
    this.#readAhead = readAhead;
    // A readAhead the caller chose still holds two chunks per worker.
    this.#maxSize = readAhead === undefined ? MAX_ADAPTIVE_CHUNK : Math.max(1, Math.min(MAX_ADAPTIVE_CHUNK, Math.floor(readAhead / (2 * maxWorkers))));
  }

  get size(): number {
    return this.#size;
  }

  hasRoom(chunks: number, items: number): boolean {
    if (chunks === 0) return true;
    if (this.#growing && chunks >= 2 * this.#maxWorkers) return false;
    return items + this.#size <= (this.#readAhead ?? defaultReadAhead(this.#maxWorkers, this.#size));
  }

  record(items: number, ms: number): void {
    if (items <= 0 || !(ms >= 0)) return;
    const itemMs = ms / items;
    this.#itemMs = Number.isNaN(this.#itemMs) ? itemMs : this.#itemMs * (1 - SMOOTHING) + itemMs * SMOOTHING;
    if (items > this.#largest) this.#largest = items;
    const wanted = Math.max(1, Math.min(this.#maxSize, Math.floor(TARGET_CHUNK_MS / this.#itemMs)));
    const allowed = this.#largest * GROWTH;
    this.#growing = wanted > allowed;
    this.#size = this.#growing ? allowed : wanted;
  }
}
