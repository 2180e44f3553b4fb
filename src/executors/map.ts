import { TimeoutError } from '../futures/errors.js';
import type { Future } from '../futures/future.js';
import { Deque } from '../internal/deque.js';
import { within } from '../internal/timers.js';
import { validateInteger, validateOptions, validateSignal, validateTimeout } from '../internal/validate.js';
import type { ChunkResult } from '../pool/protocol.js';
import { fromWire } from '../tasks/wire-error.js';
import { AdaptiveChunking, type Chunking, FixedChunking, defaultReadAhead } from './chunking.js';
import type { MapOptions } from './executor.js';

type SubmitChunk<T> = (items: [T][]) => Future<ChunkResult>;

/**
 * The engine of `Executor.map`: reads the input lazily in chunks, keeps at most `readAhead` items
 * submitted, and yields results in input order.
 */
export function mapInOrder<T, R>(
  submitChunk: SubmitChunk<T>,
  items: Iterable<T> | AsyncIterable<T>,
  options: MapOptions,
  maxWorkers: number,
): AsyncIterableIterator<R> {
  validateOptions(options);
  const { timeout = Infinity, chunksize, readAhead, signal } = options;
  validateTimeout(timeout);
  if (chunksize !== undefined) validateInteger(chunksize, 'chunksize', 1);
  validateSignal(signal);
  if (readAhead !== undefined) validateInteger(readAhead, 'readAhead', 1);
  if (items === null || typeof items !== 'object' || !(Symbol.iterator in items || Symbol.asyncIterator in items)) {
    throw new TypeError(`items must be an iterable or an async iterable, received ${items === null ? 'null' : typeof items}`);
  }
  const deadline = timeout === Infinity ? Infinity : performance.now() + timeout;
  const chunking =
    chunksize === undefined
      ? new AdaptiveChunking(maxWorkers, readAhead)
      : new FixedChunking(chunksize, readAhead ?? defaultReadAhead(maxWorkers, chunksize));
  return run<T, R>(new ChunkWindow(submitChunk, chunking), items, deadline, signal);
}

async function* run<T, R>(
  window: ChunkWindow<T>,
  items: Iterable<T> | AsyncIterable<T>,
  deadline: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<R, void, undefined> {
  const input = Symbol.asyncIterator in items
    ? new AsyncReader(items[Symbol.asyncIterator](), window)
    : new SyncReader((items as Iterable<T>)[Symbol.iterator](), window);
  let failed = false;
  try {
    for (;;) {
      if (window.length === 0 && !(await input.fill(deadline, signal))) return;
      const current = window.peek()!;
      // Still in the window while waiting, so it is cancelled with the rest if the wait ends early.
      const result = current.done() ? current.result() : await settle(current, deadline, signal);
      window.shift(result);
      input.refill();
      for (const value of result.values) yield value as R;
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
    this.#futures.push(this.#submitChunk(chunk));
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

/** What run() needs of the input: chunks pushed to the window, read ahead by a bounded amount. */
interface Reader {
  /** Called when the window is empty: pushes the next chunk to it, or says false at the end of the input. */
  fill(deadline: number, signal: AbortSignal | undefined): Promise<boolean> | boolean;
  /** Called when the window has room again. */
  refill(): void;
  close(): Promise<void>;
}

/**
 * A sync input is read in place, with no await per item: it cannot wait for anything anyway. The first read
 * is run()'s first fill(), inside its try, so what it submits is cancelled if the iteration ends early.
 */
class SyncReader<T> implements Reader {
  #exhausted = false;
  #failure: { readonly error: unknown } | undefined;

  readonly #source: Iterator<T>;
  readonly #window: ChunkWindow<T>;

  constructor(source: Iterator<T>, window: ChunkWindow<T>) {
    this.#source = source;
    this.#window = window;
  }

  fill(): boolean {
    this.refill();
    if (this.#window.length > 0) return true;
    if (this.#failure !== undefined) throw this.#failure.error;
    return false;
  }

  refill(): void {
    const window = this.#window;
    const source = this.#source;
    // Stop reading as soon as the oldest result is ready, so a long input never holds a result back.
    while (!this.#exhausted && window.hasRoom && !(window.peek()?.done() ?? false)) {
      const chunksize = window.chunksize;
      const chunk: [T][] = [];
      while (chunk.length < chunksize) {
        let step: IteratorResult<T>;
        try {
          step = source.next();
        } catch (error) {
          // Thrown where it stands in the input, after the results of the items read before it, as for an
          // async input. An iterator whose next() threw is done: like for-of, close() does not call return().
          this.#failure = { error };
          this.#exhausted = true;
          break;
        }
        if (step.done === true) {
          this.#exhausted = true;
          break;
        }
        chunk.push([step.value]);
      }
      if (chunk.length > 0) window.submit(chunk);
    }
  }

  async close(): Promise<void> {
    if (!this.#exhausted) await this.#source.return?.();
  }
}

/**
 * An async input is read by a loop of its own, alongside the consumer, so results are yielded while a read
 * is pending, and an input that waits for map's own results (a crawler's queue) keeps flowing. A chunk that
 * is not full yet is sent as it is when nothing else of this map is in flight.
 */
class AsyncReader<T> implements Reader {
  #partial: [T][] = [];
  // The loop below has ended.
  #ended = false;
  // The source is done, or its next() threw: close() does not call its return().
  #sourceDone = false;
  #failure: { readonly error: unknown } | undefined;
  // A source.next() is pending: close() cannot wait for return(), which would queue behind it.
  #reading = false;
  #stopped = false;
  #wakeReader: (() => void) | undefined;
  #wakeConsumer: (() => void) | undefined;

  readonly #source: AsyncIterator<T>;
  readonly #window: ChunkWindow<T>;

  constructor(source: AsyncIterator<T>, window: ChunkWindow<T>) {
    this.#source = source;
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
        this.#reading = true;
        let step: IteratorResult<T>;
        try {
          step = await this.#source.next();
        } catch (error) {
          // Thrown where it stands in the input: after the results of the items read before it.
          this.#sourceDone = true;
          this.#failure = { error };
          break;
        } finally {
          this.#reading = false;
        }
        if (this.#stopped) return;
        if (step.done === true) {
          this.#sourceDone = true;
          break;
        }
        this.#partial.push([step.value]);
        if (this.#partial.length >= this.#window.chunksize) this.#submitPartial();
        this.#wake();
      }
      if (!this.#stopped) this.#submitPartial();
    } catch (error) {
      // submitChunk threw (the pool is shut down or broken): that comes before any input error, whose items
      // could not be sent. Unless the source is done, close() still calls its return().
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
        if (this.#failure !== undefined) throw this.#failure.error;
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
    if (this.#sourceDone) return;
    // Even a return() that throws at once is not awaited here: the iteration's end is not delayed or changed.
    if (this.#reading) void (async () => this.#source.return?.())().catch(() => undefined);
    else await this.#source.return?.();
  }
}

/** Milliseconds left until `deadline` (a `performance.now()` time, or Infinity). */
function until(deadline: number): number {
  return deadline === Infinity ? Infinity : Math.max(0, deadline - performance.now());
}

function settle(future: Future<ChunkResult>, deadline: number, signal: AbortSignal | undefined): Promise<ChunkResult> {
  return within(future, until(deadline), signal, () => new TimeoutError('map() timed out before every result was ready'));
}
