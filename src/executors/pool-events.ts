import { EventEmitter } from 'node:events';
import type { PoolEngine } from '../pool/engine.js';
import type { PoolListener, WorkerDeathInfo } from '../pool/pool-watch.js';

/**
 * The events of a pool executor and their listeners' arguments, for `pool.on(event, listener)`:
 * - `drain`: the queue, which held tasks, is empty (every task has been sent to a worker, or has left).
 * - `idle`: the pool, which had work, has nothing queued and nothing running.
 * - `workerError`: a worker died without being told to stop (a crash, `process.exit()` in a task, a kill
 *   from outside); the error is a `BrokenThreadPool` / `BrokenProcessPool` with what it died of as `cause`.
 *   The pool heals as always (see `uncaughtErrors`); this tells an operator that it had to.
 *
 * Each fires once per transition. A pool never emits `'error'`, so a pool without listeners never throws
 * from an event. See docs/observability.md.
 * @example
 * ```ts
 * import { once } from 'node:events';
 * import { ThreadPoolExecutor } from 'aiox';
 * await using pool = new ThreadPoolExecutor({ maxWorkers: 2 });
 * pool.on('workerError', (error, { workerId }) => console.error(`worker ${workerId}:`, error.message));
 * const idle = once(pool, 'idle');
 * for (let n = 0; n < 10; n++) pool.submit((x: number) => x * x, n);
 * await idle; // every task is done
 * ```
 */
export interface PoolEvents {
  drain: [];
  idle: [];
  workerError: [error: Error, info: WorkerDeathInfo];
}

/** A pool event's name: `'drain'`, `'idle'` or `'workerError'`. */
export type PoolEventName = keyof PoolEvents;

const NAMES: readonly PoolEventName[] = ['drain', 'idle', 'workerError'];

/** Internal: connects a pool's events to its engine, once the engine exists. */
export let watchEngine: (emitter: PoolEventEmitter, engine: PoolEngine) => void;

/**
 * What makes a pool executor an `EventEmitter` of {@link PoolEvents}. The engine looks for the transitions
 * only while one of those events has a listener, so a pool no one listens to pays nothing for them: the
 * `newListener` and `removeListener` events (listened to here, so they show in `eventNames()`) say when.
 */
export abstract class PoolEventEmitter extends EventEmitter<PoolEvents> {
  static {
    watchEngine = (emitter, engine) => {
      emitter.#engine = engine;
      emitter.#update();
    };
  }

  #engine: PoolEngine | undefined = undefined;
  #watching = false;
  readonly #listener: PoolListener = {
    drain: () => this.#emit('drain'),
    idle: () => this.#emit('idle'),
    workerError: (error, info) => this.#emit('workerError', error, info),
  };
  // Called just before a listener is added.
  readonly #added = (event: string | symbol): void => {
    if (NAMES.includes(event as PoolEventName)) this.#watch(true);
  };
  readonly #removed = (): void => this.#update();

  constructor() {
    super();
    this.#hook();
  }

  /** As EventEmitter's; the pool keeps listening to its own `newListener` and `removeListener`. */
  override removeAllListeners(...args: Parameters<EventEmitter<PoolEvents>['removeAllListeners']>): this {
    super.removeAllListeners(...args);
    this.#hook();
    this.#update();
    return this;
  }

  #hook(): void {
    // Typed for PoolEvents alone, the class does not name EventEmitter's own events.
    const untyped = this as unknown as EventEmitter;
    if (!untyped.listeners('newListener').includes(this.#added)) untyped.on('newListener', this.#added);
    if (!untyped.listeners('removeListener').includes(this.#removed)) untyped.on('removeListener', this.#removed);
  }

  #emit(event: PoolEventName, ...args: unknown[]): void {
    (this as unknown as EventEmitter).emit(event, ...args);
  }

  #update(): void {
    this.#watch(NAMES.some((name) => this.listenerCount(name) > 0));
  }

  #watch(on: boolean): void {
    if (on === this.#watching || this.#engine === undefined) return;
    this.#watching = on;
    this.#engine.watch(on ? this.#listener : undefined);
  }
}
