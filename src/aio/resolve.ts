import type { Completed } from '../futures/as-completed.js';
import { Future } from '../futures/future.js';
import { Deque } from '../internal/deque.js';
import { isThenable, validateInteger, validateOptions, validateSignal } from '../internal/validate.js';
import { DONE, InputReader, dropItem } from '../internal/input-reader.js';
import type { WorkContext, WorkInput, WorkItem } from './work-input.js';

/**
 * Options of {@link resolve}.
 * @example
 * ```ts
 * import { resolve, sleep } from 'aiox';
 * async function* jobs() { for (let id = 0; ; id++) yield async () => id; }
 * // 16 in flight, at most 100 results waiting for this slow loop; the loop throws once the signal aborts.
 * for await (const { future } of resolve(jobs(), { workers: 16, greediness: 100, signal: AbortSignal.timeout(60_000) })) {
 *   await sleep(100); // stands in for slow processing of future.result()
 * }
 * ```
 */
export interface ResolveOptions {
  /** How many items may be in flight at once: an integer >= 1, or `Infinity`. @default 1024 */
  readonly workers?: number;
  /**
   * How many finished results may wait for the consumer before workers stop taking new items: an integer
   * >= 1, or `Infinity` (never stop, as Python's `worker_greediness=0`). At most `workers + greediness`
   * items are held at once, so memory stays flat over an endless input however slow the consumer is.
   * @default 1024
   */
  readonly greediness?: number;
  /**
   * Stops the iteration: the next step rejects with `signal.reason` and the iteration ends; no new item is
   * started, the input is closed, and the signal given to running functions aborts with the same reason.
   */
  readonly signal?: AbortSignal;
}

/**
 * What {@link resolve} returns: an async iterator of `{ future }` steps that is its own iterable. `return()`
 * is always there (it is what `break` calls), so it can be called directly to stop early.
 * @example
 * ```ts
 * import { resolve } from 'aiox';
 * const steps = resolve([1, 2, 3].map((n) => async () => n * 10));
 * const first = await steps.next(); // driven by hand, without a loop
 * if (!first.done) console.log(first.value.future.result()); // 10
 * await steps.return(); // stops it as `break` would: running functions are aborted, the input closed
 * ```
 */
export interface ResolveIterator<T> extends AsyncIterableIterator<Completed<T>, undefined, undefined> {
  next(): Promise<IteratorResult<Completed<T>, undefined>>;
  return(): Promise<IteratorResult<Completed<T>, undefined>>;
  [Symbol.asyncIterator](): ResolveIterator<T>;
  /**
   * The same steps as the results themselves, for when one failure should end everything: yields each
   * item's value in input order and throws the first failure at its position, which also stops the
   * iteration as `return()` does (running functions are aborted, the input is closed).
   *
   * @example
   * ```ts
   * import { resolve, type WorkContext } from 'aiox';
   * const urls = ['https://example.com/a', 'https://example.com/b'];
   * for await (const page of resolve(urls.map((u) => ({ signal }: WorkContext) => fetch(u, { signal }))).values()) {
   *   console.log(page.status); // a failed fetch throws here, and the others are aborted
   * }
   * ```
   */
  values(): AsyncIterableIterator<T, undefined, undefined>;
}

const ResolveState = { IDLE: 'idle', RUNNING: 'running', CLOSED: 'closed' } as const;
type ResolveState = (typeof ResolveState)[keyof typeof ResolveState];

type Step<T> = IteratorResult<Completed<T>, undefined>;
type Consumer<T> = { resolve: (step: Step<T>) => void; reject: (reason: unknown) => void };

