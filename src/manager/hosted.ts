import { TimeoutError } from '../futures/errors.js';
import { after } from '../internal/timers.js';
import { describe, validateInteger, validateTimeout } from '../internal/validate.js';
import { isRecord } from '../tasks/wire-error.js';
import { Barrier } from '../sync/barrier.js';
import { BoundedSemaphore } from '../sync/bounded-semaphore.js';
import { Condition } from '../sync/condition.js';
import { Event } from '../sync/event.js';
import { holding, Lock } from '../sync/lock.js';
import type { Releasable } from '../sync/releasable.js';
import { Semaphore } from '../sync/semaphore.js';

/**
 * The objects a manager hosts: each wraps a real primitive of src/sync/ and exposes, by name, the methods a
 * peer may call. What arrives is untrusted: every argument is checked here, and only the names in a
 * `methods` table can be called (a null-prototype table, so "constructor" or "__proto__" name nothing).
 */

/** One connected peer (a worker thread, a process, or the caller's own connection). */
export interface Peer {
  /** True once its connection closed: whatever it was about to receive must go back. */
  readonly gone: boolean;
}

/** One call in the host: who made it, and a signal that aborts when it is cancelled or its peer goes. */
export interface CallContext {
  readonly peer: Peer;
  readonly signal: AbortSignal;
}

export type Method = (call: CallContext, args: readonly unknown[]) => unknown;

export interface Hosted {
  readonly methods: Readonly<Record<string, Method>>;
  /** Releases what `peer` held, once its calls have all settled. */
  left?(peer: Peer): void;
  /** Takes back what `method` returned when its answer could not be sent (over the frame limit). */
  unsent?(method: string, value: unknown): void;
}

export function table(methods: Record<string, Method>): Readonly<Record<string, Method>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, Method>, methods));
}

/** Reads the `{ timeout }` a waiting call sent (the signal stayed with the caller); Infinity if none. */
export function timeoutOf(options: unknown): number {
  if (options === undefined) return Infinity;
  if (!isRecord(options)) throw new TypeError(`options must be an object, received ${describe(options)}`);
  const { timeout = Infinity } = options;
  validateTimeout(timeout);
  return timeout;
}

/** Runs `wait` with a signal that also aborts with a TimeoutError once `timeout` ms have passed. */
export async function timed<T>(call: CallContext, timeout: number, wait: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (timeout === Infinity) return wait(call.signal);
  const controller = new AbortController();
  const forward = (): void => controller.abort(call.signal.reason);
  call.signal.addEventListener('abort', forward, { once: true });
  const timer = after(timeout, () => controller.abort(new TimeoutError(`no success within the timeout of ${timeout} ms`)));
  try {
    return await wait(controller.signal);
  } finally {
    timer.clear();
    call.signal.removeEventListener('abort', forward);
  }
}

function count(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  validateInteger(value, name, 1);
  return value;
}

export function hostEvent(): Hosted {
  const event = new Event();
  return {
    methods: table({
      set: () => event.set(),
      clear: () => event.clear(),
      isSet: () => event.isSet(),
      wait: (call, [options]) => event.wait({ signal: call.signal, timeout: timeoutOf(options) }),
    }),
  };
}

interface Hold {
  readonly peer: Peer;
  readonly handle: Releasable;
  readonly permits: number;
  /** For a lock, the acquisition's number (see `holding` in src/sync/lock.ts). */
  readonly acquisition: number;
}

/**
 * What a lock or a semaphore has handed out, by hold number, so that a peer's handle releases its own
 * hold, and a peer that goes releases all of its holds. The next taker learns that a previous holder died.
 */
class Holds {
  readonly #holds = new Map<number, Hold>();
  #next = 1;
  #ownerDied = false;

  /** Records a hold just granted; returns `[hold number, whether a previous holder died]`. */
  take(call: CallContext, handle: Releasable, permits: number, acquisition = 0): [number, boolean] {
    if (call.peer.gone) {
      handle.release();
      throw new Error('the peer is gone');
    }
    const hold = this.#next++;
    this.#holds.set(hold, { peer: call.peer, handle, permits, acquisition });
    const died = this.#ownerDied;
    this.#ownerDied = false;
    return [hold, died];
  }

  /** Releases hold `hold` through its handle; nothing if it was already released. */
  release(hold: unknown): void {
    const entry = this.#holds.get(hold as number);
    if (entry === undefined) return;
    this.#holds.delete(hold as number);
    entry.handle.release();
  }

  /** Forgets the holds that a bare `release()` ended, oldest first, up to `permits`. */
  forget(ended: (hold: Hold) => boolean, permits: number): void {
    for (const [hold, entry] of this.#holds) {
      if (permits <= 0) return;
      if (!ended(entry)) continue;
      this.#holds.delete(hold);
      permits -= entry.permits;
    }
  }

