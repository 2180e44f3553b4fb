/**
 * Stand-ins for classes and functions whose code is loaded on first use, synchronously: what
 * scripts/bundle.js puts in dist/index.js for the exports it leaves in a chunk of their own (the Manager,
 * the shared-memory primitives, sync/), so that `import 'aiox'` does not compile them. `names` are the
 * exports; `load` returns the real values (the same object each time).
 *
 * Every operation on a stand-in loads the chunk and is done on the real value: a call, `new`, `instanceof`,
 * `extends`, a static member, `name`. The stand-in is the export for good, so that it is the same value
 * however and whenever a program takes it: the real classes' `prototype.constructor` is set to their
 * stand-in, and `Object.getPrototypeOf` of a stand-in answers with the stand-in of the real class's parent.
 * It costs a proxy's trap (tens of nanoseconds) on `new` and on a static member, nothing on an instance's
 * methods. What a proxy cannot forward: `util.inspect` shows `[Function: Event]` rather than `[class Event]`.
 */
export function standIns(load: () => Readonly<Record<string, unknown>>, names: readonly string[]): Record<string, object> {
  const made: Record<string, object> = {};
  const byReal = new Map<unknown, object>();
  let loaded: Readonly<Record<string, unknown>> | undefined;
  const chunk = (): Readonly<Record<string, unknown>> => {
    if (loaded !== undefined) return loaded;
    const values = load();
    for (const name of names) {
      const real = values[name];
      byReal.set(real, made[name]!);
      if (isClass(real)) Object.defineProperty(real.prototype, 'constructor', { value: made[name], writable: true, configurable: true, enumerable: false });
    }
    return (loaded = values);
  };
  const exported = (value: object | null): object | null => byReal.get(value) ?? value;
  for (const name of names) made[name] = standIn(name, () => chunk()[name] as object, exported);
  return made;
}

function isClass(value: unknown): value is abstract new () => unknown {
  return typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value));
}

/** One stand-in; `exported` maps a real value of the chunk to its stand-in (else returns it). */
function standIn(name: string, real: () => object, exported: (value: object | null) => object | null): object {
  // A bound function is callable and constructible and, unlike a plain function, has no own `prototype`:
  // the proxy's invariants then allow it to report the real value's own properties, whatever they are.
  // Named after the export, for what util.inspect shows of a proxy (its target).
  const target = function () {}.bind(undefined);
  Object.defineProperty(target, 'name', { value: name });
  const receiver = (given: unknown): unknown => (given === proxy ? real() : given);
  const proxy: object = new Proxy(target, {
    apply: (_, self, args) => Reflect.apply(real() as (...args: unknown[]) => unknown, self, args),
    construct: (_, args, newTarget) => {
      const cls = real() as new (...args: unknown[]) => object;
      return Reflect.construct(cls, args, newTarget === proxy ? cls : newTarget);
    },
    get: (_, key) => Reflect.get(real(), key, real()),
    set: (_, key, value, given) => Reflect.set(real(), key, value, receiver(given)),
    has: (_, key) => Reflect.has(real(), key),
    deleteProperty: (_, key) => Reflect.deleteProperty(real(), key),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_, key) => mirrored(target, key, Reflect.getOwnPropertyDescriptor(real(), key)),
    defineProperty: (_, key, descriptor) =>
      Reflect.defineProperty(real(), key, descriptor) && mirrored(target, key, Reflect.getOwnPropertyDescriptor(real(), key)) !== undefined,
    getPrototypeOf: () => exported(Reflect.getPrototypeOf(real())),
    setPrototypeOf: (_, prototype) => Reflect.setPrototypeOf(real(), prototype),
  });
  return proxy;
}

/**
 * A proxy may report a property as non-configurable only if its target has it so: such a property of the
 * real value is copied onto the target before it is reported.
 */
function mirrored(target: object, key: string | symbol, descriptor: PropertyDescriptor | undefined): PropertyDescriptor | undefined {
  if (descriptor !== undefined && descriptor.configurable === false && !Object.hasOwn(target, key)) Object.defineProperty(target, key, descriptor);
  return descriptor;
}
