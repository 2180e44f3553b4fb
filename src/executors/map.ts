import { TimeoutError } from '../futures/errors.js';
import type { Future } from '../futures/future.js';
import { Deque } from '../internal/deque.js';
import { InputReader, isSyncInput } from '../internal/input-reader.js';
import { within } from '../internal/timers.js';
import { validateInteger, validateOptions, validateSignal, validateTimeout } from '../internal/validate.js';
import type { ChunkResult } from '../wire/protocol.js';
import { fromWire } from '../tasks/wire-error.js';
import { AdaptiveChunking, type Chunking, FixedChunking, defaultReadAhead } from './chunking.js';
import type { MapOptions } from './executor.js';

/** Submits a chunk whose first item is the `first` item of the input, from 0. */
type SubmitChunk<T> = (items: [T][], first: number) => Future<ChunkResult>;

/**
 * The engine of `Executor.map`: reads the input lazily in chunks, keeps at most `readAhead` items
 * submitted, and yields results in input order.
 */
export function mapInOrder<T, R>(
  submitChunk: SubmitChunk<T>,
  items: Iterable<T> | AsyncIterable<T>,
  options: MapOptions<never, never>,
  maxWorkers: number,
): AsyncIterableIterator<R> {
  validateOptions(options);
  const { timeout = Infinity, chunksize, readAhead, signal } = options;
  validateTimeout(timeout);
  if (chunksize !== undefined) validateInteger(chunksize, 'chunksize', 1);
  validateSignal(signal);
  if (readAhead !== undefined) validateInteger(readAhead, 'readAhead', 1);
  // Checked now; iterated from the first step on, as a for-of would.
  isSyncInput(items);
  const deadline = timeout === Infinity ? Infinity : performance.now() + timeout;
  const chunking =
    chunksize === undefined
      ? new AdaptiveChunking(maxWorkers, readAhead)
      : new FixedChunking(chunksize, readAhead ?? defaultReadAhead(maxWorkers, chunksize));
  return mapped<T, R>(new ChunkWindow(submitChunk, chunking), items, deadline, signal);
}

