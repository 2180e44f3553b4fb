import { TimeoutError } from '../futures/errors.js';
import type { Future } from '../futures/future.js';
import { wait } from '../futures/wait.js';
import { Deque } from '../internal/deque.js';
import { validateInteger, validateSignal, validateTimeout } from '../internal/validate.js';
import type { ChunkResult } from '../pool/protocol.js';
import { fromWire } from '../tasks/wire-error.js';
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
  const { timeout = Infinity, chunksize = 1, signal } = options;
  validateTimeout(timeout);
  validateInteger(chunksize, 'chunksize', 1);
  validateSignal(signal);
  const readAhead = options.readAhead ?? Math.max(1024, 4 * maxWorkers * chunksize);
  validateInteger(readAhead, 'readAhead', 1);
  if (items === null || typeof items !== 'object' || !(Symbol.iterator in items || Symbol.asyncIterator in items)) {
    throw new TypeError(`items must be an iterable or an async iterable, received ${items === null ? 'null' : typeof items}`);
  }
  const deadline = timeout === Infinity ? Infinity : performance.now() + timeout;
  return run<T, R>(submitChunk, items, chunksize, Math.max(1, Math.ceil(readAhead / chunksize)), deadline, signal);
}

async function* run<T, R>(
  submitChunk: SubmitChunk<T>,
  items: Iterable<T> | AsyncIterable<T>,
  chunksize: number,
  maxChunks: number,
  deadline: number,
  signal: AbortSignal | undefined,
): AsyncGenerator<R, void, undefined> {
  const isAsync = Symbol.asyncIterator in items;
  const source: Iterator<T> | AsyncIterator<T> = isAsync ? items[Symbol.asyncIterator]() : (items as Iterable<T>)[Symbol.iterator]();
  const window = new Deque<Future<ChunkResult>>();
  let exhausted = false;
  // An async read still pending when the iteration ends (a timeout while reading): return() would wait for it.
  let reading = false;
  const fill = async (): Promise<void> => {
    // Stop reading as soon as the oldest result is ready, so a slow input never holds results back.
    while (!exhausted && window.length < maxChunks && !(window.peek()?.done() ?? false)) {
      const chunk: [T][] = [];
      while (chunk.length < chunksize) {
        // A sync input is read without an await per item; an async one within the deadline and the signal.
        let step: IteratorResult<T>;
        if (isAsync) {
          reading = true;
          step = await readWithin(source as AsyncIterator<T>, deadline, signal);
          reading = false;
        } else {
          step = (source as Iterator<T>).next();
        }
        if (step.done === true) {
          exhausted = true;
          break;
        }
        chunk.push([step.value]);
      }
      if (chunk.length > 0) window.push(submitChunk(chunk));
    }
  };
  // The chunk being waited for; it is cancelled too if the wait ends early (timeout, signal, break).
  let current: Future<ChunkResult> | undefined;
  try {
    await fill();
    for (current = window.shift(); current !== undefined; current = window.shift()) {
      const { values, error } = current.done() ? current.result() : await settle(current, deadline, signal);
      for (const value of values) yield value as R;
      if (error !== undefined) throw fromWire(error);
      await fill();
    }
  } finally {
    current?.cancel();
    for (let future = window.shift(); future !== undefined; future = window.shift()) future.cancel();
    if (exhausted) {
      // Nothing to close.
    } else if (reading) {
      void Promise.resolve(source.return?.()).catch(() => undefined);
    } else {
      await source.return?.();
    }
  }
}

/** The next item of an async input, or TimeoutError / the signal's reason if those come first. */
function readWithin<T>(source: AsyncIterator<T>, deadline: number, signal: AbortSignal | undefined): Promise<IteratorResult<T>> {
  const next = source.next();
  if (deadline === Infinity && signal === undefined) return next;
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    const onAbort = (): void => {
      cleanup();
      reject(signal!.reason);
    };
    const timer =
      deadline === Infinity
        ? undefined
        : setTimeout(() => {
            cleanup();
            reject(new TimeoutError('map() timed out while reading its input'));
          }, Math.max(0, deadline - performance.now()));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    next.then(
      (step) => {
        cleanup();
        resolve(step);
      },
      (error: unknown) => {
        cleanup();
        reject(error);
      },
    );
  });
}

async function settle(future: Future<ChunkResult>, deadline: number, signal: AbortSignal | undefined): Promise<ChunkResult> {
  if (deadline === Infinity && signal === undefined) return future;
  signal?.throwIfAborted();
  const remaining = Math.max(0, deadline - performance.now());
  const { notDone } = await wait([future], { timeout: remaining, ...(signal === undefined ? {} : { signal }) });
  if (notDone.size > 0) throw new TimeoutError('map() timed out before every result was ready');
  return future.result();
}
