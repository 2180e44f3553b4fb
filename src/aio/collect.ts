import { InputReader, dropItem } from '../internal/input-reader.js';
import { describe, isThenable, validateInteger, validateOptions, validateSignal } from '../internal/validate.js';
import type { WorkContext, WorkInput, WorkItem } from './work-input.js';

/**
 * Options of {@link collect}.
 * @example
 * ```ts
 * import { readFile } from 'node:fs/promises';
 * import { collect, type WorkContext } from 'aiox';
 * const reads = ['a.json', 'missing.json', 'b.json'].map((f) => ({ signal }: WorkContext) => readFile(f, { encoding: 'utf8', signal }));
 * // Every read runs to its end, then one AggregateError holds all the failures, in input order.
 * const texts = await collect(reads, { workers: 2, settle: true }).catch((e: AggregateError) => {
 *   console.error(e.errors.length, 'failed');
 *   return [];
 * });
 * ```
 */
export interface CollectOptions {
  /** How many items may be in flight at once: an integer >= 1, or `Infinity`. @default 1024 */
  readonly workers?: number;
  /**
   * Stops the call: it rejects at once with `signal.reason`, no new item is started, the input is closed
   * and the signal given to running functions aborts with the same reason.
   */
  readonly signal?: AbortSignal;
  /**
   * `false`: the first failure in input order rejects the call (see {@link collect}).
   * `true`: every item runs to the end whatever fails; if any failed, the call rejects with an
   * `AggregateError` whose `errors` are all the failures in input order.
   * @default false
   */
  readonly settle?: boolean;
}

const CollectState = { RUNNING: 'running', FULFILLED: 'fulfilled', REJECTED: 'rejected' } as const;
type CollectState = (typeof CollectState)[keyof typeof CollectState];

// Marks a result slot whose item is still in flight. Failed slots hold `undefined`.
const PENDING: unique symbol = Symbol('pending');

/**
 * Runs the items of `items` with at most `workers` in flight and resolves to their results in input order.
 *
 * Items are plain values, promises, or functions returning either; a function is called only when a worker
 * takes it, with `{ signal }`, so a lazy input (a generator, or an array of functions) bounds how much runs
 * at once. A worker that finishes takes the next item at once. Items are taken in input order, and the input
 * is read only as fast as workers free up, so an endless generator is fine as long as it ends or fails.
 * An empty input resolves to `[]` at once.
 *
 * When an item fails (and `settle` is not set):
 * - no new item is started, and the input is closed (a generator's `finally` runs);
 * - the call rejects with the failure of the *first failing item in input order*: it waits for the items
 *   before the failed one still running, since one of them may fail too, but never for the ones after it;
 * - at that moment the signal passed to every function aborts, and functions still running are left to
 *   stop by it; collect neither waits for them nor reports what they do afterwards.
 *
 * @param items an iterable or async iterable of values, promises, or functions `({ signal }) => value | promise`
 * @throws {RangeError} if `workers` is not an integer >= 1 (synchronously).
 * @throws {TypeError} if `items` is not iterable or `signal` is not an `AbortSignal` (synchronously).
 * @returns the results in input order; rejects as described above, with `signal.reason` when aborted, or
 *   with what the input itself throws.
 *
 * @example
 * ```ts
 * import { collect } from 'aiox';
 * const ids = [1, 2, 3, 4, 5];
 * const pages = await collect(
 *   ids.map((id) => ({ signal }: { signal: AbortSignal }) => fetch(`https://example.com/${id}`, { signal })),
 *   { workers: 2 },
 * );
 * console.log(pages.length); // 5
 * ```
 */
export function collect<T>(items: WorkInput<T>, options: CollectOptions = {}): Promise<T[]> {
  validateOptions(options);
  const { workers = 1024, signal, settle = false } = options;
  validateInteger(workers, 'workers', 1, true);
  validateSignal(signal);
  if (typeof settle !== 'boolean') throw new TypeError(`settle must be a boolean, received ${describe(settle)}`);
  const reader = new InputReader<WorkItem<T>>(items);
  return new Promise<T[]>((resolve, reject) => {
    if (signal?.aborted) {
      reader.close();
      reject(signal.reason);
      return;
    }
    new CollectRun<T>(reader, workers, settle, signal, resolve, reject).start();
  });
}

/**
 * One call of collect. Workers are async loops over the shared input (no closure or promise per item beyond
 * the item's own); results go into one array by index.
 */