async function* mapped<T, R>(
  window: ChunkWindow<T>,
  items: Iterable<T> | AsyncIterable<T>,
  deadline: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<R, void, undefined> {
  // Aborted before the first step: the input is not even started.
  signal?.throwIfAborted();
  const reader = new InputReader(items);
  const input = reader.isSync ? new SyncFeed(reader, window) : new AsyncFeed(reader, window);
  let failed = false;
  try {
    // An aborted map submits nothing more: checked before the loop and at the end of each turn of it.
    for (;;) {
      if (window.length === 0 && !(await input.fill(deadline, signal))) return;
      const current = window.peek()!;
      // Still in the window while waiting, so it is cancelled with the rest if the wait ends early.
      const result = current.done() ? current.result() : await settle(current, deadline, signal);
      window.shift(result);
      input.refill();
      // A chunk holds many results: the step after an abort throws, rather than yield the rest of it.
      for (const value of result.values) {
        signal?.throwIfAborted();
        yield value as R;
      }
      signal?.throwIfAborted();
      if (result.error !== undefined) throw fromWire(result.error);
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    window.cancelAll();
    // As with for-of: the error that ended the iteration is not hidden by one from the input's return().
    if (failed) await input.close().catch(() => undefined);
    else await input.close();
  }
}

/**
 * Where a reader puts what it reads: the chunks submitted and not yet consumed, oldest first, sized and
 * bounded by a {@link Chunking}.
 */
class ChunkWindow<T> {
  readonly #futures = new Deque<Future<ChunkResult>>();
  readonly #sizes = new Deque<number>();
  #items = 0;

  readonly #submitChunk: SubmitChunk<T>;
  /** Items submitted so far: the index of the next chunk's first item. */
  #submittedItems = 0;
  readonly #chunking: Chunking;

  constructor(submitChunk: SubmitChunk<T>, chunking: Chunking) {
    this.#submitChunk = submitChunk;
    this.#chunking = chunking;
  }

  get length(): number {
    return this.#futures.length;
  }

  /** Items to put in the next chunk. */
  get chunksize(): number {
    return this.#chunking.size;
  }

  /** Whether another chunk may be submitted. */
  get hasRoom(): boolean {
    return this.#chunking.hasRoom(this.#futures.length, this.#items);
  }

  peek(): Future<ChunkResult> | undefined {
    return this.#futures.peek();
  }

  submit(chunk: [T][]): void {
    this.#futures.push(this.#submitChunk(chunk, this.#submittedItems));
    this.#submittedItems += chunk.length;
    this.#sizes.push(chunk.length);
    this.#items += chunk.length;
  }

  /** The oldest chunk was consumed, with this result. */
  shift(result: ChunkResult): void {
    this.#futures.shift();
    this.#items -= this.#sizes.shift()!;
    this.#chunking.record(result.values.length + (result.error === undefined ? 0 : 1), result.ms);
  }

  /** The iteration ended: work left here was map's own, so a chunk that failed meanwhile is nobody's to report. */
  cancelAll(): void {
    for (let future = this.#futures.shift(); future !== undefined; future = this.#futures.shift()) future.markObserved().cancel();
    this.#sizes.drain();
    this.#items = 0;
  }
}

/** What mapped() needs of the input: chunks pushed to the window, read ahead by a bounded amount. */
interface Feed {
  /** Called when the window is empty: pushes the next chunk to it, or says false at the end of the input. */
  fill(deadline: number, signal: AbortSignal | undefined): Promise<boolean> | boolean;
  /** Called when the window has room again. */
  refill(): void;
  close(): Promise<void>;
}

/**
 * A sync input is read in place, with no await per item: it cannot wait for anything anyway. The first read
 * is mapped()'s first fill(), inside its try, so what it submits is cancelled if the iteration ends early.
 */
class SyncFeed<T> implements Feed {
  readonly #reader: InputReader<T>;
  readonly #window: ChunkWindow<T>;

  constructor(reader: InputReader<T>, window: ChunkWindow<T>) {
    this.#reader = reader;
    this.#window = window;
  }

  fill(): boolean {
    this.refill();
    if (this.#window.length > 0) return true;
    // Thrown where it stands in the input, after the results of the items read before it, as for an async input.
    const failure = this.#reader.failure;
    if (failure !== undefined) throw failure.error;
    return false;
  }

  refill(): void {
    const window = this.#window;
    const reader = this.#reader;
    // Stop reading as soon as the oldest result is ready, so a long input never holds a result back.
    while (!reader.finished && window.hasRoom && !(window.peek()?.done() ?? false)) {
      const chunksize = window.chunksize;
      const chunk: [T][] = [];
      while (chunk.length < chunksize) {
        const step = reader.takeSync();
        if (step === undefined) break;
        chunk.push([step.value]);
      }
      if (chunk.length > 0) window.submit(chunk);
    }
  }

  close(): Promise<void> {
    return this.#reader.return();
  }
}

/**
 * An async input is read by a loop of its own, alongside the consumer, so results are yielded while a read
 * is pending, and an input that waits for map's own results (a crawler's queue) keeps flowing. A chunk that
 * is not full yet is sent as it is when nothing else of this map is in flight.
 */
class AsyncFeed<T> implements Feed {
  #partial: [T][] = [];
  // The loop below has ended.
  #ended = false;
  // submitChunk threw: the pool is shut down or broken.
  #failure: { readonly error: unknown } | undefined;
  #stopped = false;
  #wakeReader: (() => void) | undefined;
  #wakeConsumer: (() => void) | undefined;

  readonly #reader: InputReader<T>;
  readonly #window: ChunkWindow<T>;

  constructor(reader: InputReader<T>, window: ChunkWindow<T>) {
    this.#reader = reader;
    this.#window = window;
    void this.#read();
  }

  async #read(): Promise<void> {
    try {
      while (!this.#stopped) {
        if (!this.#window.hasRoom) {
          await new Promise<void>((resolve) => (this.#wakeReader = resolve));
          continue;
        }
        const step = await this.#reader.takeAsync();
        if (this.#stopped) return;
        // The input ended, or threw: that is thrown where it stands, after the results of the items before it.
        if (step === undefined) break;
        this.#partial.push([step.value]);
        if (this.#partial.length >= this.#window.chunksize) this.#submitPartial();
        this.#wake();
      }
      if (!this.#stopped) this.#submitPartial();
    } catch (error) {
      // That comes before any input error, whose items could not be sent. Unless the input is done,
      // close() still calls its return().
      this.#failure = { error };
    } finally {
      this.#ended = true;
      this.#wake();
    }
  }

  #submitPartial(): void {
    if (this.#partial.length === 0) return;
    const chunk = this.#partial;
    this.#partial = [];
    this.#window.submit(chunk);
  }

  #wake(): void {
    const wake = this.#wakeConsumer;
    this.#wakeConsumer = undefined;
    wake?.();
  }

  async fill(deadline: number, signal: AbortSignal | undefined): Promise<boolean> {
    for (;;) {
      if (this.#window.length > 0) return true;
      if (this.#ended) {
        const failure = this.#failure ?? this.#reader.failure;
        if (failure !== undefined) throw failure.error;
        return false;
      }
      if (this.#partial.length > 0) {
        // Let items the input has at hand join the chunk first; then send it, full or not.
        await new Promise((resolve) => setImmediate(resolve));
        if (this.#window.length === 0) this.#submitPartial();
        continue;
      }
      const woken = new Promise<void>((resolve) => (this.#wakeConsumer = resolve));
      await within(woken, until(deadline), signal, () => new TimeoutError('map() timed out while reading its input'));
    }
  }

  refill(): void {
    const wake = this.#wakeReader;
    this.#wakeReader = undefined;
    wake?.();
  }

  async close(): Promise<void> {
    this.#stopped = true;
    this.refill();
    // A next() is pending: return() would queue behind it, so it is not awaited. Even a return() that throws
    // at once is not: the iteration's end is not delayed or changed.
    if (this.#reader.pulling > 0) this.#reader.close();
    else await this.#reader.return();
  }
}

/** Milliseconds left until `deadline` (a `performance.now()` time, or Infinity). */
function until(deadline: number): number {
  return deadline === Infinity ? Infinity : Math.max(0, deadline - performance.now());
}

function settle(future: Future<ChunkResult>, deadline: number, signal: AbortSignal | undefined): Promise<ChunkResult> {
  return within(future, until(deadline), signal, () => new TimeoutError('map() timed out before every result was ready'));
}