/**
 * Runs the items of `items` with at most `workers` in flight and yields each outcome in input order, as
 * soon as it and all before it are done, as `{ future }`: a done {@link Future} whose `result()` gives the
 * item's value or throws its failure. One item's failure never stops the others.
 *
 * Items are those of {@link collect}: values, promises, or functions called with `{ signal }` when a worker
 * takes them. Nothing starts before the first `next()`. Finished results beyond `greediness` make workers
 * wait for the consumer, so an endless generator runs in flat memory.
 *
 * Why `{ future }` and not the future itself: a `Future` is thenable, so `for await` would unwrap it (and
 * throw at the first failure). Wrapped, the loop gets every outcome and the types say so. When the first
 * failure should end everything instead, iterate `resolve(...).values()`: the results themselves, typed `T`.
 *
 * The iteration ends when the input ends and every item was yielded. If the input itself throws, the
 * iteration throws that error after the items read before it were yielded. Leaving the loop early
 * (`break`, `return()`) or aborting `signal` stops reading the input and aborts the signal given to the
 * functions still running; their outcomes are dropped.
 *
 * @param items an iterable or async iterable of values, promises, or functions `({ signal }) => value | promise`
 * @throws {RangeError} if `workers` or `greediness` is not an integer >= 1 (synchronously).
 * @throws {TypeError} if `items` is not iterable or `signal` is not an `AbortSignal` (synchronously).
 *
 * @example
 * ```ts
 * import { resolve } from 'aiox';
 * async function* ids() { for (let id = 0; ; id++) yield () => Promise.resolve(id * 2); }
 * for await (const { future } of resolve(ids(), { workers: 8, greediness: 64 })) {
 *   if (future.result() >= 10) break; // result() throws the item's failure, if any
 * }
 * ```
 */
export function resolve<T>(items: WorkInput<T>, options: ResolveOptions = {}): ResolveIterator<T> {
  validateOptions(options);
  const { workers = 1024, greediness = 1024, signal } = options;
  validateInteger(workers, 'workers', 1, true);
  validateInteger(greediness, 'greediness', 1, true);
  validateSignal(signal);
  return new ResolveRun<T>(new InputReader<WorkItem<T>>(items), workers, greediness, signal);
}

/**
 * The iterator of one resolve call. Items taken go to `#order` (input order) as running futures; the
 * consumer takes them from its head once done. Workers are async loops like collect's.
 */
class ResolveRun<T> implements ResolveIterator<T> {
  readonly #reader: InputReader<WorkItem<T>>;
  readonly #workers: number;
  readonly #greediness: number;
  readonly #signal: AbortSignal | undefined;
  readonly #controller = new AbortController();
  readonly #context: WorkContext = { signal: this.#controller.signal };
  readonly #order = new Deque<Future<T>>();
  readonly #consumers = new Deque<Consumer<T>>();
  readonly #paused = new Deque<() => void>();
  #state: ResolveState = ResolveState.IDLE;
  // Finished items not yet yielded.
  #waiting = 0;
  #live = 0;
  #filling = false;
  #delivering = false;
  // An error to throw at the next step (abort, or the input's error once everything before it was yielded).
  #throwNext: { reason: unknown } | undefined;
  readonly #onAbort = (): void => this.#abort(this.#signal!.reason);

