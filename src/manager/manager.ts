import { ManagerShutDown } from '../futures/errors.js';
import { describe, validateInteger, validateOptions } from '../internal/validate.js';
import { Host } from './host.js';
import { hostBarrier, hostCondition, hostEvent, hostLock, hostMap, hostSemaphore, hostValue, type Hosted } from './hosted.js';
import { hostQueue, type QueueOrder } from './hosted-queue.js';
import { hostPipe } from './hosted-pipe.js';
import { ManagedPipeEnd } from './managed-pipe.js';
import { ManagedQueue } from './managed-queue.js';
import { ManagedBarrier, ManagedCondition, ManagedEvent, ManagedLock, ManagedSemaphore } from './managed-sync.js';
import { ManagedMap, ManagedValue } from './managed-value.js';
import type { ManagedObject } from './proxy.js';
import type { ManagedKind, ProxyData } from './wire.js';

/**
 * Options of {@link Manager.queue}.
 * @example
 * ```ts
 * import { Manager } from 'aiox';
 * await using manager = new Manager();
 * const urgentFirst = manager.queue<[number, string]>({ order: 'priority', maxsize: 1000 });
 * ```
 */
export interface ManagedQueueOptions {
  /** The most items the queue holds; `put` waits while it is full. 0 or `Infinity`: no limit. @default 0 */
  readonly maxsize?: number;
  /**
   * `'fifo'` ({@link Queue}), `'lifo'` ({@link LifoQueue}) or `'priority'` ({@link PriorityQueue} with its
   * default order, {@link comparePriority}: a compare function cannot be sent to the manager). @default 'fifo'
   */
  readonly order?: QueueOrder;
}

/**
 * Options of {@link Manager.pipe}.
 * @example
 * ```ts
 * import { Manager } from 'aiox';
 * await using manager = new Manager();
 * const [mine, theirs] = manager.pipe<number>({ maxsize: 64 }); // a sender waits once 64 items wait
 * ```
 */
export interface ManagedPipeOptions {
  /** The most items waiting in each direction; `send` waits while that many do. 0 or `Infinity`: no limit. @default 0 */
  readonly maxsize?: number;
}

/**
 * Options of {@link Manager.semaphore}.
 * @example
 * ```ts
 * import { Manager } from 'aiox';
 * await using manager = new Manager();
 * const slots = manager.semaphore(4, { bounded: true }); // a fifth release() is an error
 * ```
 */
export interface ManagedSemaphoreOptions {
  /** Refuse to hold more permits than `value`, as {@link BoundedSemaphore}. @default false */
  readonly bounded?: boolean;
}

/**
 * Where a manager is: serving, or shut down for good.
 * @example
 * ```ts
 * import { Manager, ManagerState } from 'aiox';
 * const manager = new Manager();
 * await manager.shutdown();
 * console.log(manager.state === ManagerState.SHUT_DOWN); // true
 * ```
 */
export const ManagerState = {
  RUNNING: 'running',
  SHUT_DOWN: 'shut-down',
} as const;
/** One of the values of {@link ManagerState}. */
export type ManagerState = (typeof ManagerState)[keyof typeof ManagerState];

let hostOf: (manager: Manager) => Host;

/** For tests: the host behind a manager, to wait until it has seen a call or a peer leave. @internal */
export function managerHost(manager: Manager): Host {
  return hostOf(manager);
}

/**
 * Hosts queues, events, locks, semaphores, conditions, barriers, values and maps in this process and hands
 * out proxies to them, like Python's `multiprocessing.Manager` (and aioprocessing's `Aio*` objects, since
 * every proxy method is async and this process never blocks its event loop). A proxy passes to thread and
 * process tasks as an ordinary argument, and through the manager's own objects (a queue of queues).
 *
 * The manager listens on a private local socket (an abstract-namespace socket on Linux, a named pipe on
 * Windows): only peers holding the token that every proxy carries are let in. When a peer's connection
 * closes (its worker died, or was stopped by an abort or a timeout), what it held is released: locks and
 * permits are given back and the next holder learns it, its waits are withdrawn, and an item on its way
 * to it goes back in the queue. Neither the manager nor idle connections keep the program alive.
 *
 * @example
 * ```ts
 * // file: tasks.ts
 * import { defineTask, type ManagedQueue } from 'aiox';
 * export const produce = defineTask(import.meta.url, async function produce(results: ManagedQueue<number>): Promise<void> {
 *   await results.put(1); // in a worker process: the proxy arrived as an ordinary argument
 * });
 * ```
 * ```ts
 * import { Manager, ProcessPoolExecutor } from 'aiox';
 * import { produce } from './tasks.js';
 * await using manager = new Manager();
 * await using pool = new ProcessPoolExecutor();
 * const results = manager.queue<number>();
 * await pool.submit(produce, results);
 * console.log(await results.get()); // 1
 * ```
 */
