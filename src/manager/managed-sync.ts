import { validateFunction, validateInteger } from '../internal/validate.js';
import { brand, callProxy, ManagedObject, waitProxy, type ManagedWaitOptions } from './proxy.js';

/**
 * What `acquire` of a managed lock, condition or semaphore resolves to: the right to give back what was
 * taken, once (also through `await using`).
 * @example
 * ```ts
 * import { Manager } from 'aiox';
 * await using manager = new Manager();
 * const lock = manager.lock();
 * await using held = await lock.acquire();
 * if (held.previousOwnerDied) console.log('the last holder died holding it: check what it was changing');
 * ```
 */
export interface ManagedHold extends AsyncDisposable {
  /**
   * True when the hold before this one ended because its holder's worker died (crashed, was killed, or
   * was stopped by an abort or timeout) while holding it: what it guarded may be half-changed.
   */
  readonly previousOwnerDied: boolean;
  /** True once `release()` has been called. */
  readonly released: boolean;
  /** Gives back what was taken; later calls do nothing. */
  release(): Promise<void>;
}

function hold(owner: ManagedObject & { releaseHold(hold: number): Promise<void> }, granted: unknown): ManagedHold {
  const [number, previousOwnerDied] = granted as [number, boolean];
  let released: Promise<void> | undefined;
  const release = (): Promise<void> => (released ??= owner.releaseHold(number));
  return {
    previousOwnerDied,
    get released() {
      return released !== undefined;
    },
    release,
    [Symbol.asyncDispose]: release,
  };
}

/**
 * A proxy of an event hosted by a {@link Manager}; see {@link Event}.
 * @example
 * ```ts
 * import { Manager } from 'aiox';
 * await using manager = new Manager();
 * const ready = manager.event();
 * await ready.set();
 * console.log(await ready.wait({ timeout: 1000 })); // true
 * ```
 */
export class ManagedEvent extends ManagedObject {
  static {
    brand(this, 'event');
  }

  async set(): Promise<void> {
    await callProxy(this, 'set');
  }

  async clear(): Promise<void> {
    await callProxy(this, 'clear');
  }

  async isSet(): Promise<boolean> {
    return (await callProxy(this, 'isSet')) as boolean;
  }

  /** Waits until the flag is set: true, or false when `timeout` passed first. */
  async wait(options: ManagedWaitOptions = {}): Promise<boolean> {
    return (await waitProxy(this, 'wait', [], options)) as boolean;
  }
}

/**
 * A proxy of a lock hosted by a {@link Manager}; see {@link Lock}. If a holder's worker dies, the manager
 * releases the lock and the next holder's {@link ManagedHold.previousOwnerDied} says so.
 * @example
 * ```ts
 * import { Manager } from 'aiox';
 * await using manager = new Manager();
 * const lock = manager.lock();
 * {
 *   await using _held = await lock.acquire({ timeout: 5000 });
 *   // one holder at a time, across threads and processes
 * }
 * ```
 */
export class ManagedLock extends ManagedObject {
  static {
    brand(this, 'lock');
  }

  /** Waits for the lock and takes it. @throws {TimeoutError} (rejects) */
  async acquire(options: ManagedWaitOptions = {}): Promise<ManagedHold> {
    return hold(this, await waitProxy(this, 'acquire', [], options));
  }

  /** Releases the lock, whoever holds it (as asyncio's). @throws {InvalidStateError} (rejects) if it is not held. */
  async release(): Promise<void> {
    await callProxy(this, 'release');
  }

  async locked(): Promise<boolean> {
    return (await callProxy(this, 'locked')) as boolean;
  }

  /** @internal What a {@link ManagedHold} calls. */
  async releaseHold(number: number): Promise<void> {
    await callProxy(this, 'releaseHold', [number]);
  }
}

/**
 * A proxy of a condition hosted by a {@link Manager}; see {@link Condition}. `wait` resolves to false when
 * its `timeout` passed (the lock is held again either way). `waitFor` checks its predicate here, in the
 * caller, never in the manager.
 * @example
 * ```ts
 * import { Manager } from 'aiox';
 * await using manager = new Manager();
 * const cond = manager.condition();
 * const jobs = manager.value(0);
 * await using _held = await cond.acquire();
 * await cond.waitFor(async () => (await jobs.get()) > 0, { timeout: 10 }); // false: nobody added a job
 * ```
 */
