import { validateOptions, validateSignal, validateTimeout } from '../internal/validate.js';
import { callManager } from './client.js';
import type { ManagedKind, ProxyData } from './wire.js';

/**
 * Options of every proxy method that waits.
 * @example
 * ```ts
 * import { Manager } from 'aiox';
 * await using manager = new Manager();
 * const jobs = manager.queue<string>();
 * await jobs.get({ timeout: 100 }).catch((e) => console.log(e.name)); // TimeoutError
 * ```
 */
export interface ManagedWaitOptions {
  /**
   * Stops waiting. The manager is asked to withdraw the call, and its answer settles it: rejected with
   * `signal.reason` if the call was withdrawn, or fulfilled if the manager had already granted it (an item
   * taken, a lock held), so nothing granted is lost.
   */
  readonly signal?: AbortSignal;
  /**
   * Milliseconds to wait at most, counted in the manager. When they pass, `Event.wait` and
   * `Condition.wait` resolve to `false`; the others reject with `TimeoutError`. @default Infinity
   */
  readonly timeout?: number;
}

const BRAND = Symbol.for('aiox.managed.kind');

/**
 * What every proxy of a {@link Manager}'s objects is: data (kind, address, token, number) and async methods
 * that call the manager. Only the data crosses to a worker; the worker's aiox turns it back into a proxy.
 */
export abstract class ManagedObject implements ProxyData {
  readonly aioxManaged: ManagedKind;
  readonly address: string;
  readonly token: string;
  readonly id: number;

  /** @internal Proxies are made by a {@link Manager}, or rebuilt from their data in a worker. */
  constructor(data: ProxyData) {
    this.aioxManaged = data.aioxManaged;
    this.address = data.address;
    this.token = data.token;
    this.id = data.id;
  }

}

// Functions rather than protected methods: a protected member would make the proxy types of two copies of
// aiox (a worker's and the program's, or src and dist in tests) incompatible to TypeScript.

/** Calls `method` of the object behind `proxy`. */
export function callProxy(proxy: ProxyData, method: string, args: readonly unknown[] = [], signal?: AbortSignal): Promise<unknown> {
  return callManager(proxy.address, proxy.token, proxy.id, method, args, signal);
}

/** Calls a waiting method: checks the options here and sends only the timeout (the signal stays here). */
export function waitProxy(proxy: ProxyData, method: string, args: readonly unknown[], options: ManagedWaitOptions): Promise<unknown> {
  validateOptions(options);
  const { signal, timeout } = options;
  validateSignal(signal);
  if (timeout !== undefined) validateTimeout(timeout);
  return callProxy(proxy, method, [...args, timeout === undefined ? undefined : { timeout }], signal);
}

/**
 * Marks `cls` as the proxy class of `kind`, so that `instanceof` also recognises the proxies that another
 * copy of aiox made: a worker's entry and the task module that imports 'aiox' each have their own.
 */
export function brand(cls: abstract new (data: ProxyData) => ManagedObject, kind: ManagedKind): void {
  Object.defineProperty(cls.prototype, BRAND, { value: kind });
  Object.defineProperty(cls, Symbol.hasInstance, {
    value: (value: unknown): boolean => {
      for (let p = value; p !== null && typeof p === 'object'; p = Object.getPrototypeOf(p)) {
        if (Object.hasOwn(p, BRAND)) return (p as Record<symbol, unknown>)[BRAND] === kind;
      }
      return false;
    },
  });
}