export class Manager implements AsyncDisposable {
  readonly #host = new Host();
  #state: ManagerState = ManagerState.RUNNING;

  static {
    hostOf = (manager) => manager.#host;
  }

  /** `RUNNING` until `shutdown()`. */
  get state(): ManagerState {
    return this.#state;
  }

  /** A queue; see {@link ManagedQueue}. @throws {RangeError} for a bad `maxsize`; {TypeError} for a bad `order`. */
  queue<T>(options: ManagedQueueOptions = {}): ManagedQueue<T> {
    validateOptions(options);
    const { maxsize = 0, order = 'fifo' } = options;
    validateInteger(maxsize, 'maxsize', 0, true);
    if (order !== 'fifo' && order !== 'lifo' && order !== 'priority') {
      throw new TypeError(`order must be 'fifo', 'lifo' or 'priority', received ${describe(order)}`);
    }
    return this.#add('queue', hostQueue(maxsize, order), ManagedQueue) as ManagedQueue<T>;
  }

  event(): ManagedEvent {
    return this.#add('event', hostEvent(), ManagedEvent);
  }

  lock(): ManagedLock {
    return this.#add('lock', hostLock(), ManagedLock);
  }

  condition(): ManagedCondition {
    return this.#add('condition', hostCondition(), ManagedCondition);
  }

  /** @param value The permits available at first. @default 1 */
  semaphore(value = 1, options: ManagedSemaphoreOptions = {}): ManagedSemaphore {
    validateInteger(value, 'value', 0);
    validateOptions(options);
    return this.#add('semaphore', hostSemaphore(value, options.bounded === true), ManagedSemaphore);
  }

  barrier(parties: number): ManagedBarrier {
    validateInteger(parties, 'parties', 1);
    return this.#add('barrier', hostBarrier(parties), ManagedBarrier);
  }

  /** A single value; see {@link ManagedValue}. @param initial Copied into the manager. */
  value<T>(initial: T): ManagedValue<T> {
    return this.#add('value', hostValue(structuredClone(initial)), ManagedValue) as ManagedValue<T>;
  }

  /** A map; see {@link ManagedMap}. @param entries Copied into the manager. */
  map<K extends string | number, V>(entries: Iterable<readonly [K, V]> = []): ManagedMap<K, V> {
    return this.#add('map', hostMap(structuredClone([...entries])), ManagedMap) as ManagedMap<K, V>;
  }

  /**
   * A duplex pipe: two ends, each sending what the other receives; see {@link ManagedPipeEnd}. The first
   * end sends `A` and receives `B`.
   * @param options.maxsize The most items waiting in each direction (0: no limit). @default 0
   */
  pipe<A, B = A>(options: ManagedPipeOptions = {}): [ManagedPipeEnd<A, B>, ManagedPipeEnd<B, A>] {
    validateOptions(options);
    const { maxsize = 0 } = options;
    validateInteger(maxsize, 'maxsize', 0, true);
    const [first, second] = hostPipe(maxsize);
    return [this.#add('pipe', first, ManagedPipeEnd) as ManagedPipeEnd<A, B>, this.#add('pipe', second, ManagedPipeEnd) as ManagedPipeEnd<B, A>];
  }

  /**
   * Closes every connection and stops listening. Calls in progress and every later proxy call fail with
   * {@link ManagerShutDown}; the objects are dropped. Calling it again does nothing.
   */
  async shutdown(): Promise<void> {
    if (this.#state === ManagerState.SHUT_DOWN) return;
    this.#state = ManagerState.SHUT_DOWN;
    this.#host.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  #add<P extends ManagedObject>(kind: ManagedKind, hosted: Hosted, ProxyClass: new (data: ProxyData) => P): P {
    if (this.#state === ManagerState.SHUT_DOWN) throw new ManagerShutDown('the manager has shut down: it creates no more objects');
    const host = this.#host;
    return new ProxyClass({ aioxManaged: kind, address: host.address, token: host.token, id: host.add(hosted) });
  }
}