class CollectRun<T> {
  readonly #reader: InputReader<WorkItem<T>>;
  readonly #workers: number;
  readonly #settle: boolean;
  readonly #signal: AbortSignal | undefined;
  readonly #resolve: (results: T[]) => void;
  readonly #reject: (reason: unknown) => void;
  readonly #controller = new AbortController();
  readonly #context: WorkContext = { signal: this.#controller.signal };
  readonly #results: (T | typeof PENDING | undefined)[] = [];
  #state: CollectState = CollectState.RUNNING;
  #live = 0;
  #filling = false;
  #stopped = false;
  // The lowest failed index so far and its failure; Infinity while nothing failed.
  #failIndex = Infinity;
  #failure: unknown = undefined;
  // After a failure: every slot below `#low` is settled.
  #low = 0;
  #failures: [number, unknown][] | undefined;
  // The input's failure was settled at its position (once, however many workers see the input end).
  #inputReported = false;
  readonly #onAbort = (): void => this.#end(CollectState.REJECTED, this.#signal!.reason);

  constructor(
    reader: InputReader<WorkItem<T>>,
    workers: number,
    settle: boolean,
    signal: AbortSignal | undefined,
    resolve: (results: T[]) => void,
    reject: (reason: unknown) => void,
  ) {
    this.#reader = reader;
    this.#workers = workers;
    this.#settle = settle;
    this.#signal = signal;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  start(): void {
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.#fill();
    if (this.#live === 0) this.#finish();
  }

  /**
   * Starts workers while there is room and work. Each new worker runs until its first await, so the loop
   * stays flat: a worker about to wait calls #fill, which returns at once while a fill is under way.
   */
  #fill(): void {
    if (this.#filling) return;
    this.#filling = true;
    // Workers waiting for the async input to answer: one is enough.
    while (this.#live < this.#workers && this.#reader.pulling === 0 && !this.#stopped && !this.#reader.finished) {
      void this.#run();
    }
    this.#filling = false;
  }

  async #run(): Promise<void> {
    this.#live++;
    try {
      while (!this.#stopped) {
        const step = this.#reader.isSync ? this.#reader.takeSync() : await this.#reader.takeAsync();
        if (step === undefined) return this.#onInputEnd();
        let value: unknown = step.value;
        // Stopped while an async input answered.
        if (this.#stopped) return dropItem(value);
        const index = this.#results.push(PENDING) - 1;
        try {
          if (typeof value === 'function') value = value(this.#context);
          if (isThenable(value)) {
            // Another worker may read the input while this one waits: start it before waiting.
            this.#fill();
            value = await value;
          }
        } catch (error) {
          this.#onFailure(index, error);
          continue;
        }
        this.#onSuccess(index, value as T);
      }
    } finally {
      if (--this.#live === 0) this.#finish();
    }
  }

  #onSuccess(index: number, value: T): void {
    this.#results[index] = value;
    if (this.#failIndex !== Infinity && index < this.#failIndex) this.#checkDecided();
  }

  #onFailure(index: number, error: unknown): void {
    this.#results[index] = undefined;
    if (this.#state !== CollectState.RUNNING) return;
    if (this.#settle) {
      (this.#failures ??= []).push([index, error]);
      return;
    }
    if (index > this.#failIndex) return;
    this.#failIndex = index;
    this.#failure = error;
    this.#stop();
    this.#checkDecided();
  }

  /** After a failure: rejects once every item before the first failed one has settled. */
  #checkDecided(): void {
    const results = this.#results;
    let low = this.#low;
    while (low < this.#failIndex && results[low] !== PENDING) low++;
    this.#low = low;
    if (low >= this.#failIndex) this.#end(CollectState.REJECTED, this.#failure);
  }

  /** The input ended, or threw: that is settled as a failure at the position of the item it could not produce. */
  #onInputEnd(): void {
    const failure = this.#reader.failure;
    if (failure === undefined || this.#settle || this.#inputReported) return;
    this.#inputReported = true;
    this.#onFailure(this.#results.length, failure.error);
  }

  /** Called when the last worker has stopped. */
  #finish(): void {
    if (this.#state !== CollectState.RUNNING) return;
    const failures = this.#failures;
    const inputFailure = this.#reader.failure;
    if (inputFailure !== undefined) return this.#end(CollectState.REJECTED, inputFailure.error);
    if (failures === undefined) return this.#end(CollectState.FULFILLED, undefined);
    // Failures were recorded as items settled; input order is index order.
    failures.sort((a, b) => a[0] - b[0]);
    const total = this.#results.length;
    this.#end(
      CollectState.REJECTED,
      new AggregateError(
        failures.map(([, error]) => error),
        `${failures.length} of ${total} items failed`,
      ),
    );
  }

  #stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#reader.close();
  }

  #end(state: CollectState, reason: unknown): void {
    if (this.#state !== CollectState.RUNNING) return;
    this.#state = state;
    this.#signal?.removeEventListener('abort', this.#onAbort);
    if (state === CollectState.FULFILLED) {
      this.#resolve(this.#results as T[]);
      return;
    }
    this.#stop();
    this.#reject(reason);
    const aborted = this.#signal?.aborted === true;
    this.#controller.abort(
      aborted ? this.#signal!.reason : new DOMException('collect gave up: another item failed', 'AbortError'),
    );
  }
}