  constructor(reader: InputReader<WorkItem<T>>, workers: number, greediness: number, signal: AbortSignal | undefined) {
    this.#reader = reader;
    this.#workers = workers;
    this.#greediness = greediness;
    this.#signal = signal;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<Step<T>> {
    if (this.#state === ResolveState.IDLE) this.#start();
    if (this.#consumers.length === 0) {
      const step = this.#takeReady();
      if (step !== undefined) return Promise.resolve(step);
      const thrown = this.#throwNext;
      if (thrown !== undefined) {
        this.#throwNext = undefined;
        return Promise.reject(thrown.reason);
      }
      if (this.#state === ResolveState.CLOSED) return Promise.resolve(DONE);
    }
    return new Promise<Step<T>>((resolve, reject) => this.#consumers.push({ resolve, reject }));
  }

  values(): AsyncIterableIterator<T, undefined, undefined> {
    const unwrap = (step: Step<T>): IteratorResult<T, undefined> => {
      if (step.done === true) return step;
      try {
        return { done: false, value: step.value.future.result() };
      } catch (error) {
        void this.return();
        throw error;
      }
    };
    const values: AsyncIterableIterator<T, undefined, undefined> = {
      next: () => this.next().then(unwrap),
      return: async () => {
        await this.return();
        return DONE;
      },
      [Symbol.asyncIterator]: () => values,
    };
    return values;
  }

  async return(): Promise<Step<T>> {
    this.#close(new DOMException('resolve was closed by its consumer', 'AbortError'));
    this.#deliver();
    return DONE;
  }

  #start(): void {
    this.#state = ResolveState.RUNNING;
    if (this.#signal?.aborted) return this.#abort(this.#signal.reason);
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.#fill();
    this.#deliver();
  }

  /** The next step if one can be given now: a done head, or the end. */
  #takeReady(): Step<T> | undefined {
    if (this.#state === ResolveState.CLOSED) return undefined;
    const head = this.#order.peek();
    if (head !== undefined) {
      if (!head.done()) return undefined;
      this.#order.shift();
      this.#release();
      return { done: false, value: { future: head } };
    }
    if (this.#live > 0) return undefined;
    // Every worker has stopped and every item was yielded: the input ended or failed.
    const failure = this.#reader.failure;
    if (failure !== undefined) this.#throwNext = { reason: failure.error };
    this.#close(undefined);
    return undefined;
  }

  /**
   * Answers waiting consumers, in order, with what is ready. Not reentrant: taking a result can start an item
   * that finishes at once, and the loop below picks that up itself.
   */
  #deliver(): void {
    if (this.#delivering) return;
    this.#delivering = true;
    try {
      while (this.#consumers.length > 0) {
        const step = this.#takeReady();
        if (step !== undefined) {
          this.#consumers.shift()!.resolve(step);
          continue;
        }
        const thrown = this.#throwNext;
        if (thrown !== undefined) {
          this.#throwNext = undefined;
          this.#consumers.shift()!.reject(thrown.reason);
        } else if (this.#state === ResolveState.CLOSED) {
          this.#consumers.shift()!.resolve(DONE);
        } else {
          return;
        }
      }
    } finally {
      this.#delivering = false;
    }
  }

  /** A finished result left the buffer: let one more item start. */
  #release(): void {
    this.#waiting--;
    if (this.#waiting >= this.#greediness) return;
    const wake = this.#paused.shift();
    if (wake !== undefined) wake();
    else this.#fill();
  }

  #fill(): void {
    if (this.#filling) return;
    this.#filling = true;
    while (
      this.#live < this.#workers &&
      this.#reader.pulling === 0 &&
      this.#waiting < this.#greediness &&
      this.#state === ResolveState.RUNNING &&
      !this.#reader.finished
    ) {
      void this.#run();
    }
    this.#filling = false;
  }

  async #run(): Promise<void> {
    this.#live++;
    try {
      while (this.#state === ResolveState.RUNNING) {
        if (this.#waiting >= this.#greediness && !this.#reader.finished) {
          await new Promise<void>((wake) => this.#paused.push(wake));
          continue;
        }
        const step = this.#reader.isSync ? this.#reader.takeSync() : await this.#reader.takeAsync();
        // The input ended or threw (the last step throws that): paused workers have nothing left to take.
        if (step === undefined) return this.#wakeAll();
        if (this.#state !== ResolveState.RUNNING) return dropItem(step.value);
        const future = new Future<T>();
        future.setRunningOrNotifyCancel();
        this.#order.push(future);
        let value: unknown = step.value;
        try {
          if (typeof value === 'function') value = value(this.#context);
          if (isThenable(value)) {
            this.#fill();
            value = await value;
          }
        } catch (error) {
          future.setException(error);
          this.#onSettled(future);
          continue;
        }
        future.setResult(value as T);
        this.#onSettled(future);
      }
    } finally {
      if (--this.#live === 0) this.#deliver();
    }
  }

  #onSettled(future: Future<T>): void {
    if (this.#state !== ResolveState.RUNNING) return;
    this.#waiting++;
    if (this.#order.peek() === future) this.#deliver();
  }

  /** The input is done: paused workers have nothing left to take, so let them stop. */
  #wakeAll(): void {
    for (let wake = this.#paused.shift(); wake !== undefined; wake = this.#paused.shift()) wake();
  }

  #abort(reason: unknown): void {
    if (this.#state === ResolveState.CLOSED) return;
    this.#throwNext = { reason };
    this.#close(reason);
    this.#deliver();
  }

  /** Ends the iteration. `reason` aborts the functions still running (undefined on a natural end). */
  #close(reason: unknown): void {
    if (this.#state === ResolveState.CLOSED) return;
    const early = this.#state === ResolveState.RUNNING && (this.#live > 0 || this.#order.length > 0);
    this.#state = ResolveState.CLOSED;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    this.#reader.close();
    // Futures never handed out are resolve's own: their failures are nobody's to report.
    for (const future of this.#order.drain()) future.markObserved();
    this.#wakeAll();
    if (early) this.#controller.abort(reason);
  }
}
