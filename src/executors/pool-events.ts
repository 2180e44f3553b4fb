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
 * Each fires once per transition. See docs/observability.md.
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

/**
 * The listeners of one pool's events. The engine watches for the transitions only while one of them has a
 * listener, so a pool no one listens to pays nothing for them.
 */
export class PoolEventHub {
  readonly #engine: PoolEngine;
  readonly #emitter = new EventEmitter();
  readonly #listener: PoolListener = {
    drain: () => this.#emit('drain'),
    idle: () => this.#emit('idle'),
    workerError: (error, info) => this.#emit('workerError', error, info),
  };
  #watching = false;

  constructor(engine: PoolEngine) {
    this.#engine = engine;
  }

  add(event: string | symbol, listener: (...args: never) => void, once: boolean): void {
    if (typeof listener !== 'function') throw new TypeError(`listener must be a function, received ${typeof listener}`);
    const add = once ? this.#emitter.once : this.#emitter.on;
    add.call(this.#emitter, event, listener as (...args: unknown[]) => void);
    this.#update();
  }

  remove(event: string | symbol, listener: (...args: never) => void): void {
    this.#emitter.off(event, listener as (...args: unknown[]) => void);
    this.#update();
  }

  count(event: string | symbol): number {
    return this.#emitter.listenerCount(event);
  }

  #emit(event: PoolEventName, ...args: unknown[]): void {
    try {
      this.#emitter.emit(event, ...args);
    } finally {
      // A `once` listener that fired is gone.
      this.#update();
    }
  }

  /** Watches the engine while any pool event has a listener (a `once` listener removes itself when it fires). */
  #update(): void {
    const watched = NAMES.some((name) => this.#emitter.listenerCount(name) > 0);
    if (watched === this.#watching) return;
    this.#watching = watched;
    this.#engine.watch(watched ? this.#listener : undefined);
  }
}
