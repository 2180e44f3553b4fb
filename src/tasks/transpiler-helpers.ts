/**
 * Helpers that TypeScript compilers insert into a function's own body even when it compiles for a modern
 * target. They are defined once at the top of the compiled module, so a function sent to a worker as source
 * would find them missing there. What each compiler emits, for a function holding a nested function, an
 * arrow and a class with a field, compiled for ES2020 or later (Node 20 runs ES2023):
 * - esbuild (tsx, Vite, most bundlers) with `keepNames`, which tsx turns on: `__name(fn, "name")`; and
 *   `__publicField(this, "x", v)` where class fields are lowered (`useDefineForClassFields: false`).
 * - SWC below ES2022: `_define_property(this, "x", v)`. Babel below its class-fields target:
 *   `_defineProperty(this, "x", v)`.
 * - tsc: nothing at ES2020 and later.
 * Older targets add more (`__awaiter`, `__rest`, `_object_spread`…): `explainSourceError` names those and the
 * fix rather than this file growing a runtime for every downlevel transform.
 */
const HELPERS: Readonly<Record<string, (...args: never[]) => unknown>> = {
  __name: (target: object, value: string) => Object.defineProperty(target, 'name', { value, configurable: true }),
  __publicField: (target: object, key: PropertyKey, value: unknown) => defineField(target, key, value),
  _define_property: (target: object, key: PropertyKey, value: unknown) => defineField(target, key, value),
  _defineProperty: (target: object, key: PropertyKey, value: unknown) => defineField(target, key, value),
};

function defineField(target: object, key: PropertyKey, value: unknown): object {
  const name = typeof key === 'symbol' ? key : String(key);
  return Object.defineProperty(target, name, { value, enumerable: true, configurable: true, writable: true });
}

/** The helpers `source` mentions, by name, to be put in scope where it is compiled. */
export function helpersFor(source: string): [names: string[], values: unknown[]] {
  const names = Object.keys(HELPERS).filter((name) => new RegExp(`\\b${name}\\b`).test(source));
  return [names, names.map((name) => HELPERS[name])];
}

/** Whether a name missing in a worker looks like a helper that a compiler added to the function. */
export function looksLikeTranspilerHelper(name: string): boolean {
  return /^__[a-zA-Z]/.test(name) || /^_[a-z][a-zA-Z]*(_[a-z]+)*$/.test(name);
}
