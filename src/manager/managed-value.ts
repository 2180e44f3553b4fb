import { validateFunction } from '../internal/validate.js';
import { brand, callProxy, ManagedObject } from './proxy.js';
import { reviveValue } from './revive.js';

/**
 * A proxy of a single value hosted by a {@link Manager}, like Python's `manager.Value`. The value is
 * copied in and out (structured clone / V8 serialization).
 *
 * `update(fn)` is atomic without running `fn` in the manager, which never runs code sent to it: `fn` runs
 * here, on the value read, and the result is stored only if nobody stored anything in between (a
 * compare-and-set on a version the manager keeps); otherwise `fn` runs again on the newer value. So `fn`
 * may run more than once under contention and should have no side effects.
 *
 * @example
 * ```ts
 * import { Manager } from 'aiox';
 * await using manager = new Manager();
 * const hits = manager.value(0);
 * await Promise.all([hits.update((n) => n + 1), hits.update((n) => n + 1)]);
 * console.log(await hits.get()); // 2
 * ```
 */
export class ManagedValue<T> extends ManagedObject {
  static {
    brand(this, 'value');
  }

  async get(): Promise<T> {
    return reviveValue((await callProxy(this, 'get')) as T);
  }

  async set(value: T): Promise<void> {
    await callProxy(this, 'set', [value]);
  }

  /** Replaces the value with `fn(value)`, atomically; resolves to the value stored. */
  async update(fn: (value: T) => T | Promise<T>): Promise<T> {
    validateFunction(fn, 'fn');
    let [value, version] = (await callProxy(this, 'read')) as [T, number];
    for (;;) {
      const next = await fn(reviveValue(value));
      const [stored, current, currentVersion] = (await callProxy(this, 'compareAndSet', [version, next])) as [boolean, T, number];
      if (stored) return next;
      value = current;
      version = currentVersion;
    }
  }
}

/**
 * A proxy of a map hosted by a {@link Manager}, like Python's `manager.dict()`. Keys are strings or
 * numbers; values are copied in and out, and proxies among them come out as usable proxies (a map of
 * queues). Each call is atomic; a read-then-write of one key is not (hold a managed lock around it, or
 * keep the entry in a {@link ManagedValue} and use `update`).
 *
 * @example
 * ```ts
 * import { Manager } from 'aiox';
 * await using manager = new Manager();
 * const scores = manager.map<string, number>();
 * await scores.set('ada', 3);
 * console.log(await scores.get('ada'), await scores.size()); // 3 1
 * ```
 */
export class ManagedMap<K extends string | number, V> extends ManagedObject {
  static {
    brand(this, 'map');
  }

  async get(key: K): Promise<V | undefined> {
    return reviveValue((await callProxy(this, 'get', [key])) as V | undefined);
  }

  async set(key: K, value: V): Promise<void> {
    await callProxy(this, 'set', [key, value]);
  }

  async has(key: K): Promise<boolean> {
    return (await callProxy(this, 'has', [key])) as boolean;
  }

  /** Removes the entry; true if there was one. */
  async delete(key: K): Promise<boolean> {
    return (await callProxy(this, 'delete', [key])) as boolean;
  }

  async clear(): Promise<void> {
    await callProxy(this, 'clear');
  }

  async size(): Promise<number> {
    return (await callProxy(this, 'size')) as number;
  }

  async keys(): Promise<K[]> {
    return (await callProxy(this, 'keys')) as K[];
  }

  async values(): Promise<V[]> {
    return ((await callProxy(this, 'values')) as V[]).map(reviveValue);
  }

  async entries(): Promise<[K, V][]> {
    return ((await callProxy(this, 'entries')) as [K, V][]).map(([key, value]) => [key, reviveValue(value)]);
  }
}