  left(peer: Peer): void {
    for (const [hold, entry] of this.#holds) {
      if (entry.peer !== peer) continue;
      // Flagged before the release, which hands the lock to the next waiter at once.
      this.#ownerDied = true;
      this.#holds.delete(hold);
      entry.handle.release();
    }
  }
}

function lockMethods(lock: Lock, holds: Holds): Record<string, Method> {
  return {
    acquire: async (call, [options]) => {
      const handle = await timed(call, timeoutOf(options), (signal) => lock.acquire({ signal }));
      return holds.take(call, handle, 1, holding.current(lock));
    },
    releaseHold: (_call, [hold]) => holds.release(hold),
    // Anyone may release a lock, as in asyncio; the hold it ended is forgotten, so its handle does nothing.
    release: () => {
      const current = holding.current(lock);
      lock.release();
      holds.forget((hold) => hold.acquisition === current, 1);
    },
    locked: () => lock.locked(),
  };
}

export function hostLock(): Hosted {
  const lock = new Lock();
  const holds = new Holds();
  return { methods: table(lockMethods(lock, holds)), left: (peer) => holds.left(peer) };
}

export function hostCondition(): Hosted {
  const lock = new Lock();
  const condition = new Condition(lock);
  const holds = new Holds();
  return {
    methods: table({
      ...lockMethods(lock, holds),
      // Resolves to false when the timeout passed first (the lock is held again either way), as Python's.
      wait: async (call, [options]) => {
        try {
          await timed(call, timeoutOf(options), (signal) => condition.wait({ signal }));
          return true;
        } catch (error) {
          if (error instanceof TimeoutError) return false;
          throw error;
        }
      },
      notify: (_call, [n]) => {
        if (n !== undefined) validateInteger(n, 'n', 0, true);
        condition.notify(n as number | undefined);
      },
      notifyAll: () => condition.notifyAll(),
    }),
    left: (peer) => holds.left(peer),
  };
}

export function hostSemaphore(value: number, bounded: boolean): Hosted {
  const semaphore = bounded ? new BoundedSemaphore(value) : new Semaphore(value);
  const holds = new Holds();
  return {
    methods: table({
      acquire: async (call, [n, options]) => {
        const permits = count(n, 'n', 1);
        const handle = await timed(call, timeoutOf(options), (signal) => semaphore.acquireMany(permits, { signal }));
        return holds.take(call, handle, permits);
      },
      releaseHold: (_call, [hold]) => holds.release(hold),
      release: (call, [n]) => {
        const permits = count(n, 'n', 1);
        semaphore.release(permits);
        // A semaphore has no owner: the caller's own holds are taken to be the ones given back.
        holds.forget((hold) => hold.peer === call.peer, permits);
      },
      value: () => semaphore.value,
      locked: () => semaphore.locked(),
    }),
    left: (peer) => holds.left(peer),
  };
}

export function hostBarrier(parties: number): Hosted {
  const barrier = new Barrier(parties);
  return {
    methods: table({
      wait: async (call, [options]) => {
        try {
          return await timed(call, timeoutOf(options), (signal) => barrier.wait({ signal }));
        } catch (error) {
          // A party that died cannot arrive again: the others would wait for it forever, so the barrier breaks.
          if (call.peer.gone) barrier.abort();
          throw error;
        }
      },
      reset: () => barrier.reset(),
      abort: () => barrier.abort(),
      parties: () => barrier.parties,
      nWaiting: () => barrier.nWaiting,
      broken: () => barrier.broken,
    }),
  };
}

/**
 * A single value with a version that every `set` bumps. `update(fn)` runs `fn` in the caller, never here
 * (the host runs no code from the wire): it reads value and version, computes, and stores only if the
 * version is still the one it read (`compareAndSet`), else tries again with what it gets back.
 */
export function hostValue(initial: unknown): Hosted {
  let value = initial;
  let version = 0;
  return {
    methods: table({
      get: () => value,
      read: () => [value, version],
      set: (_call, [next]) => {
        value = next;
        version++;
      },
      compareAndSet: (_call, [expected, next]) => {
        if (expected !== version) return [false, value, version];
        value = next;
        return [true, value, ++version];
      },
    }),
  };
}

type Key = string | number;

function key(value: unknown): Key {
  if (typeof value === 'string' || typeof value === 'number') return value;
  throw new TypeError(`a managed map's key must be a string or a number, received ${describe(value)}`);
}

export function hostMap(entries: readonly (readonly [unknown, unknown])[]): Hosted {
  const map = new Map<Key, unknown>();
  for (const [k, v] of entries) map.set(key(k), v);
  return {
    methods: table({
      get: (_call, [k]) => map.get(key(k)),
      set: (_call, [k, v]) => void map.set(key(k), v),
      has: (_call, [k]) => map.has(key(k)),
      delete: (_call, [k]) => map.delete(key(k)),
      clear: () => map.clear(),
      size: () => map.size,
      keys: () => [...map.keys()],
      values: () => [...map.values()],
      entries: () => [...map.entries()],
    }),
  };
}