export class ManagedCondition extends ManagedLock {
  static {
    brand(this, 'condition');
  }

  /** Releases the lock, waits for a notify, and takes the lock back. True, or false if `timeout` passed. */
  async wait(options: ManagedWaitOptions = {}): Promise<boolean> {
    return (await waitProxy(this, 'wait', [], options)) as boolean;
  }

  /**
   * Waits until `predicate()` (run here, with the lock held) returns a truthy value and resolves to it, or
   * to false when `timeout` passed first.
   */
  async waitFor<R>(predicate: () => R | Promise<R>, options: ManagedWaitOptions = {}): Promise<R | false> {
    validateFunction(predicate, 'predicate');
    const end = options.timeout === undefined ? Infinity : performance.now() + options.timeout;
    let result = await predicate();
    while (!result) {
      const timeout = end - performance.now();
      if (timeout <= 0) return false;
      await this.wait(end === Infinity ? options : { ...options, timeout });
      result = await predicate();
    }
    return result;
  }

  /** Wakes up to `n` waiters. @throws {InvalidStateError} (rejects) if the lock is not held. */
  async notify(n = 1): Promise<void> {
    validateInteger(n, 'n', 0, true);
    await callProxy(this, 'notify', [n]);
  }

  async notifyAll(): Promise<void> {
    await callProxy(this, 'notifyAll');
  }
}

/**
 * A proxy of a semaphore hosted by a {@link Manager}; see {@link Semaphore}. The permits a worker held
 * when it died go back, and the next acquirer's {@link ManagedHold.previousOwnerDied} says so.
 * @example
 * ```ts
 * import { Manager } from 'aiox';
 * await using manager = new Manager();
 * const slots = manager.semaphore(2);
 * await using _two = await slots.acquireMany(2);
 * ```
 */
export class ManagedSemaphore extends ManagedObject {
  static {
    brand(this, 'semaphore');
  }

  acquire(options: ManagedWaitOptions = {}): Promise<ManagedHold> {
    return this.acquireMany(1, options);
  }

  /** Takes `n` permits at once, waiting in line. @throws {RangeError} {TimeoutError} (rejects) */
  async acquireMany(n: number, options: ManagedWaitOptions = {}): Promise<ManagedHold> {
    validateInteger(n, 'n', 1);
    return hold(this, await waitProxy(this, 'acquire', [n], options));
  }

  /** Gives back `n` permits. Give each acquisition back one way: its hold, or this. */
  async release(n = 1): Promise<void> {
    validateInteger(n, 'n', 1);
    await callProxy(this, 'release', [n]);
  }

  /** The number of permits free now. */
  async value(): Promise<number> {
    return (await callProxy(this, 'value')) as number;
  }

  async locked(): Promise<boolean> {
    return (await callProxy(this, 'locked')) as boolean;
  }

  /** @internal What a {@link ManagedHold} calls. */
  async releaseHold(number: number): Promise<void> {
    await callProxy(this, 'releaseHold', [number]);
  }
}

/**
 * A proxy of a barrier hosted by a {@link Manager}; see {@link Barrier}. A party whose worker dies while
 * waiting breaks the barrier (it cannot arrive again), so the others fail with `BrokenBarrierError`
 * rather than wait forever; an aborted or timed-out party only withdraws, as with {@link Barrier}.
 * @example
 * ```ts
 * import { Manager } from 'aiox';
 * await using manager = new Manager();
 * const barrier = manager.barrier(2);
 * console.log(await Promise.all([barrier.wait(), barrier.wait()])); // [ 0, 1 ]
 * ```
 */
export class ManagedBarrier extends ManagedObject {
  static {
    brand(this, 'barrier');
  }

  /** Waits until `parties` calls wait; resolves to this party's index. @throws {BrokenBarrierError} {TimeoutError} (rejects) */
  async wait(options: ManagedWaitOptions = {}): Promise<number> {
    return (await waitProxy(this, 'wait', [], options)) as number;
  }

  async reset(): Promise<void> {
    await callProxy(this, 'reset');
  }

  async abort(): Promise<void> {
    await callProxy(this, 'abort');
  }

  async parties(): Promise<number> {
    return (await callProxy(this, 'parties')) as number;
  }

  async nWaiting(): Promise<number> {
    return (await callProxy(this, 'nWaiting')) as number;
  }

  async broken(): Promise<boolean> {
    return (await callProxy(this, 'broken')) as boolean;
  }
}
